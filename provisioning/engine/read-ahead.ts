import { setMaxListeners } from 'node:events';
import type { StepTarget } from '../api/apply-events';
import { nodeContext, pairContext, type EngineSession } from './session';
import type { Decision, Step } from './types';

/**
 * A rerun of a pair that is already installed is nothing but reads, and read one step
 * after the other they cost one round trip after another (the converged re-apply of the
 * bench was mostly that wait). Reads do not depend on each other while nothing is being
 * changed, so every step's inspection — and, where it finds nothing to do, its
 * verification — starts at once here, the transport's channel limit keeping the servers'
 * sshd within bounds. Apply uses a step's read-ahead only while no step before it has
 * changed anything in the run (so no step is judged on a state older than the changes
 * made before it) and only when it found the step done and verified; anything else — a
 * change, an error, a cancel — goes through apply's ordinary path (fresh inspection,
 * retries, the failure with its command). `stop()` cancels what is still running once
 * apply no longer needs it.
 */
export interface ReadAheadDone {
  readonly decision: Decision & { readonly kind: 'noop' };
  readonly durationMs: number;
  /** The lines the step logged while it was read, replayed in order with its events. */
  readonly log: readonly string[];
}

export interface ReadAhead {
  /** The step on that target when it was found done and verified; otherwise undefined. */
  done(step: Step, target: StepTarget): Promise<ReadAheadDone | undefined>;
  stop(): void;
}

export function startReadAhead(
  steps: readonly Step[],
  session: EngineSession,
  signal: AbortSignal,
  now: () => Date,
): ReadAhead {
  const controller = new AbortController();
  // Every command of every step listens to this one signal at once (Node warns past 10).
  setMaxListeners(Math.max(10, steps.length * 8), controller.signal);
  const stopOnCancel = (): void => controller.abort();
  signal.addEventListener('abort', stopOnCancel, { once: true });
  const results = new Map<string, Promise<ReadAheadDone | undefined>>();
  for (const step of steps)
    for (const target of targetsOf(step))
      results.set(key(step, target), readOne(step, target, session, controller.signal, now));
  return {
    done: (step, target) => results.get(key(step, target)) ?? Promise.resolve(undefined),
    stop() {
      signal.removeEventListener('abort', stopOnCancel);
      controller.abort();
    },
  };
}

export function targetsOf(step: Step): readonly StepTarget[] {
  return step.scope === 'node' ? ['a', 'b'] : ['pair'];
}

const key = (step: Step, target: StepTarget): string => `${step.id}@${target}`;

async function readOne(
  step: Step,
  target: StepTarget,
  session: EngineSession,
  signal: AbortSignal,
  now: () => Date,
): Promise<ReadAheadDone | undefined> {
  const begun = now().getTime();
  const log: string[] = [];
  const keep = (line: string): void => void log.push(line);
  try {
    const decision =
      step.scope === 'node'
        ? await inspectThenVerify(step, nodeContext(session, target === 'b' ? 'b' : 'a', signal, keep), signal)
        : await inspectThenVerify(step, pairContext(session, signal, keep), signal);
    return decision ? { decision, durationMs: now().getTime() - begun, log } : undefined;
  } catch {
    // Apply's ordinary path inspects this step again and reports what fails, with retries.
    return undefined;
  }
}

/** The step's inspection, then its verification when it found nothing to do. */
async function inspectThenVerify<Context>(
  step: { inspect(context: Context): Promise<Decision>; verify(context: Context): Promise<void> },
  context: Context,
  signal: AbortSignal,
): Promise<(Decision & { readonly kind: 'noop' }) | undefined> {
  const decision = await step.inspect(context);
  if (decision.kind !== 'noop' || signal.aborted) return undefined;
  await step.verify(context);
  return signal.aborted ? undefined : decision;
}
