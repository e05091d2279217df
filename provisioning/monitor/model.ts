/**
 * The one pair state model: two node samples in, one `PairState` out, with the level
 * (Protected / Degraded / Unprotected / Down) and every reason for it. Pure: the rules
 * are documented in docs/console.md and tested on samples built from captured outputs.
 */
import {
  PAIR_LEVEL_ORDER,
  TIME_DRIFT_LIMIT_MS,
  worseLevel,
  type FencingState,
  type ResourceFailure,
  type LinkState,
  type NodeCondition,
  type NodeState,
  type PairLevel,
  type PairState,
  type Reason,
  type StorageState,
  type VmState,
} from '../api/monitor';
import { vmOfResource } from '../recipes/vm/cluster-xml';
import type { NodeSample } from './collect';
import { linkConnected } from './parse/corosync';
import type { CrmMonitor, CrmNodeInfo, CrmResourceInfo } from './parse/crm-mon';
import { isSyncing, type DrbdDevice } from './parse/drbd';

/** What the model needs from the site file. */
export interface PairConfig {
  readonly pair: string;
  readonly addresses: readonly [string, string];
  readonly acknowledgeNoFencing: boolean;
  /** The replication NIC per node when the site names it (its counters feed the link). */
  readonly privateNics?: { readonly a: string | null; readonly b: string | null };
}

type Key = 'a' | 'b';
const KEYS: readonly Key[] = ['a', 'b'];
const other = (key: Key): Key => (key === 'a' ? 'b' : 'a');

