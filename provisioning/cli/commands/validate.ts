import { Option, type Command } from 'commander';
import { ExitCode, LockstepError } from '../../api/errors';
import { Catalogue } from '../../checks/catalogue';
import { formatBytes } from '../../api/units';
import { areaOf } from '../../checks/registry';
import { validatePair } from '../../validation/validate';
import { action, type ActionContext } from '../action';
import { countFindings, formatCounts, formatFindings } from '../format/findings';
import { printJson, printLine, printNote } from '../output';
import { openSiteSession } from '../site-session';

/**
 * `lockstep validate -c site.yaml`: step 8 of the flow. Everything that is wrong is
 * found before anything is changed, each with a fix. Exit 0 no fail, 1 a fail,
 * 2 config error, 3 a server could not be reached or logged into.
 */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check both servers against every check of the catalogue (nothing is changed)')
    .addOption(
      new Option(
        '--only <ids>',
        'run only these checks (comma-separated ids, e.g. net.mtu-mismatch,time.skew)',
      ),
    )
    .addOption(new Option('--all', 'also list the checks that passed'))
    .action(action(runValidate));
}

interface ValidateFlags {
  readonly only?: string;
  readonly all?: boolean;
}

async function runValidate(context: ActionContext, flags: ValidateFlags): Promise<number> {
  const { options, signal } = context;
  const only = flags.only ? parseOnly(flags.only) : undefined;
  const session = await openSiteSession(options);
  const { site } = session;
  const started = Date.now();
  const report = await validatePair(site, {
    knownHostsPath: session.knownHostsPath,
    secrets: session.secrets,
    signal,
    ...(only && { only }),
    progress: (message) => {
      if (!options.json) printNote(`… ${message}`);
    },
  });
  const counts = countFindings(report.findings);
  const exitCode = report.connectionFailed
    ? ExitCode.connection
    : report.failed
      ? ExitCode.failed
      : ExitCode.ok;
  if (options.json) {
    printJson({
      ok: exitCode === ExitCode.ok,
      pair: site.name,
      nodes: site.nodes.map((node) => node.address),
      summary: counts,
      capacity: report.capacity,
      findings: report.findings,
    });
    return exitCode;
  }
  printLine(`Validation of pair "${site.name}": ${site.nodes.map((node) => node.address).join(' and ')}`);
  printLine('');
  printLine(formatFindings(report.findings, areaOf, { showPasses: flags.all ?? false }));
  const capacity = report.capacity;
  const figures = [
    capacity.poolBytes !== null && `${formatBytes(capacity.poolBytes)} mirrored pool`,
    capacity.vcpus !== null && `${capacity.vcpus} vCPUs`,
    capacity.memoryBytes !== null && `${formatBytes(capacity.memoryBytes)} memory for VMs`,
  ].filter(Boolean);
  if (figures.length > 0) printLine(`Capacity (the smaller server decides): ${figures.join(', ')}.`);
  printLine(`${formatCounts(counts)} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  if (counts.fail > 0) printLine('Fix the failed checks, then run validate again. Nothing has been changed.');
  else printLine('Ready for `lockstep plan`.');
  return exitCode;
}

function parseOnly(text: string): string[] {
  const ids = text
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const known = new Set<string>(Catalogue.map((entry) => entry.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new LockstepError({
      code: 'usage',
      field: '--only',
      message: `Unknown check id${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}.`,
      remedy: 'Use ids from docs/checks.md, e.g. --only net.mtu-mismatch,time.skew.',
    });
  }
  return ids;
}
