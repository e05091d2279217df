/**
 * Corosync's own words about membership and links, from the two text tools Debian 12's
 * corosync 3 ships: `corosync-quorumtool -s` (membership, quorum) and
 * `corosync-cfgtool -s` (knet link status per peer).
 */
import { parseQuorumTool, type QuorumStatus } from '../../recipes/parse/cluster';

export type { QuorumStatus };

/** `corosync-quorumtool -s`; null when corosync is not running ("Cannot initialize CMAP service"). */
export function parseQuorum(stdout: string): QuorumStatus | null {
  if (!/^Quorum information/m.test(stdout)) return null;
  return parseQuorumTool(stdout);
}

/** One knet link as seen from the local node. */
export interface CorosyncLink {
  readonly linkId: number;
  readonly transport: string;
  readonly localAddress: string | null;
  /** Peer nodeid → `connected`, `disconnected`, `localhost`, or what corosync printed. */
  readonly peers: ReadonlyMap<number, string>;
}

export interface CorosyncLinks {
  readonly localNodeId: number | null;
  readonly links: readonly CorosyncLink[];
}

/** `corosync-cfgtool -s` (corosync 3, knet); empty links when corosync is down. */
export function parseCfgtoolStatus(stdout: string): CorosyncLinks {
  const localNodeId = /^Local node ID (\d+)/m.exec(stdout);
  const links: CorosyncLink[] = [];
  let current: { linkId: number; transport: string; localAddress: string | null; peers: Map<number, string> } | undefined;
  for (const line of stdout.split('\n')) {
    const head = /^LINK ID (\d+)\s*(\S*)/.exec(line);
    if (head) {
      current = { linkId: Number(head[1]), transport: head[2] ?? '', localAddress: null, peers: new Map() };
      links.push(current);
      continue;
    }
    if (!current) continue;
    const addr = /^\s+addr\s*=\s*(\S+)/.exec(line);
    if (addr) current.localAddress = addr[1] ?? null;
    const peer = /^\s+nodeid:?\s+(\d+):\s+(.+?)\s*$/.exec(line);
    if (peer) current.peers.set(Number(peer[1]), peer[2] ?? '');
  }
  return { localNodeId: localNodeId ? Number(localNodeId[1]) : null, links };
}

/** True when a cfgtool peer status means the link carries traffic to that peer. */
export function linkConnected(status: string): boolean {
  return /^(connected|localhost)$/.test(status) || /active with no faults/.test(status);
}

/**
 * knet's own round-trip measure per link and peer, from `corosync-cmapctl -m stats
 * stats.knet.` (lines `stats.knet.node2.link0.latency_ave (u32) = 152`, microseconds,
 * from knet's heartbeat pings). Returns link id → the mean over the remote peers that
 * are connected on it, in microseconds; the local node's own entry is left out.
 */
export function parseKnetLatency(stdout: string, localNodeId: number | null): Map<number, number> {
  const latency = new Map<string, number>();
  const connected = new Map<string, boolean>();
  for (const line of stdout.split('\n')) {
    const match = /^stats\.knet\.node(\d+)\.link(\d+)\.(latency_ave|connected)\s+\(\w+\)\s+=\s+(\d+)\s*$/.exec(line);
    if (!match) continue;
    const [, node, link, key, value] = match;
    if (Number(node) === localNodeId) continue;
    const id = `${link}:${node}`;
    if (key === 'connected') connected.set(id, value === '1');
    else latency.set(id, Number(value));
  }
  const perLink = new Map<number, number[]>();
  for (const [id, value] of latency) {
    if (connected.get(id) === false) continue;
    const link = Number(id.split(':')[0]);
    perLink.set(link, [...(perLink.get(link) ?? []), value]);
  }
  return new Map([...perLink].map(([link, values]) => [link, values.reduce((sum, v) => sum + v, 0) / values.length]));
}
