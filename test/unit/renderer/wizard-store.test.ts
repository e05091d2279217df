import { describe, expect, it } from 'vitest';
import type { DiscoveryRow, HostKey, LabStatusView } from '../../../provisioning/api/contract';
import type { LockstepEvent } from '../../../provisioning/api/events';
import { ApiError, type LockstepClient } from '../../../renderer/src/api/api';
import { createWizardStore } from '../../../renderer/src/store/wizard-store';

const row = (address: string, fingerprint: string): DiscoveryRow => ({
  target: address,
  name: null,
  address,
  port: 22,
  state: 'ssh',
  banner: 'SSH-2.0-OpenSSH_9.2p1',
  keyType: 'ssh-ed25519',
  fingerprint,
  rttMs: 0.5,
  reason: null,
  fromRange: false,
});

const FP_A = `SHA256:${'A'.repeat(43)}`;
const FP_B = `SHA256:${'B'.repeat(43)}`;

const lab: LabStatusView = {
  state: 'running',
  nodes: [
    { name: 'a', hostname: 'lockstep-a', address: '10.211.0.11', port: 22, running: true, sshReady: true },
    { name: 'b', hostname: 'lockstep-b', address: '10.211.0.12', port: 22, running: true, sshReady: true },
  ],
  identityFile: '/state/lab/id_ed25519',
  leftovers: [],
};

/** A fake engine: records calls, answers like the real one would. */
function fakeClient(overrides: Partial<LockstepClient> = {}) {
  const calls: { name: string; args: unknown }[] = [];
  const record =
    <T>(name: string, answer: (args: never) => T) =>
    async (args: unknown) => {
      calls.push({ name, args });
      return answer(args as never);
    };
  const client = {
    appInfo: record('appInfo', () => ({
      product: 'Lockstep' as const,
      version: '0.1.0',
      door: 'web' as const,
      platform: 'linux-x64',
      knownHostsPath: '/k',
      secretStorage: 'unavailable' as const,
    })),
    labStatus: record('labStatus', () => lab),
    labUp: record('labUp', () => lab),
    labDown: record('labDown', () => lab),
    discover: record('discover', () => ({
      rows: [row('10.211.0.11', FP_A), row('10.211.0.12', FP_B)],
      scanned: 2,
      durationMs: 40,
    })),
    readHostKey: record('readHostKey', (args: { endpoint: { host: string; port: number } }): HostKey => ({
      endpoint: args.endpoint,
      banner: 'SSH-2.0-OpenSSH_9.2p1',
      keyType: 'ssh-ed25519',
      fingerprint: args.endpoint.host.endsWith('11') ? FP_A : FP_B,
      rttMs: 0.4,
      trust: 'unknown',
    })),
    trust: record('trust', (args: { endpoint: { host: string; port: number }; fingerprint: string }) => ({
      endpoint: args.endpoint,
      keyType: 'ssh-ed25519',
      fingerprint: args.fingerprint,
      knownHostsPath: '/k',
      alreadyTrusted: false,
    })),
    probe: record('probe', () => ({ nodes: [] })),
    loadSiteFile: record('loadSiteFile', () => ({ path: '/s.yaml', site: {} })),
    validateSiteField: record('validateSiteField', () => ({ field: 'name', valid: true })),
    onEvent: () => () => undefined,
    ...overrides,
  } as LockstepClient;
  return { client, calls };
}

let ids = 0;
const nextId = () => `op-${++ids}`;

