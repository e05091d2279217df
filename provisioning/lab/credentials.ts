import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_USER, NOSUDO_USER } from './constants';
import { run } from './run';
import type { LabCredentials } from './types';

/** `<lab dir>/credentials.json`. */
export function credentialsPath(labDirectory: string): string {
  return join(labDirectory, 'credentials.json');
}

/**
 * New throwaway passwords for the practice users. These are practice-lab credentials
 * of containers on this computer, written to a 0600 file so that tests and a person
 * trying the password and sudo flows can use them; no real server's secret is ever
 * stored this way.
 */
export function newLabCredentials(): LabCredentials {
  const password = (): string => randomBytes(15).toString('base64url');
  return {
    admin: { user: ADMIN_USER, password: password() },
    nosudo: { user: NOSUDO_USER, password: password() },
  };
}

/** Writes the practice-lab credentials file, mode 0600. */
export function writeLabCredentials(labDirectory: string, credentials: LabCredentials): string {
  const file = credentialsPath(labDirectory);
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** Sets the practice users' passwords in a server's root tree; chpasswd reads them from stdin. */
export async function setLabPasswords(root: string, credentials: LabCredentials): Promise<void> {
  const lines = [credentials.admin, credentials.nosudo]
    .map((entry) => `${entry.user}:${entry.password}\n`)
    .join('');
  await run(['chroot', root, 'chpasswd'], { stdin: lines });
}

/** Reads the practice-lab credentials of the running lab; `undefined` when there are none (or they are unreadable). */
export function readLabCredentials(labDirectory: string): LabCredentials | undefined {
  try {
    const parsed = JSON.parse(readFileSync(credentialsPath(labDirectory), 'utf8')) as Partial<LabCredentials>;
    return parsed.admin?.password && parsed.nosudo?.password ? (parsed as LabCredentials) : undefined;
  } catch {
    return undefined;
  }
}
