import { describe, expect, it } from 'vitest';
import { Catalogue } from '../../../provisioning/checks/catalogue';

/** The ids PRODUCT.md promises; scripts written outside this repository depend on them. */
const promised = [
  'ssh.unreachable',
  'ssh.host-key-unknown',
  'ssh.host-key-mismatch',
  'ssh.auth-failed',
  'ssh.sudo-unavailable',
  'os.unsupported',
  'cpu.arch',
  'cpu.virt-missing',
  'cpu.nested',
  'cpu.mismatch',
  'mem.insufficient',
  'mem.mismatch',
  'host.name-duplicate',
  'time.skew',
  'time.unsynced',
  'disk.none-available',
  'disk.in-use',
  'disk.too-small',
  'disk.size-mismatch',
  'disk.media-mismatch',
  'net.mgmt-missing',
  'net.no-private-link',
  'net.link-down',
  'net.speed-low',
  'net.mtu-mismatch',
  'net.latency-high',
  'net.address-conflict',
  'pkg.source-unreachable',
  'pkg.conflict',
  'kmod.drbd-unavailable',
  'ft.colo-unsupported',
  'quorum.witness-unreachable',
  'fence.bmc-unreachable',
  'fence.none',
];

describe('check catalogue', () => {
  it('holds exactly the ids PRODUCT.md promises, once each', () => {
    const ids = Catalogue.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...promised].sort());
  });

  it('gives every check a rule and a remedy a non-expert can act on', () => {
    for (const entry of Catalogue) {
      expect(entry.rule.length, entry.id).toBeGreaterThan(20);
      expect(entry.remedy.length, entry.id).toBeGreaterThan(20);
    }
  });
});

describe('docs/checks.md', () => {
  it('is generated from the catalogue (run `npm run docs` after changing a check)', async () => {
    const { readFile } = await import('node:fs/promises');
    const { describeChecks } = await import('../../../provisioning/checks/describe');
    expect(await readFile('docs/checks.md', 'utf8')).toBe(describeChecks());
  });
});
