import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ServiceState } from '../../../provisioning/api/verify';
import { parseServices, verifyResult, type VerifiedNode, type VerifySite } from '../../../provisioning/engine/verify-checks';
import type { NodeSample } from '../../../provisioning/monitor/collect';
import { buildPairState } from '../../../provisioning/monitor/model';
import { parseProcDrbd84 } from '../../../provisioning/monitor/parse/drbd';
import { fixture, sampleFromCapture } from '../monitor/fixtures';

/**
 * Verify's lines over real captures: the lab's services (fixtures/verify/PROVENANCE.md)
 * and the console's lab and DRBD captures (../monitor/fixtures/PROVENANCE.md).
 */
const services = (node: 'a' | 'b'): string =>
  readFileSync(join(import.meta.dirname, 'fixtures', 'verify', `services-lab-${node}.txt`), 'utf8');

const LAB: VerifySite = { name: 'lab', hypervisor: 'kvm', fencing: { mode: 'none', acknowledgeNoFencing: true } };
const T = new Date('2026-11-29T12:00:00.000Z');

function verify(samples: [NodeSample, NodeSample], serviceStates: [ServiceState[], ServiceState[]], site: VerifySite = LAB) {
  const nodes: [VerifiedNode, VerifiedNode] = [
    { key: 'a', address: '10.211.0.11', sample: samples[0], services: serviceStates[0] },
    { key: 'b', address: '10.211.0.12', sample: samples[1], services: serviceStates[1] },
  ];
  const state = buildPairState(
    { pair: site.name, addresses: ['10.211.0.11', '10.211.0.12'], acknowledgeNoFencing: site.fencing.acknowledgeNoFencing },
    samples,
    T,
  );
  return verifyResult(site, nodes, state);
}

const healthy = (): [NodeSample, NodeSample] => [sampleFromCapture('healthy', 'a'), sampleFromCapture('healthy', 'b')];
const running = (): [ServiceState[], ServiceState[]] => [parseServices(services('a'), 'kvm'), parseServices(services('b'), 'kvm')];

describe('reading the services', () => {
  it('finds corosync, pacemaker and the libvirt daemon the server has, each with its state', () => {
    expect(parseServices(services('a'), 'kvm')).toEqual([
      { name: 'corosync', unit: 'corosync.service', state: 'active' },
      { name: 'pacemaker', unit: 'pacemaker.service', state: 'active' },
      { name: 'libvirtd', unit: 'libvirtd.service', state: 'active' },
    ]);
  });

  it('reports a stopped unit by what systemd says', () => {
    const stopped = services('a').replace(/^active$/m, 'inactive');
    expect(parseServices(stopped, 'kvm')[0]).toEqual({ name: 'corosync', unit: 'corosync.service', state: 'inactive' });
  });

  it('asks xl for the Xen profile', () => {
    expect(parseServices(services('a'), 'xen')[2]).toEqual({ name: 'xen', unit: 'xl info', state: 'not answering' });
  });
});