describe('the wizard store', () => {
  it('uses the practice lab: its addresses, root and its key file', async () => {
    const { client } = fakeClient();
    const store = createWizardStore(client, nextId);
    await store.getState().init();
    expect(store.getState().lab.status?.state).toBe('running');
    store.getState().useLab();
    const state = store.getState();
    expect(state.step).toBe('find');
    expect(state.pairName).toBe('lab');
    expect(state.discovery.input).toBe('10.211.0.11 10.211.0.12');
    expect(state.login).toMatchObject({ user: 'root', method: 'key', identityFile: '/state/lab/id_ed25519' });
  });

  it('chooses the two named servers that answered, and never more than two', async () => {
    const { client, calls } = fakeClient();
    const store = createWizardStore(client, nextId);
    store.getState().setDiscoveryInput('10.211.0.11, 10.211.0.12');
    await store.getState().discover();
    expect(calls.find((call) => call.name === 'discover')?.args).toMatchObject({
      targets: ['10.211.0.11', '10.211.0.12'],
    });
    expect(store.getState().selected).toEqual(['10.211.0.11|22', '10.211.0.12|22']);
    store.getState().toggleSelected(row('10.211.0.13', FP_A));
    expect(store.getState().selected).toHaveLength(2);
    store.getState().toggleSelected(row('10.211.0.11', FP_A));
    expect(store.getState().selected).toEqual(['10.211.0.12|22']);
  });

  it('shows discovery rows live from events of its own operation only', async () => {
    let release: () => void = () => undefined;
    const { client } = fakeClient({
      discover: () =>
        new Promise((resolve) => (release = () => resolve({ rows: [], scanned: 0, durationMs: 1 }))),
    });
    const store = createWizardStore(client, () => 'mine');
    store.getState().setDiscoveryInput('10.0.0.0/24');
    const running = store.getState().discover();
    const event = (operationId: string): LockstepEvent => ({
      type: 'discoveryResult',
      operationId,
      at: 'now',
      row: row('10.0.0.5', FP_A),
    });
    store.getState().handleEvent(event('someone-else'));
    store.getState().handleEvent(event('mine'));
    expect(store.getState().discovery.rows).toHaveLength(1);
    release();
    await running;
  });

  it('trusts exactly the fingerprint the user was shown', async () => {
    const { client, calls } = fakeClient();
    const store = createWizardStore(client, nextId);
    store.getState().setDiscoveryInput('10.211.0.11 10.211.0.12');
    await store.getState().discover();
    await store.getState().readHostKeys();
    await store.getState().trust('10.211.0.12|22');
    expect(calls.find((call) => call.name === 'trust')?.args).toEqual({
      endpoint: { host: '10.211.0.12', port: 22 },
      fingerprint: FP_B,
    });
    expect(store.getState().servers['10.211.0.12|22']?.phase).toBe('trusted');
    expect(store.getState().servers['10.211.0.11|22']?.phase).toBe('read');
  });

  it('keeps a refused trust as a failure with the engine’s explanation', async () => {
    const { client } = fakeClient({
      trust: () =>
        Promise.reject(
          new ApiError({
            code: 'ssh.host-key-mismatch',
            message: 'THE HOST KEY HAS CHANGED',
            remedy: 'Verify on the console.',
          }),
        ),
    });
    const store = createWizardStore(client, nextId);
    store.getState().setDiscoveryInput('10.211.0.11 10.211.0.12');
    await store.getState().discover();
    await store.getState().readHostKeys();
    await store.getState().trust('10.211.0.11|22');
    expect(store.getState().servers['10.211.0.11|22']).toMatchObject({
      phase: 'failed',
      error: { code: 'ssh.host-key-mismatch' },
    });
  });

  it('sends only the secrets the chosen login method needs', async () => {
    const { client, calls } = fakeClient();
    const store = createWizardStore(client, nextId);
    store.getState().setDiscoveryInput('10.211.0.11 10.211.0.12');
    await store.getState().discover();
    store
      .getState()
      .setLogin({
        user: 'admin',
        method: 'key',
        identityFile: ' /k/id ',
        password: 'left-over',
        passphrase: 'pp',
        sudoPassword: 'sudo',
      });
    await store.getState().readInventory();
    expect(calls.find((call) => call.name === 'probe')?.args).toMatchObject({
      login: { user: 'admin', identityFile: '/k/id', agent: false },
      secrets: { passphrase: 'pp', sudoPassword: 'sudo' },
    });
    const secrets = (calls.find((call) => call.name === 'probe')?.args as { secrets: Record<string, string> })
      .secrets;
    expect(secrets).not.toHaveProperty('password');
  });
});
