import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where Lockstep keeps what it owns on the admin's computer: pinned host keys, run
 * journals, the practice lab. `LOCKSTEP_STATE_DIR` overrides it (tests, portable use).
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LOCKSTEP_STATE_DIR) return env.LOCKSTEP_STATE_DIR;
  const base = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'lockstep');
}

/** Lockstep's own known_hosts: separate from ~/.ssh/known_hosts, which it can read but never writes. */
export function defaultKnownHostsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'known_hosts');
}

/** The user's OpenSSH known_hosts, consulted read-only when asked to. */
export function userKnownHostsPath(): string {
  return join(homedir(), '.ssh', 'known_hosts');
}
