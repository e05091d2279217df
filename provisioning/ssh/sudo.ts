import { randomBytes } from 'node:crypto';
import { LockstepError } from '../api/errors';
import { quote } from '../util/shell';

/**
 * sudo without a terminal and without the password on any command line: `sudo -S`
 * reads it from stdin, and only after sudo has printed a prompt unique to this call,
 * so that the password is never written to anything but sudo itself. A second unique
 * marker, printed by the command's shell once sudo let it run, tells "sudo is done"
 * apart from "the command runs", with or without a password prompt (NOPASSWD).
 */
export interface SudoTokens {
  /** Passed to `sudo -p`; only hex and brackets, so sudo expands nothing in it. */
  readonly prompt: string;
  readonly marker: string;
}

export function newSudoTokens(): SudoTokens {
  const id = randomBytes(12).toString('hex');
  return { prompt: `[lockstep-sudo-${id}]`, marker: `[lockstep-run-${id}]` };
}

/** `sudo -S -p PROMPT -- sh -c 'printf "MARKER PID" >&2; COMMAND'`: the pid lets a timeout kill the command as root. */
export function sudoCommand(command: string, tokens: SudoTokens): string {
  const script = `printf '%s %s\\n' ${quote(tokens.marker)} "$$" >&2\n${command}`;
  return `sudo -S -p ${quote(tokens.prompt)} -- sh -c ${quote(script)}`;
}

/** Why sudo did not run the command. */
export type SudoRefusal =
  'not-installed' | 'not-permitted' | 'password-required' | 'wrong-password' | 'other';

/** Reads sudo's own messages (its stderr before the marker) into a reason. */
export function classifySudoRefusal(stderr: string, exitCode: number | null): SudoRefusal {
  if (exitCode === 127 || /sudo: (command )?not found/.test(stderr)) return 'not-installed';
  if (/not in the sudoers file|is not allowed to (run|execute)|may not run sudo/.test(stderr))
    return 'not-permitted';
  if (/incorrect password|Sorry, try again/.test(stderr)) return 'wrong-password';
  if (/a password is required|no password was provided|a terminal is required/.test(stderr))
    return 'password-required';
  return 'other';
}

/** The `ssh.sudo-unavailable` error for a refusal, saying which and what to do. */
export function sudoError(host: string, user: string, refusal: SudoRefusal, detail: string): LockstepError {
  const sudoers = `add ${user} to the sudo group on the server (\`usermod -aG sudo ${user}\`, as root), or log in as root`;
  const texts: Record<SudoRefusal, { message: string; remedy: string }> = {
    'not-installed': {
      message: `sudo is not installed on ${host}, and ${user} is not root.`,
      remedy: 'Install sudo on the server (`apt-get install sudo`, as root) or log in as root (-u root).',
    },
    'not-permitted': {
      message: `${user} may not use sudo on ${host}.`,
      remedy: `${sudoers[0]?.toUpperCase()}${sudoers.slice(1)}.`,
    },
    'password-required': {
      message: `sudo on ${host} asks ${user} for a password and none was given.`,
      remedy:
        'Give the sudo password (prompted on a terminal, or LOCKSTEP_SUDO_PASSWORD), or allow NOPASSWD for this user in sudoers.',
    },
    'wrong-password': {
      message: `sudo on ${host} rejected the sudo password of ${user}.`,
      remedy:
        'Check the sudo password (the login password of the user, unless sudoers says otherwise) and try again.',
    },
    other: {
      message: `sudo on ${host} did not run the command for ${user}${detail ? `: ${detail}` : ''}.`,
      remedy: `Run \`sudo -v\` as ${user} on the server to see why; or ${sudoers}.`,
    },
  };
  const text = texts[refusal];
  return new LockstepError({ code: 'ssh.sudo-unavailable', host, ...text, details: { reason: refusal } });
}