describe('the proof after the install', () => {
  it('passes a healthy lab pair, with no DRBD and the acknowledged lack of fencing as warnings', () => {
    const result = verify(healthy(), running());
    expect(result.passed).toBe(true);
    expect(result.checks.map((check) => [check.id, check.status])).toEqual([
      ['cluster.quorum', 'pass'],
      ['cluster.pacemaker', 'pass'],
      ['services', 'pass'],
      ['storage.drbd', 'warn'],
      ['fencing', 'warn'],
    ]);
    expect(result.checks[0]?.detail).toBe(
      'lockstep-a: quorate, 2 members (lockstep-a, lockstep-b); lockstep-b: quorate, 2 members (lockstep-a, lockstep-b).',
    );
    expect(result.checks[2]?.title).toBe('Services running (corosync, pacemaker, libvirtd)');
    expect(result.checks[3]?.detail).toBe(
      'No DRBD resources yet, and the DRBD module is not loaded on lockstep-a and lockstep-b: mirrored storage is not available there.',
    );
    expect(result.nodes[1]).toMatchObject({ name: 'lockstep-b', quorate: true, members: ['lockstep-a', 'lockstep-b'], drbdVersion: null });
    expect(result.fencing).toEqual({ mode: 'none', configured: false, acknowledgedNone: true });
  });

  it('fails when a server lost the cluster, naming the server and the service', () => {
    const states = running();
    states[0] = states[0].map((service) => (service.name === 'libvirtd' ? service : { ...service, state: 'inactive' }));
    const result = verify([sampleFromCapture('node-a-stopped', 'a'), sampleFromCapture('node-a-stopped', 'b')], states);
    expect(result.passed).toBe(false);
    const line = (id: string) => result.checks.find((check) => check.id === id);
    expect(line('cluster.quorum')).toMatchObject({ status: 'fail' });
    expect(line('cluster.quorum')?.detail).toContain('lockstep-a: corosync does not answer');
    expect(line('cluster.pacemaker')?.status).toBe('fail');
    expect(line('services')?.detail).toContain('lockstep-a: corosync inactive, pacemaker inactive, libvirtd active');
    expect(line('services')?.remedy).toContain('systemctl status corosync.service pacemaker.service');
  });

  it('fails a server that cannot be reached, with the reason', () => {
    const result = verify(
      [sampleFromCapture('healthy', 'a'), { ...sampleFromCapture('healthy', 'b'), reachable: false, unreachableReason: 'connect ETIMEDOUT 10.211.0.12:22', hostname: null, quorum: null, crm: null }],
      [running()[0], []],
    );
    expect(result.passed).toBe(false);
    expect(result.checks.find((check) => check.id === 'services')?.detail).toContain('10.211.0.12: not reachable (connect ETIMEDOUT 10.211.0.12:22)');
    expect(result.nodes[1]).toMatchObject({ reachable: false, problem: 'connect ETIMEDOUT 10.211.0.12:22' });
  });

  it('fails fencing that the site wants but Pacemaker does not have, and an unacknowledged none', () => {
    const ipmi = verify(healthy(), running(), { ...LAB, fencing: { mode: 'ipmi', acknowledgeNoFencing: false } });
    expect(ipmi.checks.find((check) => check.id === 'fencing')).toMatchObject({ status: 'fail' });
    const bare = verify(healthy(), running(), { ...LAB, fencing: { mode: 'none', acknowledgeNoFencing: false } });
    expect(bare.checks.find((check) => check.id === 'fencing')?.detail).toBe('No fencing is configured, and the risk is not acknowledged.');
  });

  it('judges DRBD resources: connected and up to date passes, a resync warns, a StandAlone resource fails', () => {
    const withDrbd = (text: string): [NodeSample, NodeSample] => {
      const drbd = parseProcDrbd84(text, new Map([[0, 'vm0-disk0'], [5, 'vm1-disk0']]));
      const [a, b] = healthy();
      return [{ ...a, drbd }, { ...b, drbd }];
    };
    const lines = (file: string) => fixture('drbd', file).split('\n');
    const header = lines('proc-drbd-84-ganeti.txt').slice(0, 2);
    // Excerpts of the captures: the header and one minor's block each.
    const connected = [...header, ...lines('proc-drbd-84-ganeti.txt').slice(2, 4)].join('\n');
    const syncing = [...header, ...lines('proc-drbd-84-sync-ganeti.txt').slice(7, 11)].join('\n');
    const drbd = (result: ReturnType<typeof verify>) => result.checks.find((check) => check.id === 'storage.drbd');

    const good = verify(withDrbd(connected), running());
    expect(drbd(good)).toMatchObject({ status: 'pass', detail: '1 resource connected and up to date on both servers.' });
    const resync = verify(withDrbd(syncing), running());
    expect(drbd(resync)?.status).toBe('warn');
    expect(drbd(resync)?.detail).toContain('resyncing (68.5%)');
    expect(resync.passed).toBe(true);
    const broken = verify(withDrbd(fixture('drbd', 'proc-drbd-84-sync-ganeti.txt')), running());
    expect(drbd(broken)?.status).toBe('fail');
    expect(drbd(broken)?.detail).toContain('vm0-disk0');
    expect(broken.passed).toBe(false);
  });
});
