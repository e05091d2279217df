import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../../../provisioning/api/endpoint';
import { validateSite, type SiteFile } from '../../../provisioning/api/site';
import type { VerifyResult } from '../../../provisioning/api/verify';
import { ApiError, type LockstepClient } from '../../../renderer/src/api/api';
import { draftFromSite, emptyBmc, newDraft, sameSite, toSiteFile } from '../../../renderer/src/model/site-draft';
import { createWizardStore } from '../../../renderer/src/store/wizard-store';
import { resolveSite } from '../../../provisioning/site/resolve';
import { labProbeNodes, labSuggestion } from './role-fixtures';

/** The practice lab's site file (provisioning/lab/site-file.ts) as `loadSiteFile` resolves it. */
const LAB_SITE = resolveSite(
  {
    name: 'lab',
    nodes: [{ address: '10.211.0.11' }, { address: '10.211.0.12' }],
    ssh: { user: 'root', identityFile: '/state/lab/id_ed25519' },
    fencing: { mode: 'none', acknowledgeNoFencing: true },
    packages: { source: 'bundle', bundle: '/var/cache/lockstep/bundles/bookworm' },
  } as SiteFile,
  { baseDir: '/state/lab', homeDir: '/root' },
);

const endpoints: Endpoint[] = [
  { host: '10.211.0.11', port: 22 },
  { host: '10.211.0.12', port: 22 },
];

/** A fake engine for steps 5–7 and 11: records every call with its arguments. */
function fakeClient(overrides: Partial<LockstepClient> = {}) {
  const calls: { name: string; args: unknown }[] = [];
  const record =
    <T>(name: string, answer: (args: never) => T) =>
    async (args: unknown) => {
      calls.push({ name, args });
      return answer(args as never);
    };
  const client = {
    loadSiteFile: record('loadSiteFile', () => ({ path: '/state/lab/site.yaml', site: { ...LAB_SITE } })),
    suggestSite: record('suggestSite', () => labSuggestion()),
    saveSite: record('saveSite', (args: { site: { name: string } }) => ({
      path: `/state/sites/${args.site.name}.yaml`,
      site: {},
    })),
    verifyPair: record('verifyPair', (): VerifyResult => ({
      pair: 'lab',
      checkedAt: '2026-01-01T00:00:00.000Z',
      passed: true,
      checks: [{ id: 'cluster.quorum', title: 'Cluster quorate with two members', status: 'pass', detail: 'ok' }],
      nodes: [
        { key: 'a', address: '10.211.0.11', name: 'lockstep-a', reachable: true, quorate: true, members: ['lockstep-a', 'lockstep-b'], services: [], drbdVersion: null },
        { key: 'b', address: '10.211.0.12', name: 'lockstep-b', reachable: true, quorate: true, members: ['lockstep-a', 'lockstep-b'], services: [], drbdVersion: null },
      ],
      storage: [],
      fencing: { mode: 'none', configured: false, acknowledgedNone: true },
    })),
    cancel: record('cancel', () => ({ cancelled: true })),
    onEvent: () => () => undefined,
    ...overrides,
  } as unknown as LockstepClient;
  return { client, calls };
}

/** A store that has been through Inventory with the lab's two servers, its site file open. */
function labStore(client: LockstepClient, sitePath: string | null = '/state/lab/site.yaml') {
  const store = createWizardStore(client, (() => {
    let id = 0;
    return () => `op-${++id}`;
  })());
  store.setState({
    sitePath: sitePath ?? undefined,
    siteIsLab: !!sitePath,
    selected: ['10.211.0.11|22', '10.211.0.12|22'],
    servers: {
      '10.211.0.11|22': { endpoint: endpoints[0]!, phase: 'trusted' },
      '10.211.0.12|22': { endpoint: endpoints[1]!, phase: 'trusted' },
    },
    login: { user: 'root', method: 'key', identityFile: '/state/lab/id_ed25519', passphrase: '', password: '', sudoPassword: '' },
    inventory: { running: false, nodes: labProbeNodes() },
  });
  return store;
}

