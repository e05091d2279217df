import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { PlanSchema, type Plan } from '../../api/apply-events';
import { LockstepError } from '../../api/errors';
import { runsDir } from '../../engine/journal';
import { assertPlanMatches } from '../../engine/plan';
import { action, type ActionContext } from '../action';
import { isInteractive } from '../prompt';
import { runStepsCommand } from '../run-steps';
import { allowChecksOption, openPairSession } from './plan';

/**
 * `lockstep apply -c site.yaml`: step 10 of the flow. Runs the install on both servers
 * (in parallel where possible), with a live display on a terminal or NDJSON events with
 * `--json`. A rerun resumes: the servers are inspected again and finished steps are
 * already done. `--plan plan.json` applies only if the servers still match that plan.
 */
export function registerApply(program: Command): void {
  program
    .command('apply')
    .description('install and configure both servers; rerun to resume or to confirm nothing is left to do')
    .addOption(new Option('--plan <file>', 'apply only if the servers still match this saved plan (`plan --out`)'))
    .addOption(allowChecksOption())
    .addHelpText(
      'after',
      `
Asks for confirmation on a terminal unless --yes; without a terminal --yes is required.
--json prints one JSON event per line (run-started, step-started, step-decided,
step-log, step-retry, step-finished, run-finished, run-cancelled) on stdout.
Every run is journalled under the state directory (runs/<pair>/<run-id>.jsonl).
Ctrl-C cancels at a safe point (exit 130); run apply again to continue.

Exit codes: 0 done · 1 a step failed, validation failed, or the plan is stale ·
2 usage or site file · 3 connection · 130 cancelled.`,
    )
    .action(action(runApply));
}

interface ApplyFlags {
  readonly plan?: string;
  readonly allowChecks?: string;
}

export async function runApply(context: ActionContext, flags: ApplyFlags): Promise<number> {
  const { options } = context;
  if (!options.yes && !isInteractive())
    throw new LockstepError({
      code: 'usage',
      field: '--yes',
      message: 'apply changes both servers and needs a confirmation, but there is no terminal to ask on.',
      remedy: 'Review `lockstep plan -c site.yaml` first, then pass --yes to apply without asking.',
    });
  const saved = flags.plan ? readPlan(flags.plan) : undefined;

  const opened = await openPairSession(context, flags.allowChecks);
  try {
    const { session } = opened.pair;
    return await runStepsCommand(context, {
      steps: opened.steps,
      session,
      runsDir: runsDir(session.site.name),
      ...(saved && flags.plan && { checkPlan: (fresh: Plan) => assertPlanMatches(saved, fresh, flags.plan!) }),
      question: (changing, plan) => `Apply ${changing} changing step${changing === 1 ? '' : 's'} to ${plan.nodes.a.label} and ${plan.nodes.b.label}?`,
      again: 'Run apply again to continue',
    });
  } finally {
    await opened.pair.close();
  }
}

function readPlan(path: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new LockstepError({
      code: 'usage',
      field: '--plan',
      message: `Cannot read the plan ${path}: ${error instanceof Error ? error.message : String(error)}.`,
      remedy: 'Pass a file written by `lockstep plan -c site.yaml --out plan.json`.',
    });
  }
  const parsed = PlanSchema.safeParse(raw);
  if (!parsed.success)
    throw new LockstepError({
      code: 'usage',
      field: '--plan',
      message: `${path} is not a Lockstep plan: ${parsed.error.issues[0]?.message ?? 'unexpected content'}.`,
      remedy: 'Pass a file written by `lockstep plan -c site.yaml --out plan.json`.',
    });
  return parsed.data;
}