/** Builds the pair state from both nodes' samples; `previous` gives throughput rates. */
export function buildPairState(
  config: PairConfig,
  samples: readonly [NodeSample, NodeSample],
  at: Date,
  previous?: PairState,
): PairState {
  const reasons: Reason[] = [];
  const sample = (key: Key): NodeSample => samples[key === 'a' ? 0 : 1];
  const crm = pickCrm(samples);
  const names = KEYS.map((key) => sample(key).hostname ?? previous?.nodes[key === 'a' ? 0 : 1].name ?? null) as [
    string | null,
    string | null,
  ];
  const nameOf = (key: Key): string | null => names[key === 'a' ? 0 : 1];
  const label = (key: Key): string => nameOf(key) ?? config.addresses[key === 'a' ? 0 : 1];

  const nodes = KEYS.map((key) => nodeState(key, config, sample(key), sample(other(key)), nameOf(key), crm)) as [
    NodeState,
    NodeState,
  ];
  const up = (key: Key): boolean => nodes[key === 'a' ? 0 : 1].condition === 'online';

  // Down: nobody answers, or no partition has quorum.
  const reachable = KEYS.filter((key) => sample(key).reachable);
  const quorate = KEYS.filter((key) => sample(key).quorum?.quorate === true);
  if (reachable.length === 0) {
    reasons.push({ level: 'down', code: 'pair.unreachable', message: 'Neither node can be reached over SSH.' });
  } else if (quorate.length === 0) {
    const running = KEYS.filter((key) => sample(key).quorum !== null);
    reasons.push({
      level: 'down',
      code: 'quorum.lost',
      message:
        running.length === 0
          ? 'Corosync runs on neither reachable node: the cluster has no quorum.'
          : `No quorum: ${running.map(label).join(' and ')} ${running.length > 1 ? 'are' : 'is'} not quorate.`,
    });
  }

  for (const key of KEYS) {
    const node = nodes[key === 'a' ? 0 : 1];
    if (node.condition === 'online') continue;
    const peerUp = up(other(key));
    const what: Record<Exclude<NodeCondition, 'online'>, string> = {
      unreachable: `${label(key)} cannot be reached over SSH (${sample(key).unreachableReason ?? 'no answer'})`,
      lost: `${label(key)} has left the cluster`,
      standby: `${label(key)} is in standby`,
      maintenance: `${label(key)} is in maintenance`,
    };
    reasons.push({
      level: peerUp ? 'unprotected' : 'down',
      code: `node.${node.condition}`,
      node: label(key),
      message: `${what[node.condition]}: ${peerUp ? `everything runs on ${label(other(key))} without a peer.` : 'no node is left to run the VMs.'}`,
    });
  }

  // Cluster partition: both nodes run corosync, each sees only itself, and both are quorate.
  if (
    quorate.length === 2 &&
    KEYS.every((key) => (sample(key).quorum?.members.length ?? 0) === 1)
  ) {
    reasons.push({
      level: 'unprotected',
      code: 'cluster.split-brain',
      message: 'Both nodes are quorate but cannot see each other (split brain): check the links and fencing now.',
    });
  }

  const links = buildLinks(config, samples, label, at, previous);
  const corosyncLinks = links.filter((link) => link.kind === 'corosync');
  const linksUp = corosyncLinks.filter((link) => link.up);
  for (const link of corosyncLinks) {
    if (link.up) continue;
    if (linksUp.length > 0) {
      reasons.push({
        level: 'degraded',
        code: 'link.down',
        subject: link.id,
        message: `Corosync link ${link.id.replace('corosync-', '')} is down; the cluster still talks over ${linksUp.map((l) => l.id.replace('corosync-', 'link ')).join(', ')}.`,
      });
    }
  }

  const storage = buildStorage(samples);
  for (const resource of storage) {
    if (resource.splitBrain) {
      reasons.push({
        level: 'unprotected',
        code: 'drbd.split-brain',
        subject: resource.resource,
        message: `DRBD resource ${resource.resource} is StandAlone while both nodes are up (split brain or manual disconnect): no replication.`,
      });
    } else if (isSyncing(resource.replication)) {
      reasons.push({
        level: 'degraded',
        code: 'drbd.resync',
        subject: resource.resource,
        message: `DRBD resource ${resource.resource} is resyncing${resource.syncPercent !== null ? ` (${resource.syncPercent}%)` : ''}.`,
      });
    } else if (!storageHealthy(resource)) {
      reasons.push({
        level: 'unprotected',
        code: 'drbd.not-replicating',
        subject: resource.resource,
        message: `DRBD resource ${resource.resource} is not replicated (connection ${resource.connection.a ?? '?'}/${resource.connection.b ?? '?'}, disks ${resource.disk.a ?? '?'}/${resource.disk.b ?? '?'}).`,
      });
    }
  }

  const vms = buildVms(samples, crm?.resources ?? [], nodes, storage);
  for (const vm of vms.filter((v) => v.duplicate)) {
    reasons.push({
      level: 'unprotected',
      code: 'vm.duplicate',
      subject: vm.name,
      message: `VM ${vm.name} runs on both nodes at once (split brain): stop one copy now.`,
    });
  }

  const fencing: FencingState = {
    configured: crm !== null && crm.stonithEnabled && crm.resources.some((r) => r.agent.startsWith('stonith:')),
    acknowledgedNone: config.acknowledgeNoFencing,
    history: dedupeFences(samples),
  };
  if (crm !== null && !fencing.configured) {
    reasons.push({
      level: 'degraded',
      code: 'fence.none',
      message: config.acknowledgeNoFencing
        ? 'No fencing: acknowledged in the site file (acknowledgeNoFencing). A split brain can corrupt data.'
        : 'No fencing is configured and the site file does not acknowledge it. A split brain can corrupt data.',
    });
  }

  const offsets = samples.map((s) => s.clockOffsetMs);
  const timeDriftMs =
    offsets[0] !== null && offsets[0] !== undefined && offsets[1] !== null && offsets[1] !== undefined
      ? Math.abs(offsets[0] - offsets[1])
      : null;
  if (timeDriftMs !== null && timeDriftMs > TIME_DRIFT_LIMIT_MS) {
    reasons.push({
      level: 'degraded',
      code: 'time.drift',
      message: `The nodes' clocks differ by ${timeDriftMs} ms (limit ${TIME_DRIFT_LIMIT_MS} ms): check chrony on both.`,
    });
  }

  const level = reasons.reduce<PairLevel>((worst, reason) => worseLevel(worst, reason.level), 'protected');
  const sorted = [...reasons].sort(
    (x, y) => PAIR_LEVEL_ORDER.indexOf(y.level) - PAIR_LEVEL_ORDER.indexOf(x.level),
  );
  return {
    pair: config.pair,
    at: at.toISOString(),
    level,
    reasons: sorted,
    nodes,
    links,
    storage,
    vms,
    fencing,
    failures: dedupeFailures(samples),
    timeDriftMs,
  };
}

/** The most informative crm_mon view: a connected one that sees the most nodes online. */
function pickCrm(samples: readonly NodeSample[]) {
  const connected = samples.map((s) => s.crm).filter((c): c is CrmMonitor => c !== null && c.connected);
  return connected.sort((x, y) => onlineCount(y.nodes) - onlineCount(x.nodes))[0] ?? null;
}

function onlineCount(nodes: readonly CrmNodeInfo[]): number {
  return nodes.filter((node) => node.online).length;
}

