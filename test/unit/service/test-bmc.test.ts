import { describe, expect, it } from 'vitest';
import { LockstepError } from '../../../provisioning/api/errors';
import type { LockstepEvent } from '../../../provisioning/api/events';
import { dispatch } from '../../../provisioning/service/dispatch';
import { realLibraries, type EngineLibraries } from '../../../provisioning/service/libraries';
import { createLockstepService } from '../../../provisioning/service/service';

const PASSWORD = 'sekr1t-bmc-pass';

/** A service whose engine is one fake testBmc; records what it was handed, and every event the service streams. */
function serviceWith(testBmc: EngineLibraries['testBmc']) {
  const seen: Parameters<EngineLibraries['testBmc']>[0][] = [];
  const service = createLockstepService({
    door: 'web',
    version: 'test',
    knownHostsPath: '/known_hosts',
    libraries: {
      ...realLibraries,
      testBmc: (options) => {
        seen.push(options);
        return testBmc(options);
      },
    },
  });
  const events: LockstepEvent[] = [];
  service.events.subscribe((event) => events.push(event));
  return { service, events, seen };
}

const args = {
  nodes: [
    { host: '10.211.0.11', port: 22 },
    { host: '10.211.0.12', port: 22 },
  ],
  login: { user: 'root', identityFile: '/lab/id_ed25519' },
  secrets: { sudoPassword: 'sudo-pass', bmcPasswords: { a: 'other-bmc-pass' } },
  node: 'b',
  bmc: { address: '10.211.0.1', port: 6231, user: 'admin' },
  password: PASSWORD,
  operationId: 'bmc-1',
};

describe('testBmc through a door', () => {
  it('asks from the other node only, with SSH’s own secrets, and returns what the probe said and from where', async () => {
    const { service, events, seen } = serviceWith(async () => ({
      reachable: true,
      detail: 'fence_ipmilan on 10.211.0.11 logged in as admin (lanplus) and read the power state: on',
    }));
    const outcome = await dispatch(service.api, 'testBmc', args);
    expect(outcome.envelope).toEqual({
      ok: true,
      result: {
        reachable: true,
        detail: 'fence_ipmilan on 10.211.0.11 logged in as admin (lanplus) and read the power state: on',
        from: '10.211.0.11',
      },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.from).toEqual({
      endpoint: { host: '10.211.0.11', port: 22 },
      login: { user: 'root', identityFile: '/lab/id_ed25519' },
      secrets: { sudoPassword: 'sudo-pass' },
      knownHostsPath: '/known_hosts',
    });
    expect(seen[0]?.bmc).toEqual({ address: '10.211.0.1', port: 6231, user: 'admin' });
    expect(seen[0]?.password).toBe(PASSWORD);
    // Node a's BMC is asked from b, with the IPMI port's default.
    await dispatch(service.api, 'testBmc', { ...args, node: 'a', bmc: { address: 'bmc-a.example', user: 'admin' } });
    expect(seen[1]?.from.endpoint.host).toBe('10.211.0.12');
    expect(seen[1]?.bmc.port).toBe(623);
    // Nothing the door streams or returns holds the password.
    expect(events.map((event) => event.type)).toContain('operationFinished');
    expect(JSON.stringify([outcome, events])).not.toContain(PASSWORD);
  });

  it('refuses malformed arguments before connecting, without echoing the password', async () => {
    const { service, seen } = serviceWith(async () => ({ reachable: true, detail: 'never' }));
    const refused = async (patch: object) => {
      const outcome = await dispatch(service.api, 'testBmc', { ...args, ...patch });
      expect(outcome.kind).toBe('bad-arguments');
      expect(JSON.stringify(outcome)).not.toContain(PASSWORD);
      return outcome.envelope.ok ? undefined : outcome.envelope.error;
    };
    expect((await refused({ bmc: { address: '10.0.1.300', user: 'admin' } }))?.message).toMatch(
      /^Invalid argument to testBmc: bmc\.address: expected an IPv4 or IPv6 address or a hostname/,
    );
    expect((await refused({ node: 'c' }))?.field).toBe('node');
    expect((await refused({ password: '' }))?.message).toContain('Give the BMC password.');
    expect((await refused({ password: `${PASSWORD}\nipport=1` }))?.message).toContain('cannot contain a line break');
    expect((await refused({ bmc: { address: '10.211.0.1', user: 'admin\npassword=x' } }))?.field).toBe('bmc.user');
    expect((await refused({ nodes: [args.nodes[0]] }))?.field).toBe('nodes');
    expect((await refused({ bmc: { ...args.bmc, port: 70000 } }))?.field).toBe('bmc.port');
    expect(seen).toHaveLength(0);
  });

  it('returns a refused login as an answer, and a connection that fails as an error, neither with the password', async () => {
    const refusing = serviceWith(async () => ({ reachable: false, detail: 'fence_ipmilan on 10.211.0.11 could not log in as admin' }));
    const answer = await dispatch(refusing.service.api, 'testBmc', args);
    expect(answer.envelope).toMatchObject({ ok: true, result: { reachable: false, from: '10.211.0.11' } });
    const unreachable = serviceWith(async () => {
      throw new LockstepError({ code: 'ssh.unreachable', host: '10.211.0.11', message: '10.211.0.11 does not answer.', remedy: 'Start it.' });
    });
    const outcome = await dispatch(unreachable.service.api, 'testBmc', args);
    expect(outcome.envelope).toMatchObject({ ok: false, error: { code: 'ssh.unreachable', host: '10.211.0.11' } });
    expect(JSON.stringify([answer, outcome, refusing.events, unreachable.events])).not.toContain(PASSWORD);
  });
});
