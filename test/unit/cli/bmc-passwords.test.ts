import { describe, expect, it } from 'vitest';
import type { ResolvedSite } from '../../../provisioning/api/site';
import { bmcPasswords } from '../../../provisioning/cli/site-session';

describe('bmcPasswords (what plan, apply and validate hand to the fencing step and the BMC check)', () => {
  const site = (a: unknown, b: unknown) =>
    ({
      nodes: [
        { address: '10.0.0.11', bmc: a === null ? null : { address: '10.0.1.11', port: 623, user: 'ADMIN', password: a } },
        { address: '10.0.0.12', bmc: b === null ? null : { address: '10.0.1.12', port: 623, user: 'ADMIN', password: b } },
      ],
    }) as unknown as ResolvedSite;

  it('reads each node’s password from the variable its bmc names', async () => {
    const env = { SITE_BMC_A: 'pw-a', SITE_BMC_B: 'pw-b' };
    expect(await bmcPasswords(site({ env: 'SITE_BMC_A' }, { env: 'SITE_BMC_B' }), { ask: false, env })).toEqual({ a: 'pw-a', b: 'pw-b' });
  });

  it('`password: prompt` reads LOCKSTEP_BMC_A_PASSWORD / _B_ and, without a terminal to ask on, leaves the rest out', async () => {
    const env = { LOCKSTEP_BMC_A_PASSWORD: 'pw-a' };
    expect(await bmcPasswords(site('prompt', 'prompt'), { ask: false, env })).toEqual({ a: 'pw-a' });
  });

  it('nothing without BMCs or exported variables', async () => {
    expect(await bmcPasswords(site(null, null), { ask: false, env: {} })).toEqual({});
    expect(await bmcPasswords(site({ env: 'UNSET' }, 'prompt'), { ask: false, env: {} })).toEqual({});
  });
});
