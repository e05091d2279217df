import { z } from 'zod';
import type { ErrorCode } from './errors';

/**
 * The plan and the events of `plan` / `apply` (PRODUCT.md steps 9–10). The engine
 * emits these events, the CLI prints them (TTY progress or NDJSON with `--json`), the
 * journal stores them one per line, and the app forwards them to the wizard: one
 * schema for all four, so a consumer switches on `type` and cannot drift.
 */

/** Where a step runs: node `a`, node `b`, or once for the pair (a barrier). */
export const StepTargetSchema = z.enum(['a', 'b', 'pair']);
export type StepTarget = z.infer<typeof StepTargetSchema>;

export const StepScopeSchema = z.enum(['node', 'pair']);

/** One concrete change a step will make (mirrors `Change` in provisioning/engine/types.ts). */
export const ChangeSchema = z.object({
  summary: z.string(),
  commands: z.array(z.string()),
});

/** A step's finding: nothing to do and why, or the changes (mirrors `Decision`). */
export const DecisionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('noop'), reason: z.string() }),
  z.object({ kind: z.literal('change'), changes: z.array(ChangeSchema) }),
]);
export type DecisionInfo = z.infer<typeof DecisionSchema>;

/** A step as lists show it. */
export const StepInfoSchema = z.object({
  id: z.string(),
  title: z.string(),
  group: z.string(),
  scope: StepScopeSchema,
});
export type StepInfo = z.infer<typeof StepInfoSchema>;

/** How a step ended on one target. `interrupted`: cancelled (or killed) in the middle of applying. */
export const StepOutcomeSchema = z.enum(['changed', 'noop', 'failed', 'interrupted']);
export type StepOutcome = z.infer<typeof StepOutcomeSchema>;

/**
 * Why a step failed, with what a person needs to act: the command that failed, its
 * exit code and the tail of its output (redacted), and the fix.
 */
export const StepFailureSchema = z.object({
  code: z.string() as z.ZodType<ErrorCode>,
  message: z.string(),
  remedy: z.string(),
  host: z.string().optional(),
  command: z.string().optional(),
  exitCode: z.number().int().nullable().optional(),
  stdout: z.string().optional(),
  stderr: z.string().optional(),
});
export type StepFailure = z.infer<typeof StepFailureSchema>;

/** Where a run stopped: the step and target that did not finish, and how. */
export const StopPointSchema = z.object({
  step: z.string(),
  target: StepTargetSchema,
  status: z.enum(['failed', 'interrupted']),
});
export type StopPoint = z.infer<typeof StopPointSchema>;

/** The last run of this pair, as its journal tells it. */
export const PreviousRunSchema = z.object({
  runId: z.string(),
  /** `interrupted`: the journal ends without run-finished/run-cancelled (the process was killed). */
  ending: z.enum(['finished', 'failed', 'cancelled', 'interrupted']),
  /** Steps that started but did not finish, or failed. */
  unfinished: z.array(StopPointSchema),
});
export type PreviousRun = z.infer<typeof PreviousRunSchema>;

// ---------------------------------------------------------------------------
// The plan

export const PlannedStepSchema = StepInfoSchema.extend({
  /** False when the site does not need the step (shown as "not applicable"). */
  applicable: z.boolean(),
  /** Per target: node steps have `a` and `b`, pair steps `pair`; none when not applicable. */
  decisions: z.object({
    a: DecisionSchema.optional(),
    b: DecisionSchema.optional(),
    pair: DecisionSchema.optional(),
  }),
});
export type PlannedStep = z.infer<typeof PlannedStepSchema>;

/**
 * A plan: every step with its decisions, and the fingerprints that tell whether it
 * still matches the servers. `plan --out` writes it; `apply --plan` re-inspects and
 * refuses when it no longer matches.
 */