function nodeState(
  key: Key,
  config: PairConfig,
  own: NodeSample,
  peer: NodeSample,
  name: string | null,
  crm: ReturnType<typeof pickCrm>,
): NodeState {
  const crmNode = crm?.nodes.find((node) => node.name === name);
  const corosync = own.quorum !== null;
  const peerSeesIt =
    !peer.reachable || peer.quorum === null || name === null
      ? null
      : peer.quorum.members.some((member) => member.name === name);
  let condition: NodeCondition;
  if (!own.reachable) condition = 'unreachable';
  else if (!corosync || peerSeesIt === false || (crmNode !== undefined && (!crmNode.online || crmNode.unclean)))
    condition = 'lost';
  else if (crmNode?.maintenance) condition = 'maintenance';
  else if (crmNode?.standby) condition = 'standby';
  else condition = 'online';
  return {
    key,
    address: config.addresses[key === 'a' ? 0 : 1],
    name,
    condition,
    reachable: own.reachable,
    corosync,
    pacemaker: own.crm?.connected ?? false,
    quorate: own.quorum?.quorate ?? null,
    dc: crm?.dcName !== null && crm?.dcName !== undefined && crm.dcName === name,
    uptimeSeconds: own.uptimeSeconds,
    load1: own.load1,
    clockOffsetMs: own.clockOffsetMs,
    timeSynced: own.timeSynced,
    pollMs: own.pollMs,
    errors: [...own.errors],
  };
}

function buildLinks(
  config: PairConfig,
  samples: readonly [NodeSample, NodeSample],
  _label: (key: Key) => string,
  at: Date,
  previous: PairState | undefined,
): LinkState[] {
  const ids = new Set<number>();
  for (const s of samples) for (const link of s.links.links) ids.add(link.linkId);
  const links: LinkState[] = [];
  for (const linkId of [...ids].sort((x, y) => x - y)) {
    const side = (index: 0 | 1): boolean | null => {
      const s = samples[index];
      if (!s.reachable || s.quorum === null) return null;
      const link = s.links.links.find((l) => l.linkId === linkId);
      if (!link) return false;
      const peers = [...link.peers.entries()].filter(([nodeid]) => nodeid !== s.links.localNodeId);
      return peers.length > 0 && peers.every(([, status]) => linkConnected(status));
    };
    const a = side(0);
    const b = side(1);
    // One side unknown (no SSH, corosync stopped there): the other side's view decides.
    const up = (a ?? b) === true && (b ?? a) === true;
    const latencies = samples.flatMap((s) => {
      const value = s.knetLatencyUs.get(linkId);
      return value === undefined ? [] : [value];
    });
    const latencyMs = up && latencies.length > 0 ? Math.round(latencies.reduce((x, y) => x + y, 0) / latencies.length) / 1000 : undefined;
    links.push({ id: `corosync-${linkId}`, kind: 'corosync', a, b, up, ...(latencyMs !== undefined && { latencyMs }) });
  }
  // A node whose corosync is down still had links: keep them, down, so the console shows the loss.
  for (const old of previous?.links ?? []) {
    if (old.kind === 'corosync' && !links.some((link) => link.id === old.id))
      links.push({ ...old, a: null, b: null, up: false, bytesPerSecond: undefined, latencyMs: undefined });
  }
  const devices = samples.map((s) => s.drbd?.devices ?? []);
  if (devices.some((list) => list.length > 0)) {
    const side = (index: 0 | 1): boolean | null =>
      samples[index].drbd === null ? null : (devices[index] ?? []).every((d) => d.connection === 'Connected' || isSyncing(d.connection));
    const a = side(0);
    const b = side(1);
    const link: LinkState = { id: 'replication', kind: 'replication', a, b, up: a === true && b === true };
    const nic = config.privateNics?.a ?? null;
    const counters = nic ? samples[0].nics.find((n) => n.name === nic) : undefined;
    if (nic && counters) {
      const before = previous?.links.find((l) => l.id === 'replication');
      const seconds = previous ? (at.getTime() - Date.parse(previous.at)) / 1000 : 0;
      const rate =
        before?.rxBytes !== undefined && before.txBytes !== undefined && seconds > 0
          ? Math.max(0, (counters.rxBytes + counters.txBytes - before.rxBytes - before.txBytes) / seconds)
          : undefined;
      links.push({
        ...link,
        nic,
        rxBytes: counters.rxBytes,
        txBytes: counters.txBytes,
        errors: counters.errors,
        ...(rate !== undefined && { bytesPerSecond: Math.round(rate) }),
      });
    } else links.push(link);
  }
  return links;
}

