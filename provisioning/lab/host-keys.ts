import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Fingerprint } from '../ssh/fingerprint';
import { run } from './run';

/** Key types every lab server offers, as real Debian servers do. */
export const HOST_KEY_TYPES = ['ed25519', 'ecdsa', 'rsa'] as const;
export type HostKeyType = (typeof HOST_KEY_TYPES)[number];

/** A server's public host key as found in `/etc/ssh/ssh_host_<type>_key.pub`. */
export interface HostPublicKey {
  readonly type: HostKeyType;
  /** The algorithm as OpenSSH writes it (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`). */
  readonly algorithm: string;
  readonly base64: string;
  readonly fingerprint: string;
}

/**
 * Generates a server's host keys into its root tree (`<root>/etc/ssh`) from the host,
 * so that the lab knows each key without ever having to trust one it saw on the wire.
 */
export async function generateHostKeys(root: string, hostname: string): Promise<void> {
  for (const type of HOST_KEY_TYPES) {
    const file = join(root, 'etc/ssh', `ssh_host_${type}_key`);
    rmSync(file, { force: true });
    rmSync(`${file}.pub`, { force: true });
    await run(['ssh-keygen', '-q', '-t', type, '-N', '', '-C', `root@${hostname}`, '-f', file]);
  }
}

/** Reads a server's public host keys from its root tree. */
export function readHostKeys(root: string): HostPublicKey[] {
  return HOST_KEY_TYPES.map((type) => {
    const text = readFileSync(join(root, 'etc/ssh', `ssh_host_${type}_key.pub`), 'utf8').trim();
    const [algorithm = '', base64 = ''] = text.split(/\s+/);
    return { type, algorithm, base64, fingerprint: sha256Fingerprint(Buffer.from(base64, 'base64')) };
  });
}
