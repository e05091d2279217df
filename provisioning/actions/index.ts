import type { ActionRequest, ActionResult } from '../api/actions';
import type { Secrets } from '../api/endpoint';
import type { ResolvedSite } from '../api/site';
import { runAction, type Action } from '../engine/action';
import { openActionSession } from '../engine/action-session';
import { assertNever } from '../util/assert-never';
import { nodeModeAction } from './node-mode';
import { vmLevelAction } from './vm-level';
import { vmMigrateAction } from './vm-migrate';

/**
 * The console's actions behind one entry point, whichever door asks (`lockstep node …`
 * / `lockstep vm …`, the app's buttons): open the pair, run the action through the
 * engine (or only inspect it, `dryRun`), close.
 */
export function actionFor(request: ActionRequest): Action {
  switch (request.kind) {
    case 'node-mode':
      return nodeModeAction(request.node, request.mode);
    case 'vm-migrate':
      return vmMigrateAction(request.vm, request.node ?? null);
    case 'vm-level':
      return vmLevelAction(request.vm, request.level);
    default:
      return assertNever(request);
  }
}

/** What running a console action needs besides the site and the request. */
export interface ConsoleActionOptions {
  readonly knownHostsPath: string;
  readonly secrets?: Secrets;
  readonly signal: AbortSignal;
  readonly dryRun?: boolean;
  /** Each line of the action's log as it happens (the CLI prints them with -v). */
  readonly onLog?: (line: string) => void;
}

/** Opens the pair, runs (or inspects) the requested action, closes; the result as the contract carries it. */
export async function runConsoleAction(site: ResolvedSite, request: ActionRequest, options: ConsoleActionOptions): Promise<ActionResult> {
  const session = await openActionSession(site, options);
  try {
    const action = actionFor(request);
    const result = await runAction(action, session.context, {
      ...(options.dryRun !== undefined && { dryRun: options.dryRun }),
      ...(options.onLog && { onLog: options.onLog }),
    });
    return { action: action.id, title: action.title, subject: action.subject, ...result, log: [...result.log] };
  } finally {
    await session.close();
  }
}
