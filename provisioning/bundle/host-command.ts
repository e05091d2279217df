import { spawn } from 'node:child_process';
import { LockstepError } from '../api/errors';

/** What a finished command on the admin's computer left behind. */
export interface HostResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command on the admin's computer from argument words (no shell). A failure
 * becomes `command.failed` with the command and the tail of its output, so that a
 * bundle build that cannot reach the mirror says so.
 */
export function hostCommand(
  words: readonly string[],
  options: {
    readonly allowFailure?: boolean;
    readonly env?: NodeJS.ProcessEnv;
    readonly signal?: AbortSignal;
    readonly cwd?: string;
  } = {},
): Promise<HostResult> {
  const [file, ...args] = words;
  if (!file) throw new Error('hostCommand: empty command');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C', PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, ...options.env },
      ...(options.signal && { signal: options.signal }),
      ...(options.cwd !== undefined && { cwd: options.cwd }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) =>
      reject(
        new LockstepError(
          {
            code: 'command.failed',
            message: `Could not run ${file}: ${error.message}.`,
            remedy: `Install the package that provides ${file} on this computer.`,
          },
          { cause: error },
        ),
      ),
    );
    child.on('close', (code) => {
      const result = { code: code ?? 1, stdout, stderr };
      if (result.code !== 0 && !options.allowFailure) {
        const output = (stderr.trim() || stdout.trim()).split('\n').slice(-15).join('\n');
        reject(
          new LockstepError({
            code: 'command.failed',
            message: `${words.join(' ')} failed (exit ${result.code}):\n${output}`,
            remedy: 'Read the output above; a network problem means this computer cannot reach the Debian mirror.',
            details: { command: words.join(' '), output },
          }),
        );
        return;
      }
      resolve(result);
    });
  });
}
