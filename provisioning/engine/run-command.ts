import { LockstepError } from '../api/errors';
import type { ExecResult, Transport } from '../ssh/types';

/**
 * How a step runs a command on a server. Recipes call this instead of
 * `transport.exec` so that every failure the user sees has the same shape: the command,
 * its exit code, the end of its output, and a fix — and so the engine can show it.
 *
 * ```ts
 * // inside NodeStep.apply(context, decision):
 * await run(context, sh`apt-get install -y ${packages}`, { fix: 'Check the package mirror…' });
 * // in a pair step: run(context.nodes[0], …)
 * const { stdout } = await run(context, 'drbdadm status', { okCodes: [10], quiet: true });
 * ```
 *
 * - `sudo` is on by default (steps change the system); pass `sudo: false` for a user-level read.
 * - The command line is logged to the live log tail (`context.log`) unless `quiet`.
 *   Never put a secret in the command: pass it in `stdin`, which is neither logged nor
 *   journalled.
 * - The run's AbortSignal is passed on, so Cancel stops a long command (the remote
 *   process group is killed). Pass `cancellable: false` for the few commands that must
 *   not be cut in half (e.g. `drbdadm create-md`); Cancel then waits for them.
 * - A non-zero exit (not in `okCodes`) or a signal throws a `LockstepError` with code
 *   `command.failed`, `host` = the node's label, `remedy` = `fix` (or a generic one), and
 *   `details: { command, exitCode, stdout, stderr, output }` (output tails, at most
 *   `TAIL_LINES` lines each). The engine puts these into the `step-finished` event and
 *   the journal, and the CLI prints them.
 * - Connection failures (`ssh.disconnected`, `ssh.unreachable`) are thrown unchanged:
 *   the engine retries the whole step (inspect → apply → verify) with backoff.
 */
export interface RunTarget {
  readonly transport: Transport;
  /** The node's address as the admin gave it (messages name it). */
  readonly label: string;
  readonly signal?: AbortSignal;
  log?(line: string): void;
}

export interface RunOptions {
  /** Default true. */
  readonly sudo?: boolean;
  /** Written to stdin, then closed (secrets travel here, never on the command line). */
  readonly stdin?: string | Buffer;
  /** Default 15 minutes (package installs on slow mirrors). */
  readonly timeoutMs?: number;
  /** Exit codes that are not failures: the result is returned and the caller decides. */
  readonly okCodes?: readonly number[];
  /** The remedy shown when the command fails: what the admin should do. */
  readonly fix?: string;
  /** Do not log the command line (reads, or noisy polling). */
  readonly quiet?: boolean;
  /** Default true: Cancel kills the command. False: Cancel waits for it to finish. */
  readonly cancellable?: boolean;
}

/** Lines of stdout/stderr kept in a failure (the end is where the reason is). */
export const TAIL_LINES = 30;
const DEFAULT_TIMEOUT_MS = 15 * 60_000;

/** Runs `command` on the target's server; throws `command.failed` unless it exits 0 or an `okCodes` code. */
export async function run(target: RunTarget, command: string, options: RunOptions = {}): Promise<ExecResult> {
  if (!options.quiet) target.log?.(`$ ${command}`);
  const signal = options.cancellable === false ? undefined : target.signal;
  const result = await target.transport.exec(command, {
    sudo: options.sudo ?? true,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(signal && { signal }),
    ...(options.stdin !== undefined && { stdin: options.stdin }),
  });
  const ok = [0, ...(options.okCodes ?? [])];
  if (result.code === null || !ok.includes(result.code)) throw commandFailed(target.label, command, result, options.fix);
  return result;
}

/** Runs a read-only command and returns its result whatever the exit code (inspect and verify use it). */
export function read(target: RunTarget, command: string, options: Pick<RunOptions, 'sudo' | 'timeoutMs' | 'stdin'> = {}): Promise<ExecResult> {
  return target.transport.exec(command, {
    sudo: options.sudo ?? true,
    timeoutMs: options.timeoutMs ?? 60_000,
    ...(target.signal && { signal: target.signal }),
    ...(options.stdin !== undefined && { stdin: options.stdin }),
  });
}

/** The `command.failed` error of a finished command, with the tails of its output. */
export function commandFailed(label: string, command: string, result: ExecResult, fix?: string): LockstepError {
  const stdout = tail(result.stdout);
  const stderr = tail(result.stderr);
  const how = result.code === null ? `was killed (signal ${result.signal ?? 'unknown'})` : `exited with code ${result.code}`;
  const last = lastLine(stderr) || lastLine(stdout);
  return new LockstepError({
    code: 'command.failed',
    host: label,
    message: `On ${label}, \`${short(command)}\` ${how}${last ? `: ${last}` : '.'}`,
    remedy: fix ?? 'Read the command\'s output, fix the cause on the server, then run apply again: finished steps are skipped.',
    details: { command, exitCode: result.code, stdout, stderr, output: [stdout, stderr].filter(Boolean).join('\n') },
  });
}

/**
 * The error a `verify` throws when its postcondition does not hold: what is wrong
 * (`"corosync is not active"`), the fix, and optionally what was read (`command`, `stdout`…).
 */
export function notVerified(label: string, what: string, fix: string, details?: Record<string, unknown>): LockstepError {
  return new LockstepError({
    code: 'command.failed',
    host: label,
    message: `On ${label}: ${what}`,
    remedy: fix,
    ...(details && { details }),
  });
}

/** The last `lines` non-empty lines of a text. */
export function tail(text: string, lines = TAIL_LINES): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-lines)
    .join('\n');
}

function lastLine(text: string): string {
  return text.split('\n').slice(-1)[0]?.trim() ?? '';
}

function short(command: string): string {
  const first = command.split('\n')[0] ?? '';
  return first.length > 120 || command.includes('\n') ? `${first.slice(0, 117)}…` : first;
}
