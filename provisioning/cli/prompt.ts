import { createInterface } from 'node:readline/promises';
import { LockstepError } from '../api/errors';

/**
 * The CLI's questions to a person at a terminal: passwords (never echoed, never an
 * argument) and confirmations. Prompts go to stderr so that stdout stays the command's
 * output. Without a terminal nothing is asked: passwords come from the environment.
 */

/** Environment variables that carry passwords for headless runs (CLI contract). */
export const SSH_PASSWORD_ENV = 'LOCKSTEP_SSH_PASSWORD';
export const SUDO_PASSWORD_ENV = 'LOCKSTEP_SUDO_PASSWORD';

export interface PromptIo {
  readonly input: NodeJS.ReadStream;
  readonly output: NodeJS.WriteStream;
}

const defaultIo = (): PromptIo => ({ input: process.stdin, output: process.stderr });

/** True when a person can answer: stdin and stderr are both terminals. */
export function isInteractive(io: PromptIo = defaultIo()): boolean {
  return Boolean(io.input.isTTY && io.output.isTTY);
}

/** Asks a yes/no question; only `yes` (or `y`, or one of `alsoAccept`) counts as yes. */
export async function confirm(question: string, options: { alsoAccept?: readonly string[]; io?: PromptIo } = {}): Promise<boolean> {
  const io = options.io ?? defaultIo();
  const answer = (await askLine(question, io)).trim();
  return ['yes', 'y'].includes(answer.toLowerCase()) || (options.alsoAccept ?? []).includes(answer);
}

/** Asks for one line of visible text. */
export async function askLine(question: string, io: PromptIo = defaultIo()): Promise<string> {
  const rl = createInterface({ input: io.input, output: io.output, terminal: Boolean(io.input.isTTY) });
  const closed = new Promise<never>((_, reject) => rl.once('close', () => reject(cancelled())));
  try {
    return await Promise.race([rl.question(question), closed]);
  } finally {
    rl.close();
  }
}

/** Asks for a secret without echoing it; Ctrl-C or Ctrl-D on an empty line cancels. */
export function askSecret(question: string, io: PromptIo = defaultIo()): Promise<string> {
  const { input, output } = io;
  if (!input.isTTY) return Promise.reject(new Error('askSecret needs a terminal'));
  return new Promise<string>((resolve, reject) => {
    output.write(question);
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    input.resume();
    let value = '';
    const done = (): void => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
    };
    const onData = (chunk: Buffer | string): void => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n') {
          done();
          resolve(value);
          return;
        }
        if (char === '\u0003' || (char === '\u0004' && value === '')) {
          done();
          reject(cancelled());
          return;
        }
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('');
        else if (char === '\u0015') value = '';
        else if (char >= ' ') value += char;
      }
    };
    input.on('data', onData);
  });
}

/**
 * A password from the environment, else from the terminal when `ask` is set and a
 * person is there, else undefined (the caller decides whether it was required).
 */
export async function passwordFrom(
  envName: string,
  question: string,
  options: { ask?: boolean; env?: NodeJS.ProcessEnv; io?: PromptIo } = {},
): Promise<string | undefined> {
  const env = options.env ?? process.env;
  const fromEnv = env[envName];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const io = options.io ?? defaultIo();
  if (!options.ask || !isInteractive(io)) return undefined;
  return askSecret(question, io);
}

/** The SSH login password: LOCKSTEP_SSH_PASSWORD, else asked on a terminal when `ask`. */
export function sshPassword(user: string, host: string, options: { ask?: boolean; env?: NodeJS.ProcessEnv; io?: PromptIo } = {}): Promise<string | undefined> {
  return passwordFrom(SSH_PASSWORD_ENV, `SSH password for ${user}@${host}: `, options);
}

/** The sudo password: LOCKSTEP_SUDO_PASSWORD, else asked on a terminal when `ask`. */
export function sudoPassword(user: string, host: string, options: { ask?: boolean; env?: NodeJS.ProcessEnv; io?: PromptIo } = {}): Promise<string | undefined> {
  return passwordFrom(SUDO_PASSWORD_ENV, `sudo password for ${user} on ${host}: `, options);
}

function cancelled(): LockstepError {
  return new LockstepError({ code: 'cancelled', message: 'Cancelled at the prompt.', remedy: 'Run the command again to continue.' });
}
