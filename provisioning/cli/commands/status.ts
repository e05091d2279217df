import { Option, type Command } from 'commander';
import { ExitCode, LockstepError } from '../../api/errors';
import type { Alert, PairState } from '../../api/monitor';
import { eventLogPath, readRecentAlerts } from '../../monitor/event-log';
import { PairMonitor } from '../../monitor/monitor';
import { action, type ActionContext } from '../action';
import { formatAlertLine, formatStatus } from '../format/status';
import { printJson, printLine, printNote } from '../output';
import { openSiteSession } from '../site-session';

/**
 * `lockstep status -c site.yaml [--watch]`: the console in a terminal. A snapshot is
 * one poll of both nodes; `--watch` redraws on change (TTY) or streams NDJSON
 * `{type: state|alert|sample}` lines (`--json`; `sample` carries every poll's chart values). Exit codes: 0 Protected or Degraded,
 * 1 Unprotected or Down, 3 neither node reachable (or a host-key / login error on both),
 * 2 usage, 130 Ctrl-C.
 */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('pair state: protected / degraded / unprotected / down, with nodes, links, storage, VMs and alerts')
    .addOption(new Option('--watch', 'keep watching; redraw on change (with --json: one event per line)'))
    .addOption(new Option('--interval <seconds>', 'steady poll interval of --watch (event streams poll sooner)').default('5'))
    .action(action(runStatus));
}

interface StatusFlags {
  readonly watch?: boolean;
  readonly interval: string;
}

/** The exit code a pair level gives (documented in docs/console.md). */
export function exitCodeForLevel(state: PairState): number {
  if (state.nodes.every((node) => !node.reachable)) return ExitCode.connection;
  return state.level === 'protected' || state.level === 'degraded' ? ExitCode.ok : ExitCode.failed;
}

async function runStatus(context: ActionContext, flags: StatusFlags): Promise<number> {
  const { options, signal } = context;
  const interval = Number(flags.interval);
  if (!Number.isFinite(interval) || interval < 1 || interval > 3600)
    throw new LockstepError({
      code: 'usage',
      field: '--interval',
      message: `--interval must be a number of seconds from 1 to 3600, got "${flags.interval}".`,
      remedy: 'e.g. --interval 5',
    });
  const session = await openSiteSession(options);
  const monitor = new PairMonitor({
    site: session.site,
    knownHostsPath: session.knownHostsPath,
    secrets: session.secrets,
    signal,
    intervalMs: interval * 1000,
    log: (line) => {
      if (options.verbose > 0) printNote(line);
    },
  });
  const logPath = eventLogPath(session.site.name);
  try {
    await monitor.open();
    // A host key in doubt is a hard stop (CLI contract), not a monitoring state: the
    // console never shows a pair one of whose servers may not be who it says it is.
    const hostKeyProblem = monitor.connectionErrors.find((error) => error?.code.startsWith('ssh.host-key-'));
    if (hostKeyProblem) throw new LockstepError(hostKeyProblem);
    if (!flags.watch) {
      const { state } = await monitor.poll();
      const recent = readRecentAlerts(logPath, 10);
      if (options.json) printJson({ ok: exitCodeForLevel(state) === ExitCode.ok, state, recentAlerts: recent, history: monitor.historyView() });
      else printLine(formatStatus(state, recent));
      return exitCodeForLevel(state);
    }
    await watch(monitor, options.json, logPath);
    return ExitCode.cancelled;
  } finally {
    await monitor.close();
  }
}

async function watch(monitor: PairMonitor, json: boolean, logPath: string): Promise<void> {
  const tty = process.stdout.isTTY === true && !json;
  let latest: PairState | undefined;
  const alerts: Alert[] = readRecentAlerts(logPath, 5);
  const redraw = (): void => {
    if (!latest) return;
    if (tty) process.stdout.write('\x1b[H\x1b[2J');
    else printLine(`--- ${latest.at}`);
    printLine(formatStatus(latest, alerts.slice(-8)));
    if (tty) printLine('\n(watching; Ctrl-C to stop)');
  };
  await monitor.watch((event) => {
    if (json) {
      process.stdout.write(`${JSON.stringify(event)}\n`);
      return;
    }
    // Chart values are for machines (--json) and the app; the terminal view shows the latest rates.
    if (event.type === 'sample') return;
    if (event.type === 'alert') {
      alerts.push(event.alert);
      if (!tty) printLine(formatAlertLine(event.alert));
      else redraw();
      return;
    }
    latest = event.state;
    redraw();
  });
}
