import { isDisruptive, type ActionRequest } from '../api/actions';
import { ExitCode, LockstepError } from '../api/errors';
import { runConsoleAction } from '../actions';
import type { ActionContext } from './action';
import { formatActionResult } from './format/action';
import { printJson, printLine, printNote } from './output';
import { confirm, isInteractive } from './prompt';
import { openSiteSession } from './site-session';

/**
 * What `lockstep node …` and `lockstep vm …` share: a disruptive action (one that can
 * interrupt VMs) is confirmed on a terminal unless --yes, and refused without a
 * terminal and without --yes; then the engine runs it and the result is printed
 * (`--json`: `{ok, result}`). Exit 0 done or nothing to do, 1 refused or failed,
 * 2 usage, 3 connection.
 */
export async function runActionCommand(
  context: ActionContext,
  request: ActionRequest,
  flags: { readonly dryRun?: boolean },
  question: string,
): Promise<number> {
  const { options, signal } = context;
  const dryRun = flags.dryRun ?? false;
  if (!dryRun && isDisruptive(request) && !options.yes) {
    if (!isInteractive() || options.json)
      throw new LockstepError({
        code: 'usage',
        field: '--yes',
        message: `${question.replace(/\?$/, '')} needs a confirmation, but there is no terminal to ask on.`,
        remedy: 'Look first with --dry-run, then pass --yes to do it without asking.',
      });
    if (!(await confirm(`${question} Type yes: `))) {
      printNote('Nothing was changed.');
      return ExitCode.cancelled;
    }
  }
  const session = await openSiteSession(options);
  const result = await runConsoleAction(session.site, request, {
    knownHostsPath: session.knownHostsPath,
    secrets: session.secrets,
    signal,
    dryRun,
    ...(options.verbose > 0 && !options.json && { onLog: (line: string) => printNote(line) }),
  });
  if (options.json) printJson({ ok: true, result });
  else printLine(formatActionResult(result));
  return ExitCode.ok;
}
