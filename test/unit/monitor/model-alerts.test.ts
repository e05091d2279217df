import { describe, expect, it } from 'vitest';
import type { PairState } from '../../../provisioning/api/monitor';
import { deriveAlerts, stateChanged } from '../../../provisioning/monitor/alerts';
import { pollTimeoutMs } from '../../../provisioning/monitor/monitor';
import { unreachableSample, type NodeSample } from '../../../provisioning/monitor/collect';
import { buildPairState, type PairConfig } from '../../../provisioning/monitor/model';
import { parseCrmMonitor } from '../../../provisioning/monitor/parse/crm-mon';
import { parseProcDrbd84 } from '../../../provisioning/monitor/parse/drbd';
import { formatStatus } from '../../../provisioning/cli/format/status';
import { fixture, sampleFromCapture } from './fixtures';

const config: PairConfig = { pair: 'labpair', addresses: ['10.211.0.11', '10.211.0.12'], acknowledgeNoFencing: true };
const T0 = new Date('2026-11-29T11:52:00Z');
const T1 = new Date('2026-11-29T11:52:05Z');

const healthy = (): [NodeSample, NodeSample] => [
  sampleFromCapture('healthy', 'a', { clockNs: '1795953120000050000' }),
  sampleFromCapture('healthy', 'b', { clockNs: '1795953120000080000' }),
];
const aStopped = (): [NodeSample, NodeSample] => [sampleFromCapture('node-a-stopped', 'a'), sampleFromCapture('node-a-stopped', 'b')];

/** A sample with DRBD devices from a captured /proc/drbd (the lab has no DRBD module). */
function withDrbd(sample: NodeSample, procDrbd: string, minors: number[], names: Map<number, string>): NodeSample {
  const report = parseProcDrbd84(procDrbd, names);
  return { ...sample, drbd: { ...report, devices: report.devices.filter((d) => d.minor !== null && minors.includes(d.minor)) } };
}

