import { describe, expect, it } from 'vitest';
import { linkConnected, parseCfgtoolStatus, parseQuorum } from '../../../provisioning/monitor/parse/corosync';
import { parseCrmMonitor } from '../../../provisioning/monitor/parse/crm-mon';
import {
  events2Significant,
  isSyncing,
  parseDrbd9StatusJson,
  parseEvents2Line,
  parseMinorMap,
  parseProcDrbd84,
} from '../../../provisioning/monitor/parse/drbd';
import { parseEpochNanos, parseIpLinkStats, parseTimeSync, parseUptimeLoad } from '../../../provisioning/monitor/parse/host';
import { parseDomstats, parseVirshList } from '../../../provisioning/monitor/parse/virsh';
import { fixture } from './fixtures';

describe('corosync parsers (lab captures)', () => {
  it('reads a healthy two-node membership', () => {
    const q = parseQuorum(fixture('lab/healthy/a/quorumtool.out'));
    expect(q?.quorate).toBe(true);
    expect(q?.members.map((m) => m.name)).toEqual(['lockstep-a', 'lockstep-b']);
  });

  it('reads the survivor alone and the stopped node as not running', () => {
    const survivor = parseQuorum(fixture('lab/node-a-stopped/b/quorumtool.out'));
    expect(survivor?.quorate).toBe(true);
    expect(survivor?.members.map((m) => m.name)).toEqual(['lockstep-b']);
    expect(parseQuorum(fixture('lab/node-a-stopped/a/quorumtool.out'))).toBeNull();
  });

  it('reads knet link status per peer', () => {
    const healthy = parseCfgtoolStatus(fixture('lab/healthy/a/cfgtool-s.out'));
    expect(healthy.localNodeId).toBe(1);
    expect(healthy.links).toHaveLength(1);
    expect(healthy.links[0]?.localAddress).toBe('10.211.0.11');
    expect(healthy.links[0]?.peers.get(2)).toBe('connected');
    const lost = parseCfgtoolStatus(fixture('lab/node-a-stopped/b/cfgtool-s.out'));
    expect(lost.links[0]?.peers.get(1)).toBe('disconnected');
    expect(linkConnected('disconnected')).toBe(false);
    expect(parseCfgtoolStatus(fixture('lab/node-a-stopped/a/cfgtool-s.out')).links).toEqual([]);
  });
});

describe('crm_mon XML', () => {
  it('reads the lab: both online, no fencing configured', () => {
    const crm = parseCrmMonitor(fixture('lab/healthy/b/crm_mon.out'));
    expect(crm.connected).toBe(true);
    expect(crm.dcName).toBe('lockstep-b');
    expect(crm.stonithEnabled).toBe(false);
    expect(crm.nodes.map((n) => [n.name, n.online])).toEqual([
      ['lockstep-a', true],
      ['lockstep-b', true],
    ]);
  });

  it('reads a node offline, and the stopped node as not connected', () => {
    const crm = parseCrmMonitor(fixture('lab/node-a-stopped/b/crm_mon.out'));
    expect(crm.nodes.find((n) => n.name === 'lockstep-a')?.online).toBe(false);
    const down = parseCrmMonitor(fixture('lab/node-a-stopped/a/crm_mon.out'));
    expect(down.connected).toBe(false);
    expect(down.statusMessage).toBe('Not connected');
  });

  it('reads resources, where they run and stonith (pacemaker regression output)', () => {
    const crm = parseCrmMonitor(fixture('pacemaker/crm_mon-cts-xml-output.xml'));
    expect(crm.stonithEnabled).toBe(true);
    const fencing = crm.resources.find((r) => r.id === 'Fencing');
    expect(fencing?.agent).toBe('stonith:fence_xvm');
    expect(fencing?.nodes).toEqual(['cluster01']);
    expect(crm.resources.find((r) => r.id === 'dummy')?.nodes).toEqual(['cluster02']);
    expect(crm.nodes.filter((n) => n.online).length).toBe(4);
  });
});

