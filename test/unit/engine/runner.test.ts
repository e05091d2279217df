import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApplyEvent } from '../../../provisioning/api/apply-events';
import { ApplyEventSchema } from '../../../provisioning/api/apply-events';
import { LockstepError } from '../../../provisioning/api/errors';
import { applySteps, type ApplyOptions } from '../../../provisioning/engine/apply';
import { latestRun, readJournal, unfinishedRun } from '../../../provisioning/engine/journal';
import { commandFailed } from '../../../provisioning/engine/run-command';
import type { Step } from '../../../provisioning/engine/types';
import { newServers, pairStep, session, setStep, sleep } from './fake-steps';

const fast = { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 5 };

function runWith(steps: readonly Step[], extra: Partial<ApplyOptions> = {}) {
  const events: ApplyEvent[] = [];
  const dir = extra.runsDir ?? mkdtempSync(join(tmpdir(), 'lockstep-runs-'));
  const result = applySteps({
    steps,
    session: session(),
    signal: new AbortController().signal,
    onEvent: (event) => events.push(event),
    runsDir: dir,
    retry: fast,
    ...extra,
  });
  return { result, events, dir };
}

const finished = (events: readonly ApplyEvent[]) =>
  events.flatMap((event) => (event.type === 'step-finished' ? [`${event.step}@${event.target}:${event.outcome}`] : []));

