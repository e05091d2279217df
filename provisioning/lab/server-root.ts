import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabMachineSpec } from './constants';
import { setLabPasswords } from './credentials';
import { generateHostKeys } from './host-keys';
import type { LabCredentials } from './types';

/**
 * Makes a freshly mounted overlay into one particular server before it boots: its
 * identity (hostname, machine-id, host keys), root's authorized key and the practice
 * users' passwords. All writes land in the server's own upper layer.
 */
export async function personaliseServerRoot(
  root: string,
  node: LabMachineSpec,
  rootPublicKey: string,
  credentials: LabCredentials,
): Promise<void> {
  writeFileSync(join(root, 'etc/hostname'), `${node.hostname}\n`);
  writeFileSync(
    join(root, 'etc/hosts'),
    `127.0.0.1\tlocalhost\n127.0.1.1\t${node.hostname}\n\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n`,
  );
  writeFileSync(join(root, 'etc/machine-id'), `${randomBytes(16).toString('hex')}\n`, { mode: 0o444 });
  await generateHostKeys(root, node.hostname);
  const sshDir = join(root, 'root/.ssh');
  mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  chmodSync(sshDir, 0o700);
  writeFileSync(join(sshDir, 'authorized_keys'), `${rootPublicKey}\n`, { mode: 0o600 });
  await setLabPasswords(root, credentials);
}