describe('the site draft', () => {
  it('round-trips the opened site: the draft says exactly what the file says', () => {
    const draft = draftFromSite({ ...LAB_SITE });
    const file = toSiteFile(draft);
    expect(validateSite(file).ok).toBe(true);
    expect(resolveSite(file as SiteFile, { baseDir: '/state/lab', homeDir: '/root' })).toEqual(LAB_SITE);
    expect(sameSite(draft, draftFromSite(JSON.parse(JSON.stringify(LAB_SITE))))).toBe(true);
  });

  it('starts a new pair from the servers and the login, with fencing still to be decided', () => {
    const draft = newDraft(endpoints, { user: 'admin', identityFile: '/home/me/.ssh/id_ed25519' }, 'pair1');
    const result = validateSite(toSiteFile(draft));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((problem) => problem.field)).toEqual(['fencing.mode']);
  });
});

describe('the site-draft slice of the store', () => {
  it('makes the draft from the opened site file and asks probing for the roles of the chosen servers', async () => {
    const { client, calls } = fakeClient();
    const store = labStore(client);
    await store.getState().prepareDraft();
    const state = store.getState();
    expect(state.draft?.name).toBe('lab');
    expect(state.draftSource).toBe('/state/lab/site.yaml');
    expect(state.suggestion.result?.privateLink?.a.nic).toBe('enp3s0');
    expect(calls.map((call) => call.name)).toEqual(['loadSiteFile', 'suggestSite']);
    expect(calls[1]?.args).toMatchObject({
      nodes: endpoints,
      login: { user: 'root', identityFile: '/state/lab/id_ed25519', agent: false },
      name: 'lab',
    });
    // A second visit keeps the draft (and the user's edits).
    await store.getState().prepareDraft();
    expect(calls).toHaveLength(2);
  });

  it('counts an edit that was undone as no edit', async () => {
    const { client } = fakeClient();
    const store = labStore(client);
    await store.getState().prepareDraft();
    store.getState().editDraft((draft) => ({ ...draft, name: 'other' }));
    expect(store.getState().siteSaving.dirty).toBe(true);
    store.getState().editDraft((draft) => ({ ...draft, name: 'lab' }));
    expect(store.getState().siteSaving.dirty).toBe(false);
  });

  it('hands an unchanged site to Validate as the file that was opened, without writing one', async () => {
    const { client, calls } = fakeClient();
    const store = labStore(client);
    await store.getState().prepareDraft();
    expect(await store.getState().commitDraft()).toBe(true);
    expect(calls.some((call) => call.name === 'saveSite')).toBe(false);
    expect(store.getState().sitePath).toBe('/state/lab/site.yaml');
    expect(store.getState().siteSaving).toMatchObject({ committed: true, dirty: false });
  });

  it('saves an edited site and makes Validate, Plan and Install work on the saved file', async () => {
    const { client, calls } = fakeClient();
    const store = labStore(client);
    await store.getState().prepareDraft();
    store.setState({ validation: { running: false, allowLab: true, result: { findings: [], capacity: { poolBytes: null, vcpus: null, memoryBytes: null }, connectionFailed: false, failed: false, only: [] } } });
    store.getState().editDraft((draft) => ({
      ...draft,
      network: { ...draft.network, private: { ...draft.network.private, subnet: '10.99.0.0/30' } },
    }));
    expect(store.getState().siteSaving.dirty).toBe(true);
    expect(await store.getState().commitDraft()).toBe(true);
    const saved = calls.find((call) => call.name === 'saveSite')?.args as { site: Record<string, unknown> };
    expect(saved.site).toMatchObject({
      name: 'lab',
      network: { private: { subnet: '10.99.0.0/30' } },
      packages: { source: 'bundle', bundle: '/var/cache/lockstep/bundles/bookworm' },
      fencing: { mode: 'none', acknowledgeNoFencing: true },
    });
    const state = store.getState();
    expect(state.sitePath).toBe('/state/sites/lab.yaml');
    expect(state.siteIsLab).toBe(true);
    // The old findings were about the old site: Validate runs afresh, the lab choice stays.
    expect(state.validation.result).toBeUndefined();
    expect(state.validation.allowLab).toBe(true);
    expect(state.siteSaving).toMatchObject({ committed: true, dirty: false, savedPath: '/state/sites/lab.yaml' });
  });

  it('refuses to hand over a site the format rejects, naming the field, and writes nothing', async () => {
    const { client, calls } = fakeClient();
    const store = labStore(client);
    await store.getState().prepareDraft();
    store.getState().editDraft((draft) => ({ ...draft, name: 'Lab Pair!' }));
    expect(await store.getState().commitDraft()).toBe(false);
    expect(calls.some((call) => call.name === 'saveSite')).toBe(false);
    expect(store.getState().siteSaving.error).toMatchObject({ code: 'config', field: 'name' });
    expect(store.getState().siteSaving.error?.message).toContain('Fix: e.g. `lab-pair`.');
    expect(store.getState().sitePath).toBe('/state/lab/site.yaml');
  });

  it('shows a save refused by the engine', async () => {
    const { client } = fakeClient({
      saveSite: async () => {
        throw new ApiError({ code: 'config', message: 'ssh.identityFile: expected a readable private key file', remedy: 'Fix it.' });
      },
    });
    const store = labStore(client, null);
    await store.getState().prepareDraft();
    store.getState().editDraft((draft) => ({ ...draft, fencing: { mode: 'none', acknowledgeNoFencing: true } }));
    expect(await store.getState().commitDraft()).toBe(false);
    expect(store.getState().siteSaving.error?.message).toContain('readable private key');
    expect(store.getState().sitePath).toBeUndefined();
  });

  it('starts a new pair (no site file) from the login and saves it to make the site Validate uses', async () => {
    const { client, calls } = fakeClient();
    const store = labStore(client, null);
    store.setState({ pairName: 'New pair' });
    await store.getState().prepareDraft();
    expect(calls.map((call) => call.name)).toEqual(['suggestSite']);
    expect(store.getState().draft?.name).toBe('pair1');
    expect(store.getState().pairName).toBe('pair1');
    store.getState().editDraft((draft) => ({ ...draft, fencing: { mode: 'none', acknowledgeNoFencing: true } }));
    expect(await store.getState().commitDraft()).toBe(true);
    expect(store.getState().sitePath).toBe('/state/sites/pair1.yaml');
  });

  it('sends the BMC passwords with the calls on the pair only when the site fences with IPMI', async () => {
    const { client } = fakeClient();
    const store = labStore(client);
    await store.getState().prepareDraft();
    store.getState().setBmcPassword('a', 'secret-a');
    expect(store.getState().secrets()).toBeUndefined();
    store.getState().editDraft((draft) => ({ ...draft, fencing: { mode: 'ipmi', acknowledgeNoFencing: false } }));
    expect(store.getState().secrets()).toEqual({ bmcPasswords: { a: 'secret-a' } });
  });

  it('tests a BMC from the other server with the values on Options, and forgets the answer when they change', async () => {
    const answered = { reachable: true, detail: 'fence_ipmilan on 10.211.0.11 logged in as admin (lanplus) and read the power state: on', from: '10.211.0.11' };
    const calls: unknown[] = [];
    const { client } = fakeClient({
      testBmc: (async (args: unknown) => {
        calls.push(args);
        return answered;
      }) as LockstepClient['testBmc'],
    });
    const store = labStore(client);
    await store.getState().prepareDraft();
    store.getState().editDraft((draft) => ({ ...draft, fencing: { mode: 'ipmi', acknowledgeNoFencing: false } }));
    const setBmc = (patch: object) =>
      store.getState().editDraft((draft) => ({
        ...draft,
        nodes: draft.nodes.map((node, index) => (index === 1 ? { ...node, bmc: { ...emptyBmc(1), ...node.bmc, ...patch } } : node)) as unknown as typeof draft.nodes,
      }));
    setBmc({ address: '10.211.0.1', port: 6231, user: 'admin' });
    // Without the password there is nothing to test.
    await store.getState().testBmc('b');
    expect(calls).toEqual([]);
    store.getState().setBmcPassword('b', 'pw-of-b');
    store.getState().setBmcPassword('a', 'pw-of-a');
    await store.getState().testBmc('b');
    expect(calls).toEqual([{
      nodes: endpoints,
      login: { user: 'root', identityFile: '/state/lab/id_ed25519', agent: false },
      node: 'b',
      bmc: { address: '10.211.0.1', port: 6231, user: 'admin' },
      password: 'pw-of-b',
      operationId: expect.any(String),
    }]);
    expect(store.getState().bmcTests.b).toMatchObject({ running: false, result: answered });
    // Another field, or the other node's password, leaves the answer; this BMC's values or password drop it.
    store.getState().editDraft((draft) => ({ ...draft, name: 'other' }));
    store.getState().setBmcPassword('a', 'pw-of-a2');
    expect(store.getState().bmcTests.b.result).toEqual(answered);
    setBmc({ port: 6230 });
    expect(store.getState().bmcTests.b).toEqual({ running: false });
    await store.getState().testBmc('b');
    store.getState().setBmcPassword('b', 'pw-of-b2');
    expect(store.getState().bmcTests.b).toEqual({ running: false });
  });

  it('shows a test that could not run as its error, and drops an answer that arrives after the values changed', async () => {
    let answer: (() => void) | undefined;
    const { client } = fakeClient({
      testBmc: (() =>
        new Promise((resolve) => (answer = () => resolve({ reachable: false, detail: 'late', from: '10.211.0.12' })))) as LockstepClient['testBmc'],
    });
    const store = labStore(client);
    await store.getState().prepareDraft();
    store.getState().editDraft((draft) => ({
      ...draft,
      fencing: { mode: 'ipmi', acknowledgeNoFencing: false },
      nodes: draft.nodes.map((node, index) => ({ ...node, bmc: { ...emptyBmc(index), address: '10.211.0.1', user: 'admin' } })) as unknown as typeof draft.nodes,
    }));
    store.getState().setBmcPassword('a', 'pw-of-a');
    const testing = store.getState().testBmc('a');
    expect(store.getState().bmcTests.a.running).toBe(true);
    store.getState().setBmcPassword('a', 'pw-of-a2');
    answer?.();
    await testing;
    expect(store.getState().bmcTests.a).toEqual({ running: false });

    const failing = fakeClient({
      testBmc: (async () => {
        throw new ApiError({ code: 'ssh.unreachable', message: '10.211.0.12 does not answer.', remedy: 'Start it.' });
      }) as LockstepClient['testBmc'],
    });
    const other = labStore(failing.client);
    other.setState({ draft: store.getState().draft, draftFor: store.getState().draftFor, bmcPasswords: { a: 'pw-of-a', b: '' } });
    await other.getState().testBmc('a');
    expect(other.getState().bmcTests.a).toMatchObject({ running: false, error: { code: 'ssh.unreachable' } });
  });

  it('runs Verify on the site the install used and keeps its proof', async () => {
    const { client, calls } = fakeClient();
    const store = labStore(client);
    await store.getState().runVerify();
    expect(calls.find((call) => call.name === 'verifyPair')?.args).toMatchObject({ sitePath: '/state/lab/site.yaml' });
    expect(store.getState().verify.result?.passed).toBe(true);
    expect(store.getState().verify.running).toBe(false);
  });

  it('follows the progress of its own probe only', async () => {
    let answer: (() => void) | undefined;
    const { client } = fakeClient({
      suggestSite: (() => new Promise((resolve) => (answer = () => resolve(labSuggestion())))) as LockstepClient['suggestSite'],
    });
    const store = labStore(client);
    const preparing = store.getState().prepareDraft();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const operationId = store.getState().suggestion.operationId ?? '';
    store.getState().handleEvent({ type: 'progress', operationId: 'other', at: '', call: 'suggestSite', message: 'not mine' });
    store.getState().handleEvent({ type: 'progress', operationId, at: '', call: 'suggestSite', message: 'probing the wire for the direct private cable' });
    expect(store.getState().suggestion.progress).toBe('probing the wire for the direct private cable');
    answer?.();
    await preparing;
    expect(store.getState().suggestion).toMatchObject({ running: false });
  });
});