describe('applySteps', () => {
  it('applies what is needed, verifies, and a second run reports zero changes', async () => {
    const servers = newServers();
    const steps = [setStep(servers, 'one', 'x', '1'), setStep(servers, 'two', 'y', '2')];
    const first = runWith(steps);
    expect((await first.result).outcome).toBe('ok');
    expect((await first.result).counts).toEqual({ changed: 2, noop: 0, failed: 0 });
    expect(servers.a.get('x')).toBe('1');
    expect(servers.b.get('y')).toBe('2');

    const second = runWith(steps, { runsDir: first.dir });
    const result = await second.result;
    expect(result.counts).toEqual({ changed: 0, noop: 2, failed: 0 });
    expect(finished(second.events).sort()).toEqual(['one@a:noop', 'one@b:noop', 'two@a:noop', 'two@b:noop']);
    const last = second.events.at(-1);
    expect(last?.type === 'run-finished' && last.message).toBe('nothing to change: 2 steps already done');
    expect(result.previousRun).toBeNull();
  });

  it('runs a node step on both nodes at the same time', async () => {
    const servers = newServers();
    const arrived = new Set<string>();
    let release!: () => void;
    const both = new Promise<void>((resolve) => (release = resolve));
    const step = setStep(servers, 'parallel', 'p', '1', {
      async beforeWrite(context) {
        arrived.add(context.node);
        if (arrived.size === 2) release();
        // Sequential execution would wait here forever (the test would time out).
        await Promise.race([both, sleep(2000).then(() => Promise.reject(new Error('the other node never started')))]);
      },
    });
    const { result } = runWith([step]);
    expect((await result).outcome).toBe('ok');
    expect([...arrived].sort()).toEqual(['a', 'b']);
  });

  it('treats a pair step as a barrier: both nodes finish before it, it finishes before the next', async () => {
    const servers = newServers();
    const seen: string[] = [];
    const slowOnB = setStep(servers, 'before', 'k', 'v', {
      async beforeWrite(context) {
        await sleep(context.node === 'b' ? 40 : 1);
      },
    });
    const steps = [slowOnB, pairStep(servers, 'barrier', 'k', 'agreed', seen), setStep(servers, 'after', 'm', 'n')];
    const { result, events } = runWith(steps);
    expect((await result).outcome).toBe('ok');
    // The inspection the pair step acted on saw both nodes done (an earlier one is the
    // read-ahead's, made before anything changed, and was not used).
    expect(seen.at(-1)).toBe('barrier:inspect a=v b=v');
    const order = events
      .filter((event) => event.type === 'step-started' || event.type === 'step-finished')
      .map((event) => `${event.type === 'step-started' ? 'start' : 'end'} ${'step' in event ? event.step : ''}@${'target' in event ? event.target : ''}`);
    const index = (text: string) => order.indexOf(text);
    expect(index('start barrier@pair')).toBeGreaterThan(index('end before@a'));
    expect(index('start barrier@pair')).toBeGreaterThan(index('end before@b'));
    expect(index('start after@a')).toBeGreaterThan(index('end barrier@pair'));
    expect(index('start after@b')).toBeGreaterThan(index('end barrier@pair'));
  });

  it('retries a step after a dropped connection and then succeeds', async () => {
    const servers = newServers();
    let drops = 1;
    const step = setStep(servers, 'flaky', 'f', '1', {
      beforeWrite(context) {
        if (context.node === 'a' && drops-- > 0)
          throw new LockstepError({ code: 'ssh.disconnected', host: context.label, message: 'The connection dropped.', remedy: 'retry' });
      },
    });
    const { result, events } = runWith([step]);
    expect((await result).outcome).toBe('ok');
    const retry = events.find((event) => event.type === 'step-retry');
    expect(retry).toMatchObject({ type: 'step-retry', step: 'flaky', target: 'a', attempt: 1, error: { code: 'ssh.disconnected' } });
    expect(finished(events)).toContain('flaky@a:changed');
  });

  it('stops on a real failure with the command, its exit code and output, after the other node finished', async () => {
    const servers = newServers();
    const failing = setStep(servers, 'install', 'pkg', 'corosync', {
      async beforeWrite(context) {
        if (context.node === 'b') {
          await sleep(20);
          return;
        }
        throw commandFailed(
          context.label,
          'apt-get install -y corosync',
          { code: 100, stdout: 'Reading package lists...\n', stderr: 'E: Unable to locate package corosync\n', durationMs: 5 },
          'Check the package source.',
        );
      },
    });
    const next = setStep(servers, 'next', 'n', '1');
    const { result, events } = runWith([failing, next]);
    const outcome = await result;
    expect(outcome.outcome).toBe('failed');
    expect(outcome.stoppedAt).toEqual({ step: 'install', target: 'a', status: 'failed' });
    const failure = events.find((event) => event.type === 'step-finished' && event.outcome === 'failed');
    expect(failure).toMatchObject({
      failure: {
        code: 'command.failed',
        command: 'apt-get install -y corosync',
        exitCode: 100,
        stderr: 'E: Unable to locate package corosync',
        remedy: 'Check the package source.',
        host: '10.0.0.11',
      },
    });
    // No retry of a real failure; node b's half finished; the next step never started.
    expect(events.some((event) => event.type === 'step-retry')).toBe(false);
    expect(finished(events)).toContain('install@b:changed');
    expect(events.some((event) => event.type === 'step-started' && event.step === 'next')).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'run-finished', ok: false, stoppedAt: { step: 'install', target: 'a' } });
  });

  it('fails a step whose postcondition does not hold, also when it was already done', async () => {
    const servers = newServers();
    servers.a.set('x', '1');
    servers.b.set('x', '1');
    const step = setStep(servers, 'lying', 'x', '1', { verifyValue: (node, actual) => (node === 'b' ? 'broken' : actual) });
    const { result, events } = runWith([step]);
    expect((await result).outcome).toBe('failed');
    expect(finished(events)).toEqual(expect.arrayContaining(['lying@a:noop', 'lying@b:failed']));
  });

  it('cancels between steps: the current step finishes, the next does not start', async () => {
    const servers = newServers();
    const controller = new AbortController();
    const first = setStep(servers, 'first', 'x', '1', {
      beforeWrite(context) {
        if (context.node === 'a') controller.abort();
      },
    });
    // The first step ignores the signal (like a non-cancellable command), so it completes.
    const second = setStep(servers, 'second', 'y', '1');
    const { result, events, dir } = runWith([first, second], { signal: controller.signal });
    const outcome = await result;
    expect(outcome.outcome).toBe('cancelled');
    expect(events.at(-1)).toMatchObject({ type: 'run-cancelled', stoppedAt: null, nextStep: 'second' });
    expect(events.some((event) => event.type === 'step-started' && event.step === 'second')).toBe(false);
    expect(servers.a.get('y')).toBeUndefined();
    expect(unfinishedRun(dir)).toMatchObject({ ending: 'cancelled', unfinished: [] });
  });

  it('cancels inside a long command: the step is marked interrupted and the next run finishes it', async () => {
    const servers = newServers();
    const controller = new AbortController();
    const slow = setStep(servers, 'slow', 's', 'done', {
      beforeWrite: (context) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, 5000);
          context.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(new LockstepError({ code: 'cancelled', message: 'cancelled', remedy: 'run again' }));
          });
          if (context.node === 'b') setTimeout(() => controller.abort(), 10);
        }),
    });
    const first = runWith([slow], { signal: controller.signal });
    const outcome = await first.result;
    expect(outcome.outcome).toBe('cancelled');
    expect(outcome.stoppedAt).toMatchObject({ step: 'slow', status: 'interrupted' });
    expect(finished(first.events)).toEqual(expect.arrayContaining(['slow@a:interrupted', 'slow@b:interrupted']));
    expect(servers.a.get('s')).toBeUndefined();

    const fixed = setStep(servers, 'slow', 's', 'done');
    const second = runWith([fixed], { runsDir: first.dir });
    const rerun = await second.result;
    expect(rerun.outcome).toBe('ok');
    expect(rerun.previousRun).toMatchObject({
      ending: 'cancelled',
      unfinished: [
        { step: 'slow', target: 'a', status: 'interrupted' },
        { step: 'slow', target: 'b', status: 'interrupted' },
      ],
    });
    expect(second.events[0]).toMatchObject({ type: 'run-started', previousRun: { ending: 'cancelled' } });
    expect(servers.b.get('s')).toBe('done');
  });

  it('reads the steps of a converged pair at once, and still gives their events in step order', async () => {
    const servers = newServers();
    for (const node of [servers.a, servers.b]) ['x', 'y', 'z'].forEach((key) => node.set(key, '1'));
    let reading = 0;
    let most = 0;
    const slowRead = {
      async onInspect() {
        reading += 1;
        most = Math.max(most, reading);
        await sleep(30);
        reading -= 1;
      },
    };
    const steps = ['x', 'y', 'z'].map((key) => setStep(servers, `set-${key}`, key, '1', slowRead));
    const { result, events } = runWith(steps);
    expect((await result).counts).toEqual({ changed: 0, noop: 3, failed: 0 });
    expect(most).toBe(6);
    const order = events.flatMap((event) => (event.type === 'step-started' ? [event.step] : []));
    expect(order).toEqual(['set-x', 'set-x', 'set-y', 'set-y', 'set-z', 'set-z']);
    const durations = events.flatMap((event) => (event.type === 'step-finished' ? [event.durationMs] : []));
    expect(Math.min(...durations)).toBeGreaterThanOrEqual(25);
  });

  it('reads many steps at once without Node warning about the listeners on their shared signal', async () => {
    const servers = newServers();
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      // Each read listens to the signal, as a command on the transport does.
      const listening = { onInspect: (context: { signal: AbortSignal }) => context.signal.addEventListener('abort', () => undefined) };
      const steps = Array.from({ length: 14 }, (_, index) => setStep(servers, `step-${index}`, `k${index}`, 'v', listening));
      for (const node of [servers.a, servers.b]) steps.forEach((_, index) => node.set(`k${index}`, 'v'));
      expect((await runWith(steps).result).counts.noop).toBe(14);
      await sleep(10);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('inspects the steps after a change afresh instead of trusting what was read before it', async () => {
    const servers = newServers();
    servers.a.set('x', '1');
    servers.b.set('x', '1');
    // "to-two" changes x; "back-to-one" was done when read ahead, and is not any more.
    const steps = [setStep(servers, 'to-two', 'x', '2'), setStep(servers, 'back-to-one', 'x', '1')];
    const { result, events } = runWith(steps);
    expect((await result).counts).toEqual({ changed: 2, noop: 0, failed: 0 });
    expect(finished(events)).toEqual(expect.arrayContaining(['back-to-one@a:changed', 'back-to-one@b:changed']));
    expect(servers.a.get('x')).toBe('1');
  });

  it('writes every event, redacted, to the journal and points `current` at it', async () => {
    const servers = newServers();
    const step = setStep(servers, 'secretive', 'x', '1', {
      beforeWrite(context) {
        context.log('chpasswd said: hunter2-password is weak');
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-runs-'));
    const events: ApplyEvent[] = [];
    const outcome = await applySteps({
      steps: [step],
      session: session(['hunter2-password']),
      signal: new AbortController().signal,
      onEvent: (event) => events.push(event),
      runsDir: dir,
      retry: fast,
    });
    expect(latestRun(dir)?.runId).toBe(outcome.runId);
    expect(outcome.journalPath).toBe(join(dir, `${outcome.runId}.jsonl`));
    const text = readFileSync(outcome.journalPath, 'utf8');
    expect(text).not.toContain('hunter2-password');
    expect(text).toContain('chpasswd said: [redacted] is weak');
    const journal = readJournal(outcome.journalPath);
    expect(journal).toEqual(events);
    expect(journal.map((event) => event.seq)).toEqual(journal.map((_, index) => index + 1));
    for (const line of text.trim().split('\n')) expect(ApplyEventSchema.safeParse(JSON.parse(line)).success).toBe(true);
    expect(journal.map((event) => event.type)).toEqual([
      'run-started',
      ...['step-started', 'step-started'],
      ...Array(8).fill(expect.stringMatching(/^step-(decided|log|finished)$/)),
      'run-finished',
    ]);
  });

  it('reads a journal cut off by a kill as an interrupted run with the step that was running', async () => {
    const servers = newServers();
    const { result, dir } = runWith([setStep(servers, 'one', 'x', '1'), setStep(servers, 'two', 'y', '1')]);
    const outcome = await result;
    // Simulate SIGKILL during "two": drop everything after its start.
    const lines = readFileSync(outcome.journalPath, 'utf8').trim().split('\n');
    const cut = lines.findIndex((line) => line.includes('"step-started"') && line.includes('"two"'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(outcome.journalPath, `${lines.slice(0, cut + 1).join('\n')}\n{"type":"step-lo`);
    expect(unfinishedRun(dir)).toEqual({
      runId: outcome.runId,
      ending: 'interrupted',
      unfinished: [{ step: 'two', target: 'a', status: 'interrupted' }],
    });
  });
});
