import { ExitCode } from '../api/errors';
import type { Plan } from '../api/apply-events';
import { applySteps } from '../engine/apply';
import { unfinishedRun } from '../engine/journal';
import { makePlan, planCounts } from '../engine/plan';
import type { EngineSession } from '../engine/session';
import type { Step } from '../engine/types';
import type { ActionContext } from './action';
import { printNote } from './output';
import { formatFailure, formatPlan } from './progress/format';
import { progressView } from './progress/renderer';
import { confirm } from './prompt';

/**
 * What `apply` and `vm create` share once the pair is open: without --yes the plan is
 * shown and confirmed first; then the engine runs the steps with the live display on a
 * terminal or NDJSON events with --json; a failure prints the step, the node, the
 * command, its output and the fix; a cancel says how to continue. Returns the exit code.
 */
export interface RunStepsOptions {
  readonly steps: readonly Step[];
  readonly session: EngineSession;
  /** Where this kind of run keeps its journals (an unfinished one is shown in the plan). */
  readonly runsDir: string;
  /** Called with the fresh plan before anything runs (`apply --plan` refuses a stale one here). */
  readonly checkPlan?: (plan: Plan) => void;
  /** The question when there is something to change: "Apply 3 changing steps to …?" */
  readonly question: (changing: number, plan: Plan) => string;
  /** How to continue after a cancel: "Run apply again to continue". */
  readonly again: string;
}

export async function runStepsCommand(context: ActionContext, options: RunStepsOptions): Promise<number> {
  const { signal } = context;
  const { yes, json } = context.options;
  const { session } = options;
  if (options.checkPlan || !yes) {
    const plan = await makePlan(options.steps, session, { signal, previousRun: unfinishedRun(options.runsDir) });
    options.checkPlan?.(plan);
    const changing = planCounts(plan).change;
    if (!yes && changing > 0) {
      process.stderr.write(formatPlan(plan));
      if (!(await confirm(`\n${options.question(changing, plan)} Type yes: `))) {
        printNote('Nothing was changed.');
        return ExitCode.failed;
      }
    }
  }

  const view = json ? undefined : progressView(process.stdout);
  const result = await applySteps({
    steps: options.steps,
    session,
    signal,
    runsDir: options.runsDir,
    onEvent: (event) => {
      if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
      else view?.onEvent(event);
    },
  });
  view?.stop();
  if (result.outcome === 'failed' && result.failure && result.stoppedAt) {
    const target = result.stoppedAt.target;
    const where = target === 'pair' ? 'the pair' : session.nodes[target === 'a' ? 0 : 1].label;
    printNote(formatFailure(result.stoppedAt.step, where, result.failure));
    printNote(`journal: ${result.journalPath}`);
    return ExitCode.failed;
  }
  if (result.outcome === 'cancelled') {
    printNote(`Cancelled. ${options.again} (journal: ${result.journalPath}).`);
    return ExitCode.cancelled;
  }
  return ExitCode.ok;
}
