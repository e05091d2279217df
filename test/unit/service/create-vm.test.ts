import { describe, expect, it } from 'vitest';
import type { VmCreateRequest } from '../../../provisioning/api/actions';
import type { ApplyEvent } from '../../../provisioning/api/apply-events';
import { LockstepError } from '../../../provisioning/api/errors';
import type { LockstepEvent } from '../../../provisioning/api/events';
import type { ApplyResult } from '../../../provisioning/engine/apply';
import { dispatch } from '../../../provisioning/service/dispatch';
import { realLibraries, type EngineLibraries } from '../../../provisioning/service/libraries';
import { createLockstepService } from '../../../provisioning/service/service';

const started: ApplyEvent = {
  type: 'run-started',
  runId: 'r1',
  at: '2026-01-01T00:00:00Z',
  seq: 1,
  pair: 'lab',
  nodes: { a: '10.0.0.11', b: '10.0.0.12' },
  steps: [{ id: 'vm-running', title: 'web1 running', group: 'vm', scope: 'pair' }],
  notApplicable: [],
  journal: '/runs/lab/vms/web1/r1.jsonl',
  previousRun: null,
};

/** A service whose engine is one fake createVm: it reports an event, then waits for its signal or ends. */
function serviceWith(createVm: EngineLibraries['createVm']) {
  const service = createLockstepService({ door: 'web', version: 'test', knownHostsPath: '/dev/null', libraries: { ...realLibraries, createVm } });
  const events: LockstepEvent[] = [];
  service.events.subscribe((event) => events.push(event));
  return { service, events };
}

const args = { sitePath: '/site.yaml', operationId: 'create-1', request: { vm: 'web1', diskMiB: 1024, memoryMiB: 512, vcpus: 1 } };

describe('createVm through a door', () => {
  it('runs the engine with the parsed request, streams its events under the operation id, returns the run’s outcome', async () => {
    const seen: { request: VmCreateRequest; allowChecks: readonly string[] }[] = [];
    const { service, events } = serviceWith(async (_sitePath, request, options) => {
      seen.push({ request, allowChecks: options.allowChecks });
      options.progress?.('validating both servers');
      options.onEvent(started);
      return { runId: 'r1', journalPath: started.journal, outcome: 'ok', counts: { changed: 4, noop: 0, failed: 0 }, stoppedAt: null, failure: null, previousRun: null } satisfies ApplyResult;
    });
    const outcome = await dispatch(service.api, 'createVm', { ...args, allowChecks: ['kmod.drbd-unavailable'] });
    expect(outcome.envelope).toEqual({
      ok: true,
      result: { runId: 'r1', journalPath: started.journal, outcome: 'ok', counts: { changed: 4, noop: 0, failed: 0 }, stoppedAt: null, failure: null },
    });
    expect(seen).toEqual([{ request: { ...args.request, level: 'ha', network: true }, allowChecks: ['kmod.drbd-unavailable'] }]);
    expect(events.map((event) => `${event.type} ${'operationId' in event ? event.operationId : ''}`)).toEqual([
      'progress create-1',
      'apply create-1',
      'operationFinished create-1',
    ]);
  });

  it('refuses a bad request with the schema’s words before the engine sees it', async () => {
    const { service } = serviceWith(async () => {
      throw new Error('the engine must not be called');
    });
    const outcome = await dispatch(service.api, 'createVm', { ...args, request: { ...args.request, vm: 'Web 1' } });
    expect(outcome.kind).toBe('bad-arguments');
    expect(outcome.envelope).toMatchObject({ ok: false, error: { field: 'request.vm', message: expect.stringContaining('Expected lowercase letters') } });
  });

  it('is cancelled with `cancel` under the same operation id', async () => {
    const { service } = serviceWith(
      (_sitePath, _request, options) =>
        new Promise((_resolve, reject) => options.signal.addEventListener('abort', () => reject(new LockstepError({ code: 'cancelled', message: 'Cancelled.', remedy: 'Run it again.' })))),
    );
    const running = dispatch(service.api, 'createVm', args);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await service.api.cancel({ operationId: 'create-1' })).toEqual({ cancelled: true });
    expect((await running).envelope).toMatchObject({ ok: false, error: { code: 'cancelled' } });
  });

  it('refuses ft and none before connecting, with the reason every door gives', async () => {
    const { service } = serviceWith(realLibraries.createVm);
    const outcome = await dispatch(service.api, 'createVm', { ...args, sitePath: '/nonexistent/site.yaml', request: { ...args.request, level: 'ft' } });
    expect(outcome.envelope).toMatchObject({ ok: false, error: { code: 'action.refused', field: 'level', message: expect.stringContaining('Level ft') } });
  });
});
