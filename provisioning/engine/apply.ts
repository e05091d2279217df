import type {
  ApplyEvent,
  ApplyEventInput,
  DecisionInfo,
  PreviousRun,
  StepFailure,
  StepInfo,
  StepOutcome,
  StepTarget,
  StopPoint,
} from '../api/apply-events';
import { toErrorInfo } from '../api/errors';
import { Journal, newRunId, runsDir as defaultRunsDir, unfinishedRun } from './journal';
import { toInfo } from './plan';
import { redactor } from './redact';
import { startReadAhead, targetsOf, type ReadAheadDone } from './read-ahead';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry';
import { nodeContext, pairContext, type EngineSession } from './session';
import type { Decision, Step } from './types';

/**
 * Apply (PRODUCT.md step 10): the steps in order; a node step runs on both nodes at
 * once, a pair step is a barrier (it starts when both nodes finished the step before,
 * and the next starts when it finished). On each target a step is inspected afresh —
 * the servers changed since the plan, not least through the steps before it — then
 * applied when it has changes, then verified. Already-done steps are verified too:
 * verification is a read, and it catches a step whose inspection missed a half-done
 * state ("each step checks its own result").
 *
 * Every event is redacted, appended to the run's journal, then given to `onEvent`.
 * A rerun needs no replay: inspection re-reads the servers, so finished steps come out
 * as noop and the run converges. The leading steps that are already done are read all
 * at once (read-ahead.ts), their events still given in step order. Cancel (the signal) is honoured between steps and
 * inside commands (steps pass the signal to `run`); the step it cut is recorded as
 * `interrupted`. When one node fails, the other node's half of the same step is let
 * finish (never abandoned mid-command), then the run stops.
 */
export interface ApplyOptions {
  readonly steps: readonly Step[];
  readonly session: EngineSession;
  readonly signal: AbortSignal;
  readonly onEvent?: (event: ApplyEvent) => void;
  /** Where this pair's journals go; default `<stateDir>/runs/<pair>`. */
  readonly runsDir?: string;
  readonly retry?: RetryPolicy;
  readonly now?: () => Date;
}

export interface ApplyResult {
  readonly runId: string;
  readonly journalPath: string;
  readonly outcome: 'ok' | 'failed' | 'cancelled';
  /** Per step (a step counts as changed when it changed on either node). */
  readonly counts: { readonly changed: number; readonly noop: number; readonly failed: number };
  readonly stoppedAt: StopPoint | null;
  /** The first failure, when the outcome is `failed`. */
  readonly failure: StepFailure | null;
  readonly previousRun: PreviousRun | null;
}

interface TargetResult {
  readonly target: StepTarget;
  readonly outcome: StepOutcome;
  readonly failure?: StepFailure;
}

