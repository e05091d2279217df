import { describe, expect, it } from 'vitest';
import { VmCreateRequestSchema, vmCreateRefusal, type VmCreateRequest } from '../../../provisioning/api/actions';
import { LAB_ALLOWED_CHECKS, type ApplyResultView } from '../../../provisioning/api/contract';
import { ApiError, type LockstepClient } from '../../../renderer/src/api/api';
import { initialVmCreateForm, vmCreateRequestOf, type VmCreateForm } from '../../../renderer/src/model/vm-create-form';
import { targetKey } from '../../../renderer/src/store/pair-flow';
import { createWizardStore } from '../../../renderer/src/store/wizard-store';
import { applyEvent, runStarted } from './apply-fixtures';

const NAME_RULE = "Expected lowercase letters, digits and dashes, starting with a letter (at most 47): it also names the VM's disk.";
const form = (patch: Partial<VmCreateForm>): VmCreateForm => ({ ...initialVmCreateForm, name: 'web1', ...patch });
const errorsOf = (patch: Partial<VmCreateForm>) => vmCreateRequestOf(form(patch)).errors;
/** What the contract's schema itself says about one field of an otherwise valid request. */
const schemaSays = (patch: object): string | undefined =>
  VmCreateRequestSchema.safeParse({ vm: 'web1', diskMiB: 1024, memoryMiB: 1024, vcpus: 1, ...patch }).error?.issues[0]?.message;

describe('Create VM form', () => {
  it('makes the request of `lockstep vm create` with its defaults: 1 GiB disk and memory, one vCPU, a NIC, level ha', () => {
    expect(vmCreateRequestOf(form({}))).toEqual({
      request: { vm: 'web1', level: 'ha', diskMiB: 1024, memoryMiB: 1024, vcpus: 1, network: true },
    });
    const sized = vmCreateRequestOf(form({ name: ' db-2 ', diskSize: '1.5', memory: '512', vcpus: '4', network: false, image: ' /srv/db.raw ' }));
    expect(sized.request).toEqual({ vm: 'db-2', level: 'ha', diskMiB: 1536, memoryMiB: 512, vcpus: 4, network: false, image: '/srv/db.raw' });
    expect(vmCreateRequestOf(form({ diskSize: '300', diskUnit: 'MiB' })).request?.diskMiB).toBe(300);
  });

  it('says under each field what the contract’s schema says is wrong with it', () => {
    expect(errorsOf({ name: 'Web 1' })).toEqual({ name: NAME_RULE });
    expect(errorsOf({ name: '' })?.name).toBe(schemaSays({ vm: '' }));
    expect(errorsOf({ diskSize: '8', diskUnit: 'MiB' })).toEqual({ diskSize: 'Expected a disk of at least 16 MiB.' });
    expect(errorsOf({ diskSize: 'big' })?.diskSize).toBe(schemaSays({ diskMiB: Number.NaN }));
    expect(errorsOf({ diskSize: '20.5', diskUnit: 'MiB' })?.diskSize).toBe('Expected a disk size in whole MiB.');
    expect(errorsOf({ memory: '' })?.memory).toBe(schemaSays({ memoryMiB: Number.NaN }));
    expect(errorsOf({ memory: '8' })?.memory).toBe('Expected at least 16 MiB of memory.');
    expect(errorsOf({ vcpus: '0' })?.vcpus).toBe('Expected 1 to 64 virtual CPUs.');
    expect(errorsOf({ vcpus: 'two' })?.vcpus).toBe('Expected 1 to 64 virtual CPUs.');
    // Every wrong field at once, each with its own words.
    expect(Object.keys(errorsOf({ name: 'X', memory: '1', vcpus: '65' }) ?? {}).sort()).toEqual(['memory', 'name', 'vcpus']);
  });

  it('refuses ft and none with the reason every door gives', () => {
    expect(errorsOf({ level: 'ft' })).toEqual({ level: vmCreateRefusal('ft')?.message });
    expect(errorsOf({ level: 'none' })?.level).toBe(vmCreateRefusal('none')?.message);
  });
});

const ok: ApplyResultView = { runId: 'r1', journalPath: '/j', outcome: 'ok', counts: { changed: 4, noop: 0, failed: 0 }, stoppedAt: null, failure: null };
const REFUSAL = {
  code: 'action.refused' as const,
  message: 'This pair has no mirrored storage (no DRBD module on its servers), so it cannot hold an ha VM.',
  remedy: 'Install on servers whose kernel has DRBD.',
};

/** A client whose createVm waits until the test ends it, so that events can arrive meanwhile. */
function fakeClient() {
  const calls: { request: VmCreateRequest; allowChecks?: string[]; operationId: string }[] = [];
  const cancels: string[] = [];
  let end: ((outcome: ApplyResultView | Error) => void) | undefined;
  const client = {
    createVm: (args: { request: VmCreateRequest; allowChecks?: string[]; operationId: string }) => {
      calls.push(args);
      return new Promise((resolve, reject) => {
        end = (outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome));
      });
    },
    cancel: async (args: { operationId: string }) => {
      cancels.push(args.operationId);
      end?.({ ...ok, outcome: 'cancelled', counts: { changed: 0, noop: 0, failed: 0 } });
      return { cancelled: true };
    },
  } as unknown as LockstepClient;
  return { client, calls, cancels, end: (outcome: ApplyResultView | Error) => end?.(outcome) };
}

