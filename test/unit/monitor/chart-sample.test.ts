import { describe, expect, it } from 'vitest';
import type { PairState } from '../../../provisioning/api/monitor';
import { chartSample, replicationNic } from '../../../provisioning/monitor/chart-sample';
import { unreachableSample, type NodeSample } from '../../../provisioning/monitor/collect';
import type { PairConfig } from '../../../provisioning/monitor/model';

const config: PairConfig = { pair: 'lab', addresses: ['10.211.0.11', '10.211.0.12'], acknowledgeNoFencing: true };

/** A reachable node whose Corosync link 0 runs over `host1` (10.99.0.1) and link 1 over the management NIC. */
function node(bytes: number, patch: Partial<NodeSample> = {}): NodeSample {
  return {
    ...unreachableSample(''),
    reachable: true,
    links: {
      localNodeId: 1,
      links: [
        { linkId: 0, transport: 'UDP', localAddress: '10.99.0.1', peers: new Map([[2, 'connected']]) },
        { linkId: 1, transport: 'UDP', localAddress: '10.211.0.11', peers: new Map([[2, 'connected']]) },
      ],
    },
    nics: [
      { name: 'host0', up: true, rxBytes: 5, txBytes: 5, errors: 0, addresses: ['10.211.0.11'] },
      { name: 'host1', up: true, rxBytes: bytes, txBytes: bytes, errors: 0, addresses: ['10.99.0.1', 'fe80::1'] },
    ],
    ...patch,
  };
}

const state = (links: PairState['links']): PairState => ({ links }) as PairState;
const up = (id: string, latencyMs?: number) => ({ id, kind: 'corosync' as const, a: true, b: true, up: true, ...(latencyMs !== undefined && { latencyMs }) });

describe('chart values of one poll', () => {
  it('finds the replication NIC by the Corosync link that is not on the management address', () => {
    expect(replicationNic(config, 'a', node(0))).toBe('host1');
    expect(replicationNic({ ...config, privateNics: { a: 'eth9', b: null } }, 'a', node(0))).toBe('eth9');
    expect(replicationNic(config, 'a', node(0, { links: { localNodeId: 1, links: [] } }))).toBeNull();
  });

  it('gives each link its latency (a gap while it is down) and the replication rate since the last poll', () => {
    const t0 = 1_000_000;
    const first = chartSample(config, [node(1000), node(0)], state([up('corosync-0', 0.21), { ...up('corosync-1'), up: false }]), t0, undefined);
    expect(first.sample).toEqual({ at: t0, values: { 'latency:corosync-0': 0.21, 'latency:corosync-1': null, 'throughput:replication': null } });
    expect(first.labels).toEqual({ 'latency:corosync-0': 'Cluster link 0', 'latency:corosync-1': 'Cluster link 1', 'throughput:replication': 'Replication link (host1)' });
    // 2 × 5000 more bytes (rx + tx) in 2 s: 5000 B/s.
    const second = chartSample(config, [node(6000), node(0)], state([up('corosync-0', 0.3)]), t0 + 2000, first.memo);
    expect(second.sample.values['throughput:replication']).toBe(5000);
  });

  it('gives no rate across a counter reset or a change of node', () => {
    const t0 = 1_000_000;
    const first = chartSample(config, [node(9000), node(0)], state([]), t0, undefined);
    expect(chartSample(config, [node(10), node(0)], state([]), t0 + 1000, first.memo).sample.values['throughput:replication']).toBeNull();
    // Node a unreachable: node b's counters are another NIC's, so the next rate starts afresh.
    const fromB = chartSample(config, [unreachableSample('down'), node(50_000)], state([]), t0 + 2000, first.memo);
    expect(fromB.memo?.node).toBe('b');
    expect(fromB.sample.values['throughput:replication']).toBeNull();
  });
});
