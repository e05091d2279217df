import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './run';

/** The lab's root key: `<lab dir>/id_ed25519`, authorized for root on both servers. */
export function identityPath(labDirectory: string): string {
  return join(labDirectory, 'id_ed25519');
}

/**
 * Returns the public half of the lab's root key, generating the pair on first use.
 * The key stays across `lab up`s, so a user's scripts and site file keep working.
 */
export async function ensureIdentity(labDirectory: string): Promise<string> {
  const key = identityPath(labDirectory);
  if (!existsSync(key) || !existsSync(`${key}.pub`)) {
    await run(['rm', '-f', key, `${key}.pub`]);
    await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'lockstep-lab', '-f', key]);
  }
  return readFileSync(`${key}.pub`, 'utf8').trim();
}
