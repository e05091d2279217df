import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { ExitCode, LockstepError } from '../../api/errors';
import type { Secrets } from '../../api/endpoint';
import { unfinishedRun, runsDir } from '../../engine/journal';
import { openPairSession as openEnginePairSession, type PairSession } from '../../engine/pair-session';
import { makePlan } from '../../engine/plan';
import { loadSiteFile } from '../../site/load';
import { defaultKnownHostsPath } from '../../util/paths';
import { action, type ActionContext } from '../action';
import { printJson, printNote } from '../output';
import { formatPlan } from '../progress/format';
import { isInteractive, sshPassword, sudoPassword } from '../prompt';
import { bmcPasswords } from '../site-session';

/**
 * `lockstep plan -c site.yaml`: step 9 of the flow. Connects, validates, and asks every
 * step what it would change on each server — changing nothing. `--out plan.json`
 * saves the plan for `apply --plan`, which refuses it once the servers no longer match.
 */
export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('what apply would change on each server, step by step (changes nothing)')
    .addOption(new Option('--out <file>', 'save the plan (JSON) for `apply --plan`'))
    .addOption(new Option('--show-commands', 'show the commands of each change'))
    .addOption(allowChecksOption())
    .addHelpText(
      'after',
      `
Passwords come from LOCKSTEP_SSH_PASSWORD / LOCKSTEP_SUDO_PASSWORD or a prompt.
With --json the plan is printed as JSON (the same document --out writes).

Exit codes: 0 plan made · 1 validation failed · 2 usage or site file · 3 connection · 130 cancelled.`,
    )
    .action(action(runPlan));
}

interface PlanFlags {
  readonly out?: string;
  readonly showCommands?: boolean;
  readonly allowChecks?: string;
}

export async function runPlan(context: ActionContext, flags: PlanFlags): Promise<number> {
  const { options, signal } = context;
  const opened = await openPairSession(context, flags.allowChecks);
  try {
    const { session } = opened.pair;
    const plan = await makePlan(opened.steps, session, {
      signal,
      previousRun: unfinishedRun(runsDir(session.site.name)),
    });
    if (flags.out) writeFileSync(flags.out, `${JSON.stringify(plan, null, 2)}\n`);
    if (options.json) printJson(plan);
    else {
      process.stdout.write(formatPlan(plan, { showCommands: flags.showCommands ?? false }));
      if (flags.out) process.stdout.write(`\nSaved to ${flags.out}; apply it with: lockstep apply -c ${options.config ?? 'site.yaml'} --plan ${flags.out}\n`);
    }
    return ExitCode.ok;
  } finally {
    await opened.pair.close();
  }
}

/** `--allow-checks id,id`: go on past these `fail` findings (the practice lab has no DRBD and no disks). */
export function allowChecksOption(): Option {
  return new Option(
    '--allow-checks <ids>',
    'comma-separated check ids whose fail findings are accepted (e.g. kmod.drbd-unavailable,disk.none-available in the container lab)',
  );
}

/** Loads the site (`-c`), asks for passwords, then opens the pair session (`engine/pair-session`). */
export async function openPairSession(context: ActionContext, allowChecks: string | undefined): Promise<PairSession> {
  const { options, signal } = context;
  if (!options.config)
    throw new LockstepError({
      code: 'usage',
      field: '--config',
      message: 'No site file given.',
      remedy: 'Pass the site file: -c site.yaml (`lockstep lab up` writes one for the practice lab).',
    });
  const { site } = loadSiteFile(options.config);
  const hosts = site.nodes.map((node) => node.address).join(', ');
  const ask = !options.json && isInteractive();
  const password = site.ssh.identityFile ? await sshPassword(site.ssh.user, hosts, { ask: false }) : await sshPassword(site.ssh.user, hosts, { ask });
  const sudo = site.ssh.user === 'root' ? undefined : await sudoPassword(site.ssh.user, hosts, { ask });
  const secrets: Secrets = { ...(password && { password }), ...(sudo && { sudoPassword: sudo }) };
  const bmc = await bmcPasswords(site, { ask });
  const opened = await openEnginePairSession(site, {
    knownHostsPath: options.knownHosts ?? defaultKnownHostsPath(),
    secrets,
    bmcPasswords: [bmc.a, bmc.b],
    signal,
    allowChecks: (allowChecks ?? '').split(',').map((id) => id.trim()).filter(Boolean),
    ...(!options.json && { progress: (message: string) => printNote(`… ${message}`) }),
  });
  for (const finding of opened.pair.allowed)
    printNote(`note: going on past ${finding.id}${finding.node ? ` on ${finding.node}` : ''} (--allow-checks): ${finding.message}`);
  return opened;
}
