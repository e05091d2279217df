/**
 * How the CLI prints a console action's result: the title, what was decided (the
 * changes, or why nothing was needed), then what is true now. Pure, tested without a pair.
 */
import type { ActionResult } from '../../api/actions';

/** The result as lines for a terminal; `showLog` adds the commands run. */
export function formatActionResult(result: ActionResult, options: { showLog?: boolean } = {}): string {
  const lines = [result.title];
  if (result.decision.kind === 'noop') lines.push(`  already done: ${result.decision.reason}`);
  else
    for (const change of result.decision.changes) {
      lines.push(`  ${result.outcome === 'planned' ? 'would' : 'did'}: ${change.summary}`);
      if (result.outcome === 'planned') for (const command of change.commands) lines.push(`      $ ${command}`);
    }
  if (options.showLog) for (const line of result.log) lines.push(`  | ${line}`);
  lines.push(result.outcome === 'planned' ? `${result.message} (dry run: nothing was changed)` : `${result.message} (${(result.durationMs / 1000).toFixed(1)} s)`);
  return lines.join('\n');
}
