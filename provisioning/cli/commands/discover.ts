import { Option, type Command } from 'commander';
import { ExitCode, LockstepError } from '../../api/errors';
import { parsePort } from '../../api/endpoint-parse';
import {
  formatHeader,
  formatProgress,
  formatRow,
  formatSummary,
  isShown,
  summarise,
} from '../../discovery/report';
import { DEFAULT_CONCURRENCY, DEFAULT_CONNECT_TIMEOUT_MS, scan, type DiscoveryRow } from '../../discovery/scan';
import { parseTargets, resolveTargets } from '../../discovery/targets';
import { action } from '../action';
import { printJson, printLine } from '../output';

interface DiscoverOptions {
  port?: string;
  all?: boolean;
  timeout?: string;
  concurrency?: string;
}

/**
 * `discover CIDR|HOST…` (flow step 2, "Find servers"): which addresses answer SSH, with
 * the banner, the host key type and `SHA256:` fingerprint read without logging in, and
 * the round-trip time. Exit 0 whenever the scan ran, even when it found nothing.
 */
export function registerDiscover(program: Command): void {
  program
    .command('discover')
    .description('find SSH servers: banner, host key type and SHA256 fingerprint (no login), round-trip time')
    .argument('<targets...>', 'IPv4 CIDR (up to /16), IPv4/IPv6 address, [V6]:PORT, HOST[:PORT], IPv6 /120 or longer')
    .addOption(new Option('-p, --port <port>', 'port for targets without :PORT').default('22'))
    .addOption(new Option('--all', 'also show closed, silent and non-SSH addresses of ranges'))
    .addOption(
      new Option(
        '--timeout <seconds>',
        `TCP connect timeout per address (default ${DEFAULT_CONNECT_TIMEOUT_MS / 1000}, shortened for ranges once ` +
          'the network has shown how fast it answers; when given, every address gets it in full)',
      ),
    )
    .addOption(new Option('--concurrency <n>', 'connections in flight at once').default(String(DEFAULT_CONCURRENCY)))
    .addHelpText(
      'after',
      '\nExamples:\n  lockstep discover 10.0.0.0/24\n  lockstep discover 10.0.0.11 server2.example.net:2222 [2001:db8::5]:2222',
    )
    .action(
      action(async (context, targetArgs: string[]) => {
        const options = context.command.opts<DiscoverOptions>();
        const all = options.all ?? false;
        const port = parsePort(options.port ?? '22', '--port');
        const connectTimeoutMs = options.timeout === undefined ? DEFAULT_CONNECT_TIMEOUT_MS : parseTimeout(options.timeout);
        const adaptive = options.timeout === undefined;
        const concurrency = parseConcurrency(options.concurrency);
        const targets = parseTargets(targetArgs, port);

        const started = performance.now();
        const { endpoints, unresolved } = await resolveTargets(targets);
        const progress = context.options.json ? undefined : Progress.onTerminal(endpoints.length);
        let headerPrinted = false;
        const onRow = (row: DiscoveryRow): void => {
          progress?.count(row);
          if (context.options.json || !isShown(row, all)) return;
          progress?.clear();
          if (!headerPrinted) printLine(formatHeader());
          headerPrinted = true;
          printLine(formatRow(row));
        };
        let rows: DiscoveryRow[];
        try {
          rows = await scan(endpoints, unresolved, { concurrency, connectTimeoutMs, adaptive, signal: context.signal, onRow });
        } finally {
          progress?.stop();
        }
        const summary = summarise(rows, performance.now() - started, all);
        if (context.options.json) {
          printJson({ ok: true, ...summary, rows: rows.filter((row) => isShown(row, all)) });
        } else {
          printLine(formatSummary(summary));
        }
        return ExitCode.ok;
      }),
    );
}

function parseTimeout(text: string): number {
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(seconds >= 0.05 && seconds <= 60)) {
    throw new LockstepError({
      code: 'usage',
      field: '--timeout',
      message: `--timeout "${text}" is not a number of seconds between 0.05 and 60.`,
      remedy: 'Give the connect timeout in seconds, e.g. `--timeout 1.5` (raise it for slow or distant networks).',
    });
  }
  return seconds * 1000;
}

function parseConcurrency(text: string | undefined): number {
  const value = Number(text);
  if (text === undefined || !/^\d+$/.test(text.trim()) || !(value >= 1 && value <= 4096)) {
    throw new LockstepError({
      code: 'usage',
      field: '--concurrency',
      message: `--concurrency "${text ?? ''}" is not a whole number between 1 and 4096.`,
      remedy: `Give how many connections may be in flight at once, e.g. \`--concurrency ${DEFAULT_CONCURRENCY}\`.`,
    });
  }
  return value;
}

/** A one-line progress display on stderr, only when stderr is a terminal. */
class Progress {
  private done = 0;
  private ssh = 0;
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private shown = false;

  private constructor(private readonly total: number) {
    this.timer = setInterval(() => this.draw(), 200);
    this.timer.unref();
  }

  static onTerminal(total: number): Progress | undefined {
    return process.stderr.isTTY && total > 1 ? new Progress(total) : undefined;
  }

  count(row: DiscoveryRow): void {
    if (row.address === null) return;
    this.done += 1;
    if (row.state === 'ssh') this.ssh += 1;
  }

  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }

  stop(): void {
    clearInterval(this.timer);
    this.clear();
  }

  private draw(): void {
    process.stderr.write(`\r\x1b[K${formatProgress(this.done, this.total, this.ssh, performance.now() - this.started)}`);
    this.shown = true;
  }
}