describe('DRBD parsers', () => {
  it('reads /proc/drbd 8.4 states (ganeti test data)', () => {
    const report = parseProcDrbd84(fixture('drbd/proc-drbd-84-ganeti.txt'), new Map([[0, 'r0']]));
    expect(report.version).toBe('8.4.2');
    expect(report.devices.map((d) => [d.minor, d.connection])).toEqual([
      [0, 'Connected'],
      [1, 'Connected'],
      [4, 'WFConnection'],
      [6, 'Connected'],
      [8, 'StandAlone'],
    ]);
    expect(report.devices[0]).toMatchObject({ resource: 'r0', role: 'Primary', peerRole: 'Secondary', disk: 'UpToDate', peerDisk: 'UpToDate', outOfSyncBytes: 0 });
    expect(report.devices[2]?.outOfSyncBytes).toBe(1048320 * 1024);
  });

  it('reads a resync in progress with percent and speed', () => {
    const report = parseProcDrbd84(fixture('drbd/proc-drbd-84-sync-ganeti.txt'));
    const sync = report.devices.find((d) => d.minor === 5);
    expect(sync).toMatchObject({ connection: 'SyncSource', syncPercent: 68.5, outOfSyncBytes: 335744 * 1024, syncBytesPerSecond: 64800 * 1024 });
    expect(isSyncing(sync?.replication ?? null)).toBe(true);
    expect(report.devices.find((d) => d.minor === 0)?.connection).toBe('StandAlone');
  });

  it('maps minors to names', () => {
    expect(parseMinorMap('r0 0\nvm-web 3\n\n')).toEqual(new Map([[0, 'r0'], [3, 'vm-web']]));
  });

  it('reads drbdsetup status --json (DRBD 9)', () => {
    const report = parseDrbd9StatusJson(fixture('drbd/status-json-ha-cluster-exporter.json'), '9.0.16');
    expect(report.devices).toHaveLength(2);
    expect(report.devices[0]).toMatchObject({
      resource: '1-single-0',
      minor: 2,
      connection: 'Connected',
      replication: 'Established',
      role: 'Secondary',
      peerRole: 'Primary',
      disk: 'UpToDate',
      peerDisk: 'UpToDate',
      outOfSyncBytes: 0,
      syncPercent: null,
    });
  });

  it('reads events2 lines and tells state changes from noise', () => {
    const lines = fixture('drbd/events2-drbdtop.txt').split('\n').filter(Boolean);
    const events = lines.map(parseEvents2Line);
    expect(events.map((e) => e?.object)).toEqual(['resource', 'device', 'connection', 'peer-device']);
    expect(events[3]?.fields.get('replication')).toBe('SyncSource');
    expect(events[3]?.fields.get('out-of-sync')).toBe('205655500');
    expect(events[0]?.timestamp).toBe('2017-03-27T08:28:17.072611-07:00');
    // `exists` lines are the initial dump, not changes.
    expect(events.every((e) => e && !events2Significant(e))).toBe(true);
    expect(parseEvents2Line('')).toBeNull();
  });
});

describe('libvirt, NICs, time', () => {
  it('reads virsh list with names containing spaces (test driver capture)', () => {
    expect(parseVirshList(fixture('virsh/list-all-test-driver.txt'))).toEqual([
      { id: 1, name: 'test', state: 'paused' },
      { id: 2, name: 'web-01', state: 'running' },
      { id: null, name: 'db 02', state: 'shut off' },
    ]);
    expect(parseVirshList(fixture('virsh/list-all-default-header.txt'))).toEqual([{ id: 1, name: 'test', state: 'running' }]);
    expect(parseVirshList(fixture('lab/healthy/a/virsh-list.out'))).toEqual([]);
  });

  it('reads domstats blocks', () => {
    const stats = parseDomstats(fixture('virsh/domstats-test-driver.txt'));
    expect(stats.get('db 02')?.get('state.state')).toBe('5');
    expect(stats.get('web-01')?.get('state.state')).toBe('1');
  });

  it('reads NIC counters from ip -j -s link (lab)', () => {
    const nics = parseIpLinkStats(fixture('lab/healthy/a/ip-link.out'));
    const mgmt = nics.find((n) => n.name === 'enp1s0');
    expect(mgmt?.up).toBe(true);
    expect(mgmt?.rxBytes).toBeGreaterThan(0);
    expect(nics.map((n) => n.name)).toContain('lo');
  });

  it('reads uptime, load and clock sync', () => {
    const { uptimeSeconds, load1 } = parseUptimeLoad(fixture('lab/healthy/a/uptime.out'));
    expect(uptimeSeconds).toBeGreaterThan(0);
    expect(load1).not.toBeNull();
    // chronyd not running in the lab ("506 Cannot talk to daemon"): timedatectl decides.
    expect(parseTimeSync(fixture('lab/healthy/a/chrony.out'), 1, fixture('lab/healthy/a/timedatectl.out'))).toBe(false);
    expect(parseEpochNanos('1795953118123456789\n')).toBe(1795953118123);
    expect(parseEpochNanos('garbage')).toBeNull();
  });
});