export async function applySteps(options: ApplyOptions): Promise<ApplyResult> {
  const { session, signal } = options;
  const now = options.now ?? (() => new Date());
  const started = now().getTime();
  const dir = options.runsDir ?? defaultRunsDir(session.site.name);
  const previousRun = unfinishedRun(dir);
  const runId = newRunId(now());
  const journal = Journal.open(dir, runId);
  const redact = redactor(session.secrets);
  const policy = options.retry ?? DEFAULT_RETRY;
  let seq = 0;
  const emit = (input: ApplyEventInput): void => {
    seq += 1;
    const event = redact({ ...input, runId, at: now().toISOString(), seq } as ApplyEvent);
    journal.write(event);
    options.onEvent?.(event);
  };
  const elapsed = (): number => now().getTime() - started;
  const applicable = options.steps.filter((step) => step.applicable(session.site, session.pair));
  const counts = { changed: 0, noop: 0, failed: 0 };
  const finish = (result: Omit<ApplyResult, 'runId' | 'journalPath' | 'counts' | 'previousRun'>): ApplyResult => {
    journal.close();
    return { ...result, runId, journalPath: journal.path, counts, previousRun };
  };

  const readAhead = startReadAhead(applicable, session, signal, now);
  let readingAhead = true;
  try {
    emit({
      type: 'run-started',
      pair: session.site.name,
      nodes: { a: session.nodes[0].label, b: session.nodes[1].label },
      steps: applicable.map(stepInfo),
      notApplicable: options.steps.filter((step) => !applicable.includes(step)).map((step) => step.id),
      journal: journal.path,
      previousRun,
    });

    for (const [index, step] of applicable.entries()) {
      if (signal.aborted) {
        emit({ type: 'run-cancelled', durationMs: elapsed(), stoppedAt: null, nextStep: step.id, message: cancelledMessage(null, step.id) });
        return finish({ outcome: 'cancelled', stoppedAt: null, failure: null });
      }
      const targets = targetsOf(step);
      const ahead = readingAhead ? await Promise.all(targets.map((target) => readAhead.done(step, target))) : [];
      const allDone = ahead.length > 0 && ahead.every((done) => done !== undefined);
      if (!allDone && readingAhead) {
        readingAhead = false;
        readAhead.stop();
      }
      const results = allDone
        ? targets.map((target, at) => replayDone(step, target, ahead[at]!))
        : await Promise.all(targets.map((target) => runOnTarget(step, target)));
      const interrupted = results.find((result) => result.outcome === 'interrupted');
      const failed = results.find((result) => result.outcome === 'failed');
      if (failed || interrupted) counts.failed += 1;
      else if (results.some((result) => result.outcome === 'changed')) counts.changed += 1;
      else counts.noop += 1;

      if (signal.aborted) {
        const stoppedAt = interrupted ? { step: step.id, target: interrupted.target, status: 'interrupted' as const } : null;
        const nextStep = stoppedAt ? null : (applicable[index + 1]?.id ?? null);
        emit({ type: 'run-cancelled', durationMs: elapsed(), stoppedAt, nextStep, message: cancelledMessage(stoppedAt, nextStep) });
        return finish({ outcome: 'cancelled', stoppedAt, failure: null });
      }
      if (failed) {
        const stoppedAt = { step: step.id, target: failed.target, status: 'failed' as const };
        const where = failed.target === 'pair' ? 'the pair' : session.nodes[failed.target === 'a' ? 0 : 1].label;
        emit({
          type: 'run-finished',
          ok: false,
          durationMs: elapsed(),
          counts,
          stoppedAt,
          message: `stopped at "${step.title}" (${step.id}) on ${where}: ${failed.failure?.message ?? 'failed'}`,
        });
        return finish({ outcome: 'failed', stoppedAt, failure: failed.failure ?? null });
      }
    }

    emit({
      type: 'run-finished',
      ok: true,
      durationMs: elapsed(),
      counts,
      stoppedAt: null,
      message:
        counts.changed === 0
          ? `nothing to change: ${counts.noop} steps already done`
          : `${counts.changed} steps changed, ${counts.noop} already done`,
    });
    return finish({ outcome: 'ok', stoppedAt: null, failure: null });
  } finally {
    readAhead.stop();
    journal.close();
  }

  /** A step found done and verified by the read-ahead: its events, as if it had just run. */
  function replayDone(step: Step, target: StepTarget, done: ReadAheadDone): TargetResult {
    const at = { step: step.id, target };
    emit({ type: 'step-started', ...at });
    emit({ type: 'step-decided', ...at, decision: toInfo(done.decision) });
    for (const line of done.log) emit({ type: 'step-log', ...at, line });
    emit({ type: 'step-finished', ...at, outcome: 'noop', durationMs: done.durationMs, reason: done.decision.reason });
    return { target, outcome: 'noop' };
  }

  async function runOnTarget(step: Step, target: StepTarget): Promise<TargetResult> {
    const begun = now().getTime();
    const at = { step: step.id, target };
    emit({ type: 'step-started', ...at });
    const log = (line: string): void => emit({ type: 'step-log', ...at, line });
    let decided: DecisionInfo | undefined;
    try {
      const decision = await withRetry(
        async (): Promise<Decision> => {
          if (step.scope === 'node') {
            const context = nodeContext(session, target === 'b' ? 'b' : 'a', signal, log);
            const found = await step.inspect(context);
            decided = toInfo(found);
            emit({ type: 'step-decided', ...at, decision: decided });
            if (found.kind === 'change') await step.apply(context, found);
            await step.verify(context);
            return found;
          }
          const context = pairContext(session, signal, log);
          const found = await step.inspect(context);
          decided = toInfo(found);
          emit({ type: 'step-decided', ...at, decision: decided });
          if (found.kind === 'change') await step.apply(context, found);
          await step.verify(context);
          return found;
        },
        {
          policy,
          signal,
          onRetry: (notice) =>
            emit({
              type: 'step-retry',
              ...at,
              attempt: notice.attempt,
              retriesLeft: notice.retriesLeft,
              delayMs: notice.delayMs,
              error: failureOf(notice.error),
            }),
        },
      );
      const durationMs = now().getTime() - begun;
      if (decision.kind === 'noop') {
        emit({ type: 'step-finished', ...at, outcome: 'noop', durationMs, reason: decision.reason });
        return { target, outcome: 'noop' };
      }
      emit({
        type: 'step-finished',
        ...at,
        outcome: 'changed',
        durationMs,
        changes: decision.changes.map((change) => change.summary),
      });
      return { target, outcome: 'changed' };
    } catch (error) {
      const durationMs = now().getTime() - begun;
      const outcome: StepOutcome = signal.aborted ? 'interrupted' : 'failed';
      const failure = signal.aborted
        ? {
            code: 'cancelled' as const,
            message: `Cancelled ${decided?.kind === 'change' ? 'while applying' : 'while inspecting'}; the next run re-inspects this step and finishes it.`,
            remedy: 'Run apply again to continue.',
          }
        : failureOf(error);
      emit({ type: 'step-finished', ...at, outcome, durationMs, failure });
      return { target, outcome, failure };
    }
  }
}

function stepInfo(step: Step): StepInfo {
  return { id: step.id, title: step.title, group: step.group, scope: step.scope };
}

function cancelledMessage(stoppedAt: StopPoint | null, nextStep: string | null): string {
  if (stoppedAt) return `cancelled during ${stoppedAt.step} (marked interrupted); run apply again to finish it`;
  return nextStep ? `cancelled before ${nextStep}; run apply again to continue` : 'cancelled after the last step';
}

/** A thrown error as the failure an event carries: message, fix, and the command with its output. */
export function failureOf(error: unknown): StepFailure {
  const info = toErrorInfo(error);
  const details = info.details ?? {};
  const text = (key: string): string | undefined => (typeof details[key] === 'string' ? (details[key] as string) : undefined);
  const exitCode = details.exitCode ?? details.code;
  const stdout = text('stdout') ?? text('output');
  const stderr = text('stderr');
  return {
    code: info.code,
    message: info.message,
    remedy: info.remedy,
    ...(info.host !== undefined && { host: info.host }),
    ...(text('command') !== undefined && { command: text('command') }),
    ...((typeof exitCode === 'number' || exitCode === null) && { exitCode }),
    ...(stdout !== undefined && { stdout }),
    ...(stderr !== undefined && { stderr }),
  };
}
