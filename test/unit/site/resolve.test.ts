import { describe, expect, it } from 'vitest';
import { LockstepError } from '../../../provisioning/api/errors';
import { validateSite } from '../../../provisioning/api/site';
import type { SiteFile } from '../../../provisioning/api/site';
import { applyDiscovered, autoFields, resolveSite } from '../../../provisioning/site/resolve';
import { DISCOVERED } from './helpers';

function site(value: unknown): SiteFile {
  const result = validateSite(value);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.site;
}

describe('resolveSite and applyDiscovered', () => {
  const options = { baseDir: '/sites', homeDir: '/home/admin' };

  it('leaves what probing decides as auto, and lists it', () => {
    const resolved = resolveSite(site({ name: 'p', nodes: [{ address: 'a' }, { address: 'b' }] }), options);
    expect(autoFields(resolved)).toEqual([
      'nodes[0].name',
      'nodes[1].name',
      'network.management.a',
      'network.private.a',
      'network.management.b',
      'network.private.b',
      'network.private.subnet',
      'network.private.mtu',
      'network.business',
      'storage.disks.a',
      'storage.disks.b',
    ]);
  });

  it('fills autos with what was found and keeps explicit choices', () => {
    const resolved = resolveSite(
      site({
        name: 'p',
        nodes: [{ address: 'a', name: 'alpha' }, { address: 'b' }],
        network: { private: { mtu: 1500 } },
      }),
      options,
    );
    const concrete = applyDiscovered(resolved, DISCOVERED);
    expect(concrete.nodes.map((node) => node.name)).toEqual(['alpha', 'node-b']);
    expect(concrete.network.private).toEqual({ a: 'enp3s0', b: 'enp2s0', subnet: '10.99.0.0/30', mtu: 1500 });
    expect(autoFields(concrete)).toEqual([]);
  });

  it('derives witness, bundle and fencing defaults from other fields', () => {
    const resolved = resolveSite(
      site({
        name: 'p',
        nodes: [
          { address: 'a', bmc: { address: 'ba', user: 'u' } },
          { address: 'b', bmc: { address: 'bb', user: 'u' } },
        ],
        ssh: { user: 'admin', port: 2200 },
        quorum: { witness: { address: 'w' } },
        packages: { bundle: '~/bundle' },
      }),
      options,
    );
    expect(resolved.quorum).toEqual({ witness: { address: 'w', port: 2200, user: 'admin' } });
    expect(resolved.packages).toEqual({ source: 'bundle', bundle: '/home/admin/bundle' });
    expect(resolved.fencing).toEqual({ mode: 'ipmi', acknowledgeNoFencing: false });
    expect(resolved.nodes[1].bmc).toEqual({
      address: 'bb',
      user: 'u',
      port: 623,
      password: { env: 'LOCKSTEP_BMC_B_PASSWORD' },
    });
  });

  it('refuses an auto business interface that probing did not find', () => {
    const resolved = resolveSite(
      site({
        name: 'p',
        nodes: [{ address: 'a' }, { address: 'b' }],
        network: { business: [{ bridge: 'br-x' }] },
      }),
      options,
    );
    expect(() => applyDiscovered(resolved, DISCOVERED)).toThrow(LockstepError);
  });
});
