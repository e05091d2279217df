import { z } from 'zod';
import { ApplyEventSchema } from './apply-events';
import { DiscoveryRowSchema, ErrorInfoSchema, OperationIdSchema } from './contract';
import { MonitorEventSchema } from './monitor';

/**
 * One stream of events flows from the engine to every UI: progress of long calls,
 * log lines, live discovery rows, lab progress. It is one discriminated union so that a
 * consumer switches on `type` and `assertNever` catches a kind it forgot.
 */
const base = { operationId: OperationIdSchema, at: z.string() };

export const LockstepEventSchema = z.discriminatedUnion('type', [
  /** A long call moved on: `done` of `total` units when countable. */
  z.object({
    type: z.literal('progress'),
    ...base,
    call: z.string(),
    message: z.string(),
    done: z.number().optional(),
    total: z.number().optional(),
  }),
  /** A redacted log line for the live log tail. */
  z.object({
    type: z.literal('log'),
    at: z.string(),
    level: z.enum(['debug', 'info', 'warn', 'error']),
    message: z.string(),
    host: z.string().optional(),
  }),
  /** A discovery row, as soon as that server answered (or a named one did not). */
  z.object({ type: z.literal('discoveryResult'), ...base, row: DiscoveryRowSchema }),
  /** A step of `lab up` / `lab down`. */
  z.object({ type: z.literal('labProgress'), ...base, message: z.string() }),
  /** One event of a running install (`apply`) or VM create (`createVm`), exactly as the journal stores it. */
  z.object({ type: z.literal('apply'), ...base, event: ApplyEventSchema }),
  /** A new pair state or an alert from a console watch (`watchPair`). */
  z.object({ type: z.literal('monitor'), ...base, event: MonitorEventSchema }),
  /** A long call ended (its result comes back through the call itself). */
  z.object({
    type: z.literal('operationFinished'),
    ...base,
    call: z.string(),
    ok: z.boolean(),
    error: ErrorInfoSchema.optional(),
  }),
]);

export type LockstepEvent = z.infer<typeof LockstepEventSchema>;
export type LockstepEventType = LockstepEvent['type'];
