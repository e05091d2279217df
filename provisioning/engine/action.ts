import { LockstepError } from '../api/errors';
import type { DecisionInfo } from '../api/apply-events';
import type { NodeKey, ResolvedSite } from '../api/site';
import type { Transport } from '../ssh/types';
import { toInfo } from './plan';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry';
import type { Decision } from './types';

/**
 * A console action (node to maintenance and back, migrate a VM, change its level) is
 * the install's step model at the size of one request: inspect the cluster as it is
 * now → "nothing to do, because …" or the changes → apply exactly those → verify the
 * postcondition (the node really is in standby, the VM really runs there). A retry
 * after a dropped connection repeats the whole thing, which is safe because inspection
 * re-reads the cluster. Unlike the install it needs neither the inventory nor the
 * pair facts, and one node may be down (bringing a node back is exactly when).
 */

/** One node of an action's session; null in the context when it could not be connected to. */
export interface ActionNode {
  readonly key: NodeKey;
  /** The node's address as the site file gives it (messages name it). */
  readonly label: string;
  readonly transport: Transport;
  readonly signal: AbortSignal;
  log(line: string): void;
}

/** What an action sees: the site, both nodes (one may be null), the signal and its log. */
export interface ActionContext {
  readonly site: ResolvedSite;
  readonly nodes: readonly [ActionNode | null, ActionNode | null];
  readonly signal: AbortSignal;
  log(line: string): void;
}

/** One console action: the step model's inspect → apply → verify for one request. */
export interface Action {
  /** Stable id: `node.standby`, `node.online`, `vm.migrate`, `vm.level`. */
  readonly id: string;
  /** What a person reads: "Put lockstep-b into maintenance (standby)". */
  readonly title: string;
  /** The node or VM the action concerns. */
  readonly subject: string;
  inspect(context: ActionContext): Promise<Decision>;
  apply(context: ActionContext, decision: Decision & { kind: 'change' }): Promise<void>;
  /** Throws (code `command.failed`) naming what does not hold. */
  verify(context: ActionContext): Promise<void>;
  /** The sentence after a change: what is true now. */
  readonly done: string;
}

/** How an action run ended: its decision, whether it changed anything, its sentence and log. */
export interface ActionRun {
  readonly decision: DecisionInfo;
  readonly outcome: 'changed' | 'noop' | 'planned';
  readonly message: string;
  readonly log: readonly string[];
  readonly durationMs: number;
}

/** Runs an action (or only inspects it, `dryRun`), collecting its log. */
export async function runAction(
  action: Action,
  context: Omit<ActionContext, 'log'>,
  options: { dryRun?: boolean; retry?: RetryPolicy; onLog?: (line: string) => void } = {},
): Promise<ActionRun> {
  const started = Date.now();
  const log: string[] = [];
  const write = (line: string): void => {
    log.push(line);
    options.onLog?.(line);
  };
  // Commands a node runs (`run` logs them) go to the action's log, named by node.
  const nodes = context.nodes.map((node) => node && { ...node, log: (line: string) => write(`[${node.label}] ${line}`) }) as [
    ActionNode | null,
    ActionNode | null,
  ];
  const full: ActionContext = { ...context, nodes, log: write };
  const decision = await withRetry(
    async (): Promise<Decision> => {
      const found = await action.inspect(full);
      if (options.dryRun) return found;
      if (found.kind === 'change') await action.apply(full, found);
      await action.verify(full);
      return found;
    },
    {
      policy: options.retry ?? DEFAULT_RETRY,
      signal: context.signal,
      onRetry: (notice) => write(`${notice.error.message}; trying again in ${Math.round(notice.delayMs / 1000)} s`),
    },
  );
  const outcome = options.dryRun ? 'planned' : decision.kind === 'change' ? 'changed' : 'noop';
  const message =
    decision.kind === 'noop'
      ? `Nothing to do: ${decision.reason}.`
      : outcome === 'planned'
        ? `Would ${decision.changes.map((change) => change.summary).join('; then ')}.`
        : action.done;
  return { decision: toInfo(decision), outcome, message, log, durationMs: Date.now() - started };
}

/** The nodes of a context that could be connected to, node a first. */
export function reachableNodes(context: ActionContext): ActionNode[] {
  return context.nodes.filter((node): node is ActionNode => node !== null);
}

/** An action refused for safety or because it cannot apply here; exit 1 on the CLI. */
export function refused(message: string, remedy: string): LockstepError {
  return new LockstepError({ code: 'action.refused', message, remedy });
}