describe('pair state model on the lab captures', () => {
  it('healthy lab: both online, only the acknowledged missing fencing degrades it', () => {
    const state = buildPairState(config, healthy(), T0);
    expect(state.nodes.map((n) => [n.name, n.condition, n.quorate])).toEqual([
      ['lockstep-a', 'online', true],
      ['lockstep-b', 'online', true],
    ]);
    expect(state.links).toEqual([{ id: 'corosync-0', kind: 'corosync', a: true, b: true, up: true }]);
    expect(state.level).toBe('degraded');
    expect(state.reasons.map((r) => r.code)).toEqual(['fence.none']);
    expect(state.reasons[0]?.message).toMatch(/acknowledged/);
    expect(state.fencing).toMatchObject({ configured: false, acknowledgedNone: true });
    expect(state.timeDriftMs).toBe(0);
  });

  it('corosync stopped on a: a lost, pair unprotected, link down', () => {
    const state = buildPairState(config, aStopped(), T1);
    expect(state.nodes[0].condition).toBe('lost');
    expect(state.nodes[1].condition).toBe('online');
    expect(state.level).toBe('unprotected');
    expect(state.reasons[0]).toMatchObject({ code: 'node.lost', node: 'lockstep-a' });
    expect(state.links[0]).toMatchObject({ id: 'corosync-0', a: null, b: false, up: false });
  });

  it('down: neither node reachable, or no quorum', () => {
    const gone = buildPairState(config, [unreachableSample('ECONNREFUSED'), unreachableSample('ECONNREFUSED')], T1);
    expect(gone.level).toBe('down');
    expect(gone.reasons[0]?.code).toBe('pair.unreachable');
    const noCluster = buildPairState(config, [sampleFromCapture('node-a-stopped', 'a'), sampleFromCapture('node-a-stopped', 'a', { hostname: 'lockstep-b' })], T1);
    expect(noCluster.level).toBe('down');
    expect(noCluster.reasons[0]?.code).toBe('quorum.lost');
  });

  it('one node unreachable over SSH: unprotected, with the reason', () => {
    const state = buildPairState(config, [unreachableSample('connect ETIMEDOUT'), aStopped()[1]], T1);
    expect(state.nodes[0].condition).toBe('unreachable');
    expect(state.level).toBe('unprotected');
    expect(state.reasons[0]?.message).toMatch(/ETIMEDOUT/);
  });

  it('DRBD resync degrades, StandAlone with both up is split brain, WFConnection is unprotected', () => {
    const [a, b] = healthy();
    const sync = fixture('drbd/proc-drbd-84-sync-ganeti.txt');
    const names = new Map([[5, 'vm-disk'], [0, 'vm-disk']]);
    const syncing = buildPairState(config, [withDrbd(a, sync, [5], names), withDrbd(b, sync, [5], names)], T0);
    expect(syncing.storage[0]).toMatchObject({ resource: 'vm-disk', replication: 'SyncSource', syncPercent: 68.5, splitBrain: false });
    expect(syncing.reasons.map((r) => r.code)).toContain('drbd.resync');
    expect(syncing.level).toBe('degraded');

    const split = buildPairState(config, [withDrbd(a, sync, [0], names), withDrbd(b, sync, [0], names)], T0);
    expect(split.storage[0]?.splitBrain).toBe(true);
    expect(split.level).toBe('unprotected');

    const plain = fixture('drbd/proc-drbd-84-ganeti.txt');
    const wait = buildPairState(config, [withDrbd(a, plain, [4], new Map([[4, 'r4']])), withDrbd(b, plain, [4], new Map([[4, 'r4']]))], T0);
    expect(wait.reasons.map((r) => r.code)).toContain('drbd.not-replicating');
    expect(wait.links.find((l) => l.id === 'replication')?.up).toBe(false);
  });

  it('VMs: where they run, and a VM running twice', () => {
    const [a, b] = healthy();
    const once = buildPairState(config, [{ ...a, vms: [{ id: 2, name: 'web-01', state: 'running' }] }, { ...b, vms: [] }], T0);
    expect(once.vms[0]).toMatchObject({ name: 'web-01', runsOn: 'a', level: 'none', duplicate: false });
    const twice = buildPairState(config, [{ ...a, vms: [{ id: 2, name: 'web-01', state: 'running' }] }, { ...b, vms: [{ id: 4, name: 'web-01', state: 'running' }] }], T0);
    expect(twice.vms[0]?.duplicate).toBe(true);
    expect(twice.level).toBe('unprotected');
  });

  it('time drift past the limit degrades', () => {
    const [a, b] = healthy();
    const state = buildPairState(config, [{ ...a, clockOffsetMs: 0 }, { ...b, clockOffsetMs: 900 }], T0);
    expect(state.timeDriftMs).toBe(900);
    expect(state.reasons.map((r) => r.code)).toContain('time.drift');
  });

  it('the human view leads with the level and the reason', () => {
    const text = formatStatus(buildPairState(config, aStopped(), T1));
    expect(text.split('\n')[0]).toBe('Pair labpair: UNPROTECTED');
    expect(text.split('\n')[1]).toMatch(/lockstep-a has left the cluster/);
    expect(text).toMatch(/corosync-0 +DOWN/);
    expect(text).toMatch(/Fencing: none \(acknowledged/);
  });
});

describe('alerts derived from successive states', () => {
  const s0 = (): PairState => buildPairState(config, healthy(), T0);

  it('no alerts for the first state or an unchanged one', () => {
    expect(deriveAlerts(undefined, s0())).toEqual([]);
    const again = buildPairState(config, healthy(), T1, s0());
    expect(deriveAlerts(s0(), again)).toEqual([]);
    expect(stateChanged(s0(), again)).toBe(false);
  });

  it('node lost and link down, then node back and link up', () => {
    const lost = buildPairState(config, aStopped(), T1, s0());
    const alerts = deriveAlerts(s0(), lost);
    expect(alerts.map((a) => a.kind).sort()).toEqual(['link-down', 'node-lost', 'pair-level']);
    expect(alerts.find((a) => a.kind === 'node-lost')).toMatchObject({ node: 'lockstep-a', severity: 'critical' });
    const back = buildPairState(config, healthy(), new Date('2026-11-29T11:52:10Z'), lost);
    expect(deriveAlerts(lost, back).map((a) => a.kind).sort()).toEqual(['link-up', 'node-back', 'pair-level']);
  });

  it('resync started and finished, split brain, failover, fencing, time drift', () => {
    const base = s0();
    const storage = (replication: string, splitBrain = false): PairState['storage'][number] => ({
      resource: 'r0', minor: 0, connection: { a: 'Connected', b: 'Connected' }, role: { a: 'Primary', b: 'Secondary' },
      disk: { a: 'UpToDate', b: 'UpToDate' }, replication, syncPercent: null, outOfSyncBytes: 0, syncBytesPerSecond: null, splitBrain,
    });
    const vm = (runsOn: 'a' | 'b'): PairState['vms'][number] => ({ name: 'web', state: 'running', runsOn, level: 'ha', protected: true, duplicate: false });
    const before: PairState = { ...base, storage: [storage('Established')], vms: [vm('a')] };
    const after: PairState = {
      ...base,
      at: T1.toISOString(),
      storage: [storage('SyncSource')],
      vms: [vm('b')],
      fencing: { ...base.fencing, history: [{ target: 'lockstep-a', action: 'reboot', status: 'success', completed: '2026-11-29 11:52:03Z' }] },
      timeDriftMs: 2000,
    };
    const kinds = deriveAlerts(before, after).map((a) => a.kind).sort();
    expect(kinds).toEqual(['failover', 'fencing', 'resync-started', 'time-drift']);
    const done: PairState = { ...after, storage: [storage('Established')] };
    expect(deriveAlerts(after, done).map((a) => a.kind)).toEqual(['resync-finished']);
    const split: PairState = { ...after, storage: [storage('StandAlone', true)] };
    expect(deriveAlerts(after, split).map((a) => a.kind)).toContain('split-brain');
  });

  it('a failover through a moment where the VM runs nowhere (its node lost, the survivor starting it) is still one failover', () => {
    const base = s0();
    const vm = (runsOn: 'a' | 'b' | null): PairState['vms'][number] => ({ name: 'web', state: runsOn ? 'running' : 'shut off', runsOn, level: 'ha', protected: runsOn !== null, duplicate: false });
    const onA: PairState = { ...base, vms: [vm('a')] };
    const nowhere: PairState = { ...base, at: T1.toISOString(), vms: [vm(null)] };
    const onB: PairState = { ...base, at: new Date('2026-11-29T11:52:10Z').toISOString(), vms: [vm('b')] };
    const places = new Map([['web', 'a' as const]]);
    expect(deriveAlerts(onA, nowhere, places).map((a) => a.kind)).not.toContain('failover');
    const moved = deriveAlerts(nowhere, onB, places).filter((a) => a.kind === 'failover');
    expect(moved).toHaveLength(1);
    expect(moved[0]?.message).toMatch(/^VM web moved from .+ to .+\.$/);
    // Back where it last ran: no move to report.
    expect(deriveAlerts(nowhere, onA, places).map((a) => a.kind)).not.toContain('failover');
  });
});

describe('failed operations (a VM restarted in place)', () => {
  const recorded = parseCrmMonitor(fixture('pacemaker', 'vm-lab-vm-monitor-timed-out.xml'));
  it('reads crm_mon\'s failures: the resource, node, operation and why', () => {
    expect(recorded.failures).toEqual([
      {
        resource: 'vm-guest1',
        node: 'lockstep-va',
        operation: 'monitor',
        status: 'Timed Out',
        reason: 'Resource agent did not complete within 30s',
        at: '2026-11-29 21:20:35Z',
      },
    ]);
    expect(parseCrmMonitor(fixture('lab', 'healthy', 'a', 'crm_mon.out')).failures).toEqual([]);
  });
  it('a VM whose resource is unmanaged (vm level none) is level none: watched, not protected', () => {
    const xml = fixture('pacemaker', 'vm-lab-vm-monitor-timed-out.xml');
    const vmOf = (crm: ReturnType<typeof parseCrmMonitor>) => crm.resources.find((resource) => resource.id === 'vm-guest1');
    expect(vmOf(recorded)?.managed).toBe(true);
    const watched = parseCrmMonitor(xml.replace(/(<resource id="vm-guest1"[^>]*?)managed="true"/, '$1managed="false"'));
    expect(vmOf(watched)?.managed).toBe(false);
    const withVm = (crm: ReturnType<typeof parseCrmMonitor>) =>
      healthy().map((sample) => ({ ...sample, crm: sample.crm && { ...sample.crm, resources: crm.resources } })) as [NodeSample, NodeSample];
    expect(buildPairState(config, withVm(recorded), T1).vms.map((vm) => [vm.name, vm.level])).toEqual([['guest1', 'ha']]);
    expect(buildPairState(config, withVm(watched), T1).vms.map((vm) => [vm.name, vm.level, vm.protected])).toEqual([['guest1', 'none', false]]);
  });
  it('the state carries each failure once, with its VM; a new one is an alert, the same one again is not', () => {
    const samples = healthy().map((sample) => ({ ...sample, crm: sample.crm && { ...sample.crm, failures: recorded.failures } })) as [NodeSample, NodeSample];
    const failing = buildPairState(config, samples, T1);
    expect(failing.failures).toEqual([{ ...recorded.failures[0], vm: 'guest1' }]);
    // Kept on record, the failure alone does not change the pair's level.
    expect(failing.level).toBe(buildPairState(config, healthy(), T0).level);
    const alerts = deriveAlerts(buildPairState(config, healthy(), T0), failing);
    expect(alerts.map((alert) => [alert.kind, alert.severity, alert.message])).toEqual([
      [
        'resource-failed',
        'warn',
        'VM guest1: monitor failed on lockstep-va (Timed Out: Resource agent did not complete within 30s); the cluster recovers it (a restart, or a move to the other node). `crm_resource --cleanup --resource vm-guest1` clears the record.',
      ],
    ]);
    expect(stateChanged(buildPairState(config, healthy(), T0), failing)).toBe(true);
    expect(deriveAlerts(failing, { ...failing, at: new Date('2026-11-29T11:52:10Z').toISOString() })).toEqual([]);
  });
});

describe('poll timeout', () => {
  it('30 s before a node has answered once; then 10 s, or three times its last answered poll, at most 30 s', () => {
    expect(pollTimeoutMs(null)).toBe(30_000);
    expect(pollTimeoutMs(400)).toBe(10_000);
    expect(pollTimeoutMs(6_000)).toBe(18_000);
    expect(pollTimeoutMs(25_000)).toBe(30_000);
  });
});