export const PlanSchema = z.object({
  schemaVersion: z.literal(1),
  pair: z.string(),
  createdAt: z.string(),
  /** sha256 of the resolved site: a plan made from another site file is refused. */
  siteHash: z.string(),
  /** sha256 of the pair facts (roles, addresses, disks) the decisions were made from. */
  pairFactsHash: z.string(),
  /** sha256 per target of the decisions made there: what "still matches" compares. */
  fingerprints: z.object({ a: z.string(), b: z.string(), pair: z.string() }),
  nodes: z.object({
    a: z.object({ label: z.string(), hostname: z.string() }),
    b: z.object({ label: z.string(), hostname: z.string() }),
  }),
  steps: z.array(PlannedStepSchema),
  previousRun: PreviousRunSchema.nullable(),
});
export type Plan = z.infer<typeof PlanSchema>;

// ---------------------------------------------------------------------------
// Events

const base = {
  runId: z.string(),
  /** ISO time on the admin's computer. */
  at: z.string(),
  /** Position in the run, from 1: the journal's order. */
  seq: z.number().int(),
};
const onStep = { ...base, step: z.string(), target: StepTargetSchema };

export const ApplyEventSchema = z.discriminatedUnion('type', [
  /** The run began: the steps it will walk through, in order. */
  z.object({
    type: z.literal('run-started'),
    ...base,
    pair: z.string(),
    nodes: z.object({ a: z.string(), b: z.string() }),
    steps: z.array(StepInfoSchema),
    notApplicable: z.array(z.string()),
    /** The journal file of this run. */
    journal: z.string(),
    /** The run before this one, when it did not finish cleanly: this run resumes it. */
    previousRun: PreviousRunSchema.nullable(),
  }),
  /** A step began on one target (it inspects first). */
  z.object({ type: z.literal('step-started'), ...onStep }),
  /** What inspection found on that target, right before applying. */
  z.object({ type: z.literal('step-decided'), ...onStep, decision: DecisionSchema }),
  /** A line for the live log tail (redacted). */
  z.object({ type: z.literal('step-log'), ...onStep, line: z.string() }),
  /** A transient failure (the connection dropped): the step runs again after `delayMs`. */
  z.object({
    type: z.literal('step-retry'),
    ...onStep,
    attempt: z.number().int(),
    retriesLeft: z.number().int(),
    delayMs: z.number(),
    error: StepFailureSchema,
  }),
  /** The step ended on that target. */
  z.object({
    type: z.literal('step-finished'),
    ...onStep,
    outcome: StepOutcomeSchema,
    durationMs: z.number(),
    /** For `noop`: why nothing was needed. */
    reason: z.string().optional(),
    /** For `changed`: what was done. */
    changes: z.array(z.string()).optional(),
    /** For `failed` and `interrupted`. */
    failure: StepFailureSchema.optional(),
  }),
  /** The run ended (ok or with a failed step). */
  z.object({
    type: z.literal('run-finished'),
    ...base,
    ok: z.boolean(),
    durationMs: z.number(),
    counts: z.object({ changed: z.number().int(), noop: z.number().int(), failed: z.number().int() }),
    /** The first failure, when not ok. */
    stoppedAt: StopPointSchema.nullable(),
    message: z.string(),
  }),
  /** The run was cancelled at a safe point; `stoppedAt` names the step it interrupted, if any. */
  z.object({
    type: z.literal('run-cancelled'),
    ...base,
    durationMs: z.number(),
    stoppedAt: StopPointSchema.nullable(),
    /** The next step that had not started yet, when cancelled between steps. */
    nextStep: z.string().nullable(),
    message: z.string(),
  }),
]);
export type ApplyEvent = z.infer<typeof ApplyEventSchema>;
export type ApplyEventType = ApplyEvent['type'];

/** An event before the runner numbers and stamps it. */
export type ApplyEventInput = ApplyEvent extends infer E
  ? E extends ApplyEvent
    ? Omit<E, 'runId' | 'at' | 'seq'>
    : never
  : never;
