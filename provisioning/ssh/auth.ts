import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthenticationType, AuthHandlerMiddleware, ParsedKey, Prompt } from 'ssh2';
import { LockstepError } from '../api/errors';
import type { ConnectTarget } from './types';

/**
 * The login methods of one connection, in the order the product promises: the
 * identity file (with its passphrase), the ssh-agent, the usual ~/.ssh keys, then the
 * password (and keyboard-interactive answering that same password).
 */
export interface AuthAttempt {
  /** How it is named to the user: `identity file ~/.ssh/id_ed25519`, `ssh-agent`, `password`. */
  readonly label: string;
  /** The SSH method the server must still allow for this attempt to be made. */
  readonly serverMethod: AuthenticationType;
  readonly method: AnyAuthMethod;
}

export interface AuthPlanOptions {
  /** The ssh-agent socket; default SSH_AUTH_SOCK. */
  readonly agentSocket?: string;
  /** Keys tried when no identity file is given; default ~/.ssh/id_ed25519, id_ecdsa, id_rsa. Empty to disable. */
  readonly defaultIdentityFiles?: readonly string[];
}

/** Builds the ordered attempts; reads key files now so that a bad key is reported before connecting. */
export async function planAuth(target: ConnectTarget, options: AuthPlanOptions = {}): Promise<AuthAttempt[]> {
  const { login, secrets } = target;
  const username = login.user;
  const attempts: AuthAttempt[] = [];

  if (login.identityFile) {
    const key = await loadKey(login.identityFile, secrets?.passphrase, true, target.endpoint.host);
    if (key)
      attempts.push({
        label: `identity file ${login.identityFile}`,
        serverMethod: 'publickey',
        method: { type: 'publickey', username, key },
      });
  }

  const agentSocket = options.agentSocket ?? process.env.SSH_AUTH_SOCK;
  if (agentSocket && login.agent !== false) {
    attempts.push({
      label: 'ssh-agent',
      serverMethod: 'publickey',
      method: { type: 'agent', username, agent: agentSocket },
    });
  }

  if (!login.identityFile) {
    const defaults =
      options.defaultIdentityFiles ??
      ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => join(homedir(), '.ssh', name));
    for (const file of defaults) {
      const key = await loadKey(file, secrets?.passphrase, false, target.endpoint.host);
      if (key)
        attempts.push({
          label: `key ${file}`,
          serverMethod: 'publickey',
          method: { type: 'publickey', username, key },
        });
    }
  }

  const password = secrets?.password;
  if (password !== undefined) {
    attempts.push({
      label: 'password',
      serverMethod: 'password',
      method: { type: 'password', username, password },
    });
    attempts.push({
      label: 'keyboard-interactive (password)',
      serverMethod: 'keyboard-interactive',
      method: {
        type: 'keyboard-interactive',
        username,
        prompt: (
          _name: string,
          _instructions: string,
          _lang: string,
          prompts: Prompt[],
          finish: (answers: string[]) => void,
        ) =>
          finish(
            prompts.map((prompt) =>
              prompts.length === 1 || /password/i.test(prompt.prompt) ? password : '',
            ),
          ),
      },
    });
  }
  return attempts;
}

/**
 * An ssh2 auth handler that walks the attempts, skipping methods the server no
 * longer allows, and records what it tried (for the `ssh.auth-failed` message).
 */
export function authHandler(attempts: readonly AuthAttempt[], tried: string[]): AuthHandlerMiddleware {
  let next = 0;
  return (methodsLeft, _partialSuccess, callback) => {
    while (next < attempts.length) {
      const attempt = attempts[next++];
      if (!attempt) break;
      if (methodsLeft && !methodsLeft.includes(attempt.serverMethod)) continue;
      tried.push(attempt.label);
      callback(attempt.method);
      return;
    }
    (callback as unknown as (method: false) => void)(false);
  };
}

/** The `ssh.auth-failed` error, naming what was tried. */
export function authFailedError(host: string, user: string, tried: readonly string[]): LockstepError {
  const what = tried.length
    ? `tried ${tried.join(', ')}`
    : 'no login method was available (no identity file, no ssh-agent, no password)';
  return new LockstepError({
    code: 'ssh.auth-failed',
    host,
    message: `The server ${host} refused the login of ${user}: ${what}.`,
    remedy:
      'Check the user (-u), give the right key (-i FILE, or load it with ssh-add), or set the password (prompted on a terminal, or LOCKSTEP_SSH_PASSWORD); on the server, check that the key is in ~/.ssh/authorized_keys of that user and that sshd allows the method (PasswordAuthentication, PermitRootLogin).',
    details: { user, tried: [...tried] },
  });
}

async function loadKey(
  file: string,
  passphrase: string | undefined,
  explicit: boolean,
  host: string,
): Promise<ParsedKey | undefined> {
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch (error) {
    if (!explicit) return undefined;
    throw new LockstepError({
      code: 'config',
      field: 'identityFile',
      message: `Cannot read the identity file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
      remedy:
        'Give the path of a private key file (-i FILE, or ssh.identityFile in the site file) that this user can read.',
    });
  }
  // ssh2 is CommonJS: Node's ESM loader sees `Client` as a named export but not `utils`.
  const parsed = ssh2.utils.parseKey(content, passphrase);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key instanceof Error || key === undefined) {
    if (!explicit) return undefined;
    const encrypted = /encrypted|passphrase/i.test(key?.message ?? '');
    throw new LockstepError({
      code: 'ssh.auth-failed',
      host,
      field: 'identityFile',
      message: encrypted
        ? `The identity file ${file} is encrypted and ${passphrase === undefined ? 'no passphrase was given' : 'the passphrase does not open it'}.`
        : `The identity file ${file} is not a private key Lockstep can read (${key?.message ?? 'empty'}).`,
      remedy: encrypted
        ? 'Load the key into ssh-agent (`ssh-add FILE`) or enter its passphrase when asked.'
        : 'Give an OpenSSH or PEM private key (ed25519, ECDSA or RSA), e.g. one made by `ssh-keygen -t ed25519`.',
    });
  }
  return key;
}
