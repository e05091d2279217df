/**
 * Turns one poll into the charts' values (pure): each Corosync link's latency as knet
 * measured it, and the throughput of the replication link from its NIC's byte counters
 * (the difference since the previous poll, on the same node, over the time between).
 */
import { seriesId, type MetricSample, type PairState } from '../api/monitor';
import type { NodeSample } from './collect';
import type { PairConfig } from './model';

/** The counters of the previous poll, kept by the caller between polls. */
export interface CounterMemo {
  readonly node: 'a' | 'b';
  readonly nic: string;
  readonly at: number;
  readonly bytes: number;
}

/** One poll's chart values, the labels of its series, and the counters to remember for the next rate. */
export interface ChartSample {
  readonly sample: MetricSample;
  readonly labels: Record<string, string>;
  readonly memo: CounterMemo | undefined;
}

/**
 * The NIC that carries replication on a node: the one the site file names, else the
 * one holding the local address of a Corosync link other than the management address
 * (Lockstep puts Corosync's first link and DRBD on the private link).
 */
export function replicationNic(config: PairConfig, key: 'a' | 'b', sample: NodeSample): string | null {
  const named = config.privateNics?.[key] ?? null;
  if (named) return named;
  const management = config.addresses[key === 'a' ? 0 : 1];
  const local = sample.links.links
    .map((link) => link.localAddress)
    .filter((address): address is string => address !== null && address !== management);
  for (const address of local) {
    const nic = sample.nics.find((candidate) => candidate.addresses.includes(address));
    if (nic) return nic.name;
  }
  return null;
}

/** The chart values of one poll (pure); `previous` is the memo of the poll before. */
export function chartSample(
  config: PairConfig,
  samples: readonly [NodeSample, NodeSample],
  state: PairState,
  at: number,
  previous: CounterMemo | undefined,
): ChartSample {
  const values: Record<string, number | null> = {};
  const labels: Record<string, string> = {};
  for (const link of state.links) {
    if (link.kind !== 'corosync') continue;
    const id = seriesId('latency', link.id);
    values[id] = link.up && link.latencyMs !== undefined ? link.latencyMs : null;
    labels[id] = `Cluster link ${link.id.replace('corosync-', '')}`;
  }

  // Node a's counters unless it cannot say; a rate needs two readings of the same NIC.
  let memo: CounterMemo | undefined;
  for (const key of ['a', 'b'] as const) {
    const sample = samples[key === 'a' ? 0 : 1];
    if (!sample.reachable) continue;
    const nic = replicationNic(config, key, sample);
    const counters = nic ? sample.nics.find((candidate) => candidate.name === nic) : undefined;
    if (!nic || !counters) continue;
    memo = { node: key, nic, at, bytes: counters.rxBytes + counters.txBytes };
    break;
  }
  if (memo) {
    const id = seriesId('throughput', 'replication');
    labels[id] = `Replication link (${memo.nic})`;
    const same = previous && previous.node === memo.node && previous.nic === memo.nic && memo.at > previous.at;
    // Counters that went backwards were reset (a reboot, a NIC re-created): no rate this time.
    values[id] =
      same && memo.bytes >= previous.bytes ? Math.round(((memo.bytes - previous.bytes) * 1000) / (memo.at - previous.at)) : null;
  }
  return { sample: { at, values }, labels, memo };
}
