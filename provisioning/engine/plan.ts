import type { DecisionInfo, Plan, PlannedStep, PreviousRun, StepTarget } from '../api/apply-events';
import { LockstepError, toErrorInfo } from '../api/errors';
import type { ResolvedSite } from '../api/site';
import { hashOf } from './hash';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry';
import { nodeContext, pairContext, type EngineSession } from './session';
import type { Decision, PairFacts, Step } from './types';

/**
 * Plan before change (PRODUCT.md step 9): every step inspects the servers as they are
 * now — node steps on both nodes at once, pair steps once — and says "will change"
 * (with its changes and commands) or "already done" (with the reason). Nothing is
 * changed. The plan carries fingerprints so that a saved plan can later be checked
 * against the servers (`assertPlanMatches`).
 */
export interface PlanOptions {
  readonly signal: AbortSignal;
  readonly retry?: RetryPolicy;
  /** The last run, when it did not finish cleanly (journal); shown with the plan. */
  readonly previousRun?: PreviousRun | null;
  readonly now?: () => Date;
}

export async function makePlan(steps: readonly Step[], session: EngineSession, options: PlanOptions): Promise<Plan> {
  const planned: PlannedStep[] = [];
  for (const step of steps) {
    options.signal.throwIfAborted();
    const info = { id: step.id, title: step.title, group: step.group, scope: step.scope };
    if (!step.applicable(session.site, session.pair)) {
      planned.push({ ...info, applicable: false, decisions: {} });
      continue;
    }
    if (step.scope === 'node') {
      const [a, b] = await Promise.all(
        (['a', 'b'] as const).map((key) =>
          inspectOn(step, key, () => step.inspect(nodeContext(session, key, options.signal, () => undefined)), session, options),
        ),
      );
      planned.push({ ...info, applicable: true, decisions: { a: toInfo(a!), b: toInfo(b!) } });
    } else {
      const decision = await inspectOn(
        step,
        'pair',
        () => step.inspect(pairContext(session, options.signal, () => undefined)),
        session,
        options,
      );
      planned.push({ ...info, applicable: true, decisions: { pair: toInfo(decision) } });
    }
  }
  return {
    schemaVersion: 1,
    pair: session.site.name,
    createdAt: (options.now ?? (() => new Date()))().toISOString(),
    siteHash: siteHash(session.site),
    pairFactsHash: pairFactsHash(session.pair),
    fingerprints: {
      a: targetFingerprint(planned, 'a'),
      b: targetFingerprint(planned, 'b'),
      pair: targetFingerprint(planned, 'pair'),
    },
    nodes: {
      a: { label: session.nodes[0].label, hostname: session.pair.hostnames.a },
      b: { label: session.nodes[1].label, hostname: session.pair.hostnames.b },
    },
    steps: planned,
    previousRun: options.previousRun ?? null,
  };
}

async function inspectOn(
  step: Step,
  target: StepTarget,
  inspect: () => Promise<Decision>,
  session: EngineSession,
  options: PlanOptions,
): Promise<Decision> {
  try {
    return await withRetry(inspect, { policy: options.retry ?? DEFAULT_RETRY, signal: options.signal });
  } catch (error) {
    if (options.signal.aborted) throw error;
    const info = toErrorInfo(error);
    const where = target === 'pair' ? 'the pair' : session.nodes[target === 'a' ? 0 : 1].label;
    throw new LockstepError(
      { ...info, message: `Inspecting "${step.title}" (${step.id}) on ${where} failed: ${info.message}` },
      { cause: error },
    );
  }
}

/** A Decision as plain data (what plans, events and journals carry). */
export function toInfo(decision: Decision): DecisionInfo {
  return decision.kind === 'noop'
    ? { kind: 'noop', reason: decision.reason }
    : {
        kind: 'change',
        changes: decision.changes.map((change) => ({ summary: change.summary, commands: [...change.commands] })),
      };
}

/**
 * What "the same decision" means: the same kind and, for changes, the same summaries
 * and commands. A noop's reason is left out: "corosync 3.1.7 installed" and "3.1.8
 * installed" are both "already done".
 */