function storeWith(client: LockstepClient, state: object = {}) {
  const store = createWizardStore(client, () => 'op-1');
  store.setState({ sitePath: '/site.yaml', ...state });
  store.getState().openCreateVm();
  return store;
}

describe('Create VM in the store', () => {
  it('shows a field’s error once it is edited, every error on Create, and calls nothing while one holds', async () => {
    const { client, calls } = fakeClient();
    const store = storeWith(client);
    expect(store.getState().createVm.shown).toEqual([]);
    store.getState().editCreateVm({ name: 'Web 1' });
    expect(store.getState().createVm.shown).toEqual(['name']);
    store.getState().editCreateVm({ diskUnit: 'MiB' });
    expect(store.getState().createVm.shown).toEqual(['name', 'diskSize']);
    store.getState().editCreateVm({ name: '', vcpus: '0' });
    await store.getState().submitCreateVm();
    expect(calls).toEqual([]);
    expect([...store.getState().createVm.shown].sort()).toEqual(['diskSize', 'image', 'level', 'memory', 'name', 'vcpus']);
    expect(store.getState().createVm.run.running).toBe(false);
  });

  it('runs createVm, folds the events of its own run into the step list, and keeps the outcome', async () => {
    const fake = fakeClient();
    const store = storeWith(fake.client);
    store.getState().editCreateVm({ name: 'web1', diskSize: '2' });
    const running = store.getState().submitCreateVm();
    expect(fake.calls).toEqual([
      { sitePath: '/site.yaml', operationId: 'op-1', allowChecks: [], request: { vm: 'web1', level: 'ha', diskMiB: 2048, memoryMiB: 1024, vcpus: 1, network: true } },
    ]);
    expect(store.getState().createVm.run.running).toBe(true);
    const { handleEvent } = store.getState();
    handleEvent({ type: 'progress', operationId: 'op-1', at: '', call: 'createVm', message: 'validating both servers' });
    expect(store.getState().createVm.run.progress).toBe('validating both servers');
    const steps = [
      { id: 'vm-definition', title: 'Definition of web1', group: 'vm', scope: 'node' as const },
      { id: 'vm-running', title: 'web1 running', group: 'vm', scope: 'pair' as const },
    ];
    handleEvent({ type: 'apply', operationId: 'op-1', at: '', event: runStarted(steps) });
    handleEvent({ type: 'apply', operationId: 'op-1', at: '', event: applyEvent({ type: 'step-started', step: 'vm-definition', target: 'a' }, 2) });
    // The install's events (another operation) never reach the create's list.
    handleEvent({ type: 'apply', operationId: 'install', at: '', event: applyEvent({ type: 'step-started', step: 'vm-running', target: 'pair' }, 3) });
    const run = store.getState().createVm.run;
    expect(run.log).toContain('… validating both servers');
    expect(run.status[targetKey('vm-definition', 'a')]?.state).toBe('running');
    expect(run.status[targetKey('vm-running', 'pair')]?.state).toBe('pending');
    // The form is frozen while it runs.
    store.getState().editCreateVm({ name: 'other' });
    expect(store.getState().createVm.form.name).toBe('web1');
    fake.end(ok);
    await running;
    expect(store.getState().createVm.run).toMatchObject({ running: false, result: ok });
    expect(store.getState().createVm.vm).toBe('web1');
  });

  it('shows the engine’s refusal with its remedy', async () => {
    const fake = fakeClient();
    const store = storeWith(fake.client);
    store.getState().editCreateVm({ name: 'web1' });
    const running = store.getState().submitCreateVm();
    fake.end(new ApiError(REFUSAL));
    await running;
    expect(store.getState().createVm.run.error).toEqual(REFUSAL);
    expect(store.getState().createVm.run.running).toBe(false);
  });

  it('goes on past the lab’s container-only checks only on the lab’s site, when asked', async () => {
    for (const [siteIsLab, expected] of [[true, [...LAB_ALLOWED_CHECKS]], [false, []]] as const) {
      const fake = fakeClient();
      const store = storeWith(fake.client, { siteIsLab });
      store.getState().editCreateVm({ name: 'web1' });
      store.getState().setCreateVmAllowLab(true);
      const running = store.getState().submitCreateVm();
      fake.end(ok);
      await running;
      expect(fake.calls[0]?.allowChecks).toEqual(expected);
    }
  });

  it('cancels through its own operation id; closing the dialog leaves the run going', async () => {
    const fake = fakeClient();
    const store = storeWith(fake.client);
    store.getState().editCreateVm({ name: 'web1' });
    const running = store.getState().submitCreateVm();
    store.getState().closeCreateVm();
    expect(store.getState().createVm).toMatchObject({ open: false, run: { running: true } });
    store.getState().openCreateVm();
    await store.getState().cancelCreateVm();
    await running;
    expect(fake.cancels).toEqual(['op-1']);
    expect(store.getState().createVm.run.result?.outcome).toBe('cancelled');
  });

  it('says no site file is open instead of calling', async () => {
    const { client, calls } = fakeClient();
    const store = storeWith(client, { sitePath: undefined });
    store.getState().editCreateVm({ name: 'web1' });
    await store.getState().submitCreateVm();
    expect(calls).toEqual([]);
    expect(store.getState().createVm.run.error?.message).toBe('No site file is open.');
  });
});
