import { spawn } from 'node:child_process';
import { LockstepError } from '../api/errors';

/** What a finished host command left behind. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of a host command run by the lab. */
export interface RunOptions {
  /** Written to the command's stdin (passwords go here, never on a command line). */
  readonly stdin?: string;
  /** Accept a non-zero exit instead of throwing `lab.failed`. */
  readonly allowFailure?: boolean;
  readonly timeoutMs?: number;
  /** Each complete stdout/stderr line as it arrives (long builds report progress with it). */
  readonly onLine?: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/** A PATH that finds the admin tools the lab needs even when the caller's PATH lacks sbin. */
export const LAB_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Runs a command on this computer (the lab host) from argument words, no shell.
 * A failure becomes `lab.failed` carrying the command and its output, so that the user
 * sees what went wrong.
 */
export function run(words: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = words;
  if (!file) throw new Error('run: empty command');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PATH: LAB_PATH, LC_ALL: 'C', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    const feed = (chunk: string): void => {
      if (!options.onLine) return;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) options.onLine(line);
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      feed(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      feed(chunk);
    });
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('error', (error) => {
      if (timer) clearTimeout(timer);
      reject(
        new LockstepError(
          {
            code: 'lab.failed',
            message: `Could not run ${file}: ${error.message}`,
            remedy:
              'Install the missing tool (apt-get install debootstrap systemd-container iproute2 openssh-client) and retry.',
          },
          { cause: error },
        ),
      );
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const result = { code: code ?? (signal ? 128 : 1), stdout, stderr };
      if (result.code === 0 || options.allowFailure) {
        resolve(result);
        return;
      }
      const output = (stderr.trim() || stdout.trim()).split('\n').slice(-15).join('\n');
      reject(
        new LockstepError({
          code: 'lab.failed',
          message: `${words.join(' ')} failed (${signal ? `killed by ${signal}` : `exit ${result.code}`})${output ? `:\n${output}` : ''}`,
          remedy:
            'Read the output above; `lockstep lab down` cleans up whatever was half built, then retry `lockstep lab up`.',
          details: { command: words, exitCode: result.code },
        }),
      );
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}
