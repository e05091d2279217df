import { describe, expect, it } from 'vitest';
import type { Section } from '../../../provisioning/facts/frame';
import { chartSample } from '../../../provisioning/monitor/chart-sample';
import { parseSample } from '../../../provisioning/monitor/collect';
import { buildPairState } from '../../../provisioning/monitor/model';
import { parseCfgtoolStatus, parseKnetLatency } from '../../../provisioning/monitor/parse/corosync';
import { parseIpLinkStats } from '../../../provisioning/monitor/parse/host';
import { fixture } from './fixtures';

const knet = (node: 'a' | 'b'): string => fixture('lab', 'knet', `${node}-cmapctl-stats-knet.out`);

describe('knet latency (corosync-cmapctl -m stats, captured on the lab)', () => {
  it('gives each link the round trip to the peer in microseconds, leaving out the local node', () => {
    expect(parseKnetLatency(knet('a'), 1)).toEqual(new Map([[0, 449], [1, 320]]));
    expect(parseKnetLatency(knet('b'), 2)).toEqual(new Map([[0, 503], [1, 334]]));
  });

  it('skips links knet reports disconnected, and is empty when corosync is down', () => {
    const down = knet('a').replace('stats.knet.node2.link1.connected (u8) = 1', 'stats.knet.node2.link1.connected (u8) = 0');
    expect(parseKnetLatency(down, 1)).toEqual(new Map([[0, 449]]));
    expect(parseKnetLatency('', null)).toEqual(new Map());
  });

  it('reads NIC counters and addresses from one `ip -j -s addr`', () => {
    const nics = parseIpLinkStats(fixture('lab', 'knet', 'a-ip-s-addr.out'));
    const privateNic = nics.find((nic) => nic.addresses.includes('10.254.0.1'));
    expect(privateNic?.name).toBe('enp3s0');
    expect(privateNic?.rxBytes).toBeGreaterThan(0);
    expect(nics.find((nic) => nic.name === 'lo')?.addresses).toContain('127.0.0.1');
  });

  it('reaches the pair state as each link’s mean latency of both ends, and the charts as its values', () => {
    const sample = (node: 'a' | 'b', id: string) => {
      const sections = new Map<string, Section>([
        ['hostname', { stdout: `lockstep-${node}\n`, stderr: '', code: 0 }],
        ['links', { stdout: fixture('lab', 'knet', `${node}-cfgtool-s.out`), stderr: '', code: 0 }],
        ['knet', { stdout: knet(node), stderr: '', code: 0 }],
        ['nics', { stdout: fixture('lab', 'knet', `${node}-ip-s-addr.out`), stderr: '', code: 0 }],
        ['quorum', { stdout: fixture('lab', 'healthy', node, 'quorumtool.out'), stderr: '', code: 0 }],
      ]);
      expect(parseCfgtoolStatus(sections.get('links')!.stdout).localNodeId).toBe(Number(id));
      return parseSample(sections, { started: 0, finished: 10 });
    };
    const samples = [sample('a', '1'), sample('b', '2')] as const;
    const config = { pair: 'lab', addresses: ['10.211.0.11', '10.211.0.12'] as const, acknowledgeNoFencing: true };
    const state = buildPairState(config, samples, new Date('2026-11-29T15:24:19Z'));
    expect(state.links.map((link) => [link.id, link.up, link.latencyMs])).toEqual([
      ['corosync-0', true, 0.476],
      ['corosync-1', true, 0.327],
    ]);
    const chart = chartSample(config, samples, state, Date.parse(state.at), undefined);
    expect(chart.sample.values).toEqual({ 'latency:corosync-0': 0.476, 'latency:corosync-1': 0.327, 'throughput:replication': null });
    expect(chart.labels['throughput:replication']).toBe('Replication link (enp3s0)');
  });
});