function buildStorage(samples: readonly [NodeSample, NodeSample]): StorageState[] {
  const byName = new Map<string, { a?: DrbdDevice; b?: DrbdDevice }>();
  samples.forEach((s, index) => {
    for (const device of s.drbd?.devices ?? []) {
      const name = device.resource ?? `minor ${device.minor ?? '?'}`;
      const entry = byName.get(name) ?? {};
      entry[index === 0 ? 'a' : 'b'] = device;
      byName.set(name, entry);
    }
  });
  const bothUp = samples.every((s) => s.reachable && s.drbd !== null);
  return [...byName.entries()].map(([resource, { a, b }]) => {
    const syncing = [a, b].find((d) => d && isSyncing(d.replication));
    const standalone = [a, b].some((d) => d?.connection === 'StandAlone');
    return {
      resource,
      minor: a?.minor ?? b?.minor ?? null,
      connection: { a: a?.connection ?? null, b: b?.connection ?? null },
      role: { a: a?.role ?? null, b: b?.role ?? null },
      disk: { a: a?.disk ?? null, b: b?.disk ?? null },
      replication: syncing?.replication ?? a?.replication ?? b?.replication ?? null,
      syncPercent: syncing?.syncPercent ?? null,
      outOfSyncBytes: syncing?.outOfSyncBytes ?? a?.outOfSyncBytes ?? b?.outOfSyncBytes ?? null,
      syncBytesPerSecond: syncing?.syncBytesPerSecond ?? null,
      splitBrain: standalone && bothUp,
    };
  });
}

function storageHealthy(resource: StorageState): boolean {
  return (
    resource.connection.a === 'Connected' &&
    resource.connection.b === 'Connected' &&
    resource.disk.a === 'UpToDate' &&
    resource.disk.b === 'UpToDate'
  );
}

function buildVms(
  samples: readonly [NodeSample, NodeSample],
  resources: readonly CrmResourceInfo[],
  nodes: readonly [NodeState, NodeState],
  storage: readonly StorageState[],
): VmState[] {
  const names = new Set<string>();
  for (const s of samples) for (const vm of s.vms ?? []) names.add(vm.name);
  const managed = resources.filter((r) => /VirtualDomain/.test(r.agent));
  for (const r of managed) if (!names.has(r.id) && !names.has(r.id.replace(/^vm-/, ''))) names.add(r.id.replace(/^vm-/, ''));
  const allUp = nodes.every((node) => node.condition === 'online');
  const storageOk = storage.every((s) => storageHealthy(s));
  return [...names].sort().map((name) => {
    const states = samples.map((s) => s.vms?.find((vm) => vm.name === name)?.state ?? null);
    const active = (state: string | null): boolean => state === 'running' || state === 'paused' || state === 'in shutdown';
    const on = KEYS.filter((_, index) => active(states[index] ?? null));
    const resource = managed.find((r) => r.id === name || r.id === `vm-${name}`);
    // An unmanaged resource is only watched: the cluster would not restart the VM (level none).
    const level = resource?.managed ? 'ha' : 'none';
    const runsOn = on[0] ?? null;
    const state = runsOn ? (states[runsOn === 'a' ? 0 : 1] ?? 'unknown') : (states.find((s) => s !== null) ?? 'not defined');
    return {
      name,
      state,
      runsOn,
      level,
      protected: level !== 'none' && allUp && storageOk && on.length === 1,
      duplicate: on.length > 1,
    };
  });
}

/** Both nodes' crm_mon list the same failures: one entry each, with the VM it concerns. */
function dedupeFailures(samples: readonly NodeSample[]): ResourceFailure[] {
  const seen = new Map<string, ResourceFailure>();
  for (const s of samples)
    for (const failure of s.crm?.failures ?? []) {
      const vm = vmOfResource(failure.resource);
      seen.set(failureKey(failure), { ...failure, ...(vm !== undefined && { vm }) });
    }
  return [...seen.values()];
}

/** What makes a failure the same one in two polls. */
export function failureKey(failure: Pick<ResourceFailure, 'resource' | 'node' | 'operation' | 'at'>): string {
  return `${failure.resource}|${failure.node}|${failure.operation}|${failure.at}`;
}

function dedupeFences(samples: readonly NodeSample[]): FencingState['history'] {
  const seen = new Map<string, FencingState['history'][number]>();
  for (const s of samples)
    for (const event of s.crm?.fenceHistory ?? [])
      seen.set(`${event.target}|${event.action}|${event.completed ?? ''}|${event.status}`, event);
  return [...seen.values()];
}