function comparable(decision: DecisionInfo | undefined): unknown {
  if (!decision) return null;
  return decision.kind === 'noop' ? { kind: 'noop' } : decision;
}

function targetFingerprint(steps: readonly PlannedStep[], target: StepTarget): string {
  return hashOf(steps.filter((step) => step.applicable).map((step) => [step.id, comparable(step.decisions[target])]));
}

/** sha256 of the resolved site: which site file (and which values) a plan was made for. */
export function siteHash(site: ResolvedSite): string {
  return hashOf(site);
}

export function pairFactsHash(pair: PairFacts): string {
  return hashOf(pair);
}

/** One way a saved plan differs from the servers now. */
export interface PlanDifference {
  readonly step: string | null;
  readonly target: StepTarget | null;
  readonly text: string;
}

const describeDecision = (decision: DecisionInfo | undefined): string =>
  !decision ? 'not applicable' : decision.kind === 'noop' ? 'already done' : `will change (${decision.changes.map((change) => change.summary).join('; ')})`;

/** Every difference between a saved plan and a fresh one; empty when the saved plan still holds. */
export function comparePlans(saved: Plan, fresh: Plan): PlanDifference[] {
  const differences: PlanDifference[] = [];
  if (saved.pair !== fresh.pair)
    differences.push({ step: null, target: null, text: `the plan is for pair "${saved.pair}", the site file is for "${fresh.pair}"` });
  if (saved.siteHash !== fresh.siteHash)
    differences.push({ step: null, target: null, text: 'the site file changed since the plan was made' });
  if (saved.pairFactsHash !== fresh.pairFactsHash)
    differences.push({
      step: null,
      target: null,
      text: 'the servers changed since the plan was made: the roles, addresses or disks decided from them are different',
    });
  const freshById = new Map(fresh.steps.map((step) => [step.id, step]));
  for (const old of saved.steps) {
    const now = freshById.get(old.id);
    if (!now) {
      differences.push({ step: old.id, target: null, text: `${old.id}: in the plan, but this version of Lockstep has no such step` });
      continue;
    }
    for (const target of ['a', 'b', 'pair'] as const) {
      const before = old.decisions[target];
      const after = now.decisions[target];
      if (hashOf(comparable(before)) === hashOf(comparable(after))) continue;
      const where = target === 'pair' ? 'the pair' : `${fresh.nodes[target].label}`;
      differences.push({
        step: old.id,
        target,
        text: `${old.id} on ${where}: planned "${describeDecision(before)}", now "${describeDecision(after)}"`,
      });
    }
  }
  const savedIds = new Set(saved.steps.map((step) => step.id));
  for (const step of fresh.steps)
    if (!savedIds.has(step.id))
      differences.push({ step: step.id, target: null, text: `${step.id}: a step the plan does not know (made by another Lockstep version)` });
  return differences;
}

/** Refuses a saved plan that no longer matches the servers (exit 1), naming what differs. */
export function assertPlanMatches(saved: Plan, fresh: Plan, planPath: string): void {
  const differences = comparePlans(saved, fresh);
  if (differences.length === 0) return;
  const steps = [...new Set(differences.flatMap((difference) => (difference.step ? [difference.step] : [])))];
  throw new LockstepError({
    code: 'plan.stale',
    message: `The plan ${planPath} (made ${saved.createdAt}) no longer matches the servers${steps.length > 0 ? `; steps that differ: ${steps.join(', ')}` : ''}:\n${differences.map((difference) => `  - ${difference.text}`).join('\n')}`,
    remedy: `Make a new plan and review it: \`lockstep plan -c site.yaml --out ${planPath}\`, or run \`lockstep apply -c site.yaml\` without --plan.`,
    details: { differences, steps },
  });
}

/** Counts of a plan, for its summary line. */
export function planCounts(plan: Plan): { steps: number; change: number; noop: number; notApplicable: number } {
  const applicable = plan.steps.filter((step) => step.applicable);
  const change = applicable.filter((step) => Object.values(step.decisions).some((decision) => decision?.kind === 'change')).length;
  return {
    steps: applicable.length,
    change,
    noop: applicable.length - change,
    notApplicable: plan.steps.length - applicable.length,
  };
}
