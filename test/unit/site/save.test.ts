import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockstepError } from '../../../provisioning/api/errors';
import { loadSiteFile } from '../../../provisioning/site/load';
import { saveSite } from '../../../provisioning/site/save';

/** The wizard's hand-over to Validate: the edited site written as a site file Lockstep owns. */
describe('saving the wizard’s site', () => {
  let dir: string;
  let key: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lockstep-save-'));
    key = join(dir, 'id_ed25519');
    writeFileSync(key, 'not really a key, but a readable file\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const site = () => ({
    name: 'lab',
    nodes: [
      { address: '10.211.0.11', port: 22, name: 'auto' },
      { address: '10.211.0.12', port: 22, name: 'auto' },
    ],
    ssh: { user: 'root', identityFile: key, port: 22 },
    hypervisor: 'kvm',
    network: {
      management: { a: 'auto', b: 'auto' },
      private: { a: 'enp3s0', b: 'enp2s0', subnet: '10.254.0.0/30', mtu: 'auto' },
      business: 'auto',
    },
    storage: { disks: { a: 'auto', b: 'auto' }, wipe: [], volumeGroup: 'lockstep' },
    quorum: 'two_node',
    fencing: { mode: 'none', acknowledgeNoFencing: true },
    packages: { source: 'bundle', bundle: '/var/cache/lockstep/bundles/bookworm' },
    availability: { default: 'ha' },
  });

  it('writes a commented file that reads back to the same site', () => {
    const saved = saveSite(site(), {
      directory: join(dir, 'sites'),
      homeDir: '/nonexistent-home',
      notes: { 'network.private': 'private link enp3s0 ↔ enp2s0: cabled directly, found by probing the wire' },
    });
    expect(saved.path).toBe(join(dir, 'sites', 'lab.yaml'));
    const text = readFileSync(saved.path, 'utf8');
    expect(text).toMatch(/^# Site file for pair "lab", written by the Lockstep wizard\./);
    expect(text).toContain('# private link enp3s0 ↔ enp2s0: cabled directly, found by probing the wire');
    const loaded = loadSiteFile(saved.path, { homeDir: '/nonexistent-home' });
    expect(loaded.site).toEqual(saved.site);
    expect(loaded.site.network.private).toEqual({ a: 'enp3s0', b: 'enp2s0', subnet: '10.254.0.0/30', mtu: 'auto' });
    expect(loaded.site.ssh.identityFile).toBe(key);
    expect(loaded.site.fencing).toEqual({ mode: 'none', acknowledgeNoFencing: true });
  });

  it('refuses a site the format rejects with the field and the fix, and writes nothing', () => {
    const bad = { ...site(), name: 'Lab Pair!' };
    let error: unknown;
    try {
      saveSite(bad, { directory: join(dir, 'sites') });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LockstepError);
    expect((error as LockstepError).code).toBe('config');
    expect((error as LockstepError).field).toBe('name');
    expect((error as LockstepError).message).toContain('Fix: e.g. `lab-pair`.');
    expect(existsSync(join(dir, 'sites'))).toBe(false);
  });

  it('refuses a key file that does not exist, as reading the file back would', () => {
    const missing = { ...site(), ssh: { user: 'root', identityFile: join(dir, 'nope'), port: 22 } };
    expect(() => saveSite(missing, { directory: join(dir, 'sites') })).toThrow(/does not exist/);
    expect(existsSync(join(dir, 'sites', 'lab.yaml'))).toBe(false);
  });

  it('never writes a password: a BMC password is refused as a secret', () => {
    const withSecret = {
      ...site(),
      nodes: [
        { address: '10.211.0.11', bmc: { address: '10.0.1.11', user: 'ADMIN', password: 'hunter2' } },
        { address: '10.211.0.12', bmc: { address: '10.0.1.12', user: 'ADMIN' } },
      ],
    };
    expect(() => saveSite(withSecret, { directory: join(dir, 'sites') })).toThrow(/secret/);
  });
});
