import { LAB_SSH_PORT, labNode } from './constants';
import { labExec } from './exec';
import { sha256Fingerprint } from '../ssh/fingerprint';
import { readSshBanner } from './processes';

/**
 * Gives a running lab server new host keys (all types) and restarts its sshd, as a
 * reinstalled or impersonated server would look. Lockstep's pins are left as they were,
 * so the next connection meets a changed key. Returns the new ed25519 fingerprint.
 */
export async function rekeyServer(nodeName: string): Promise<string> {
  const node = labNode(nodeName);
  await labExec(nodeName, [
    'sh',
    '-c',
    'rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub && ssh-keygen -A >/dev/null && systemctl restart ssh',
  ]);
  const pub = await labExec(nodeName, ['cat', '/etc/ssh/ssh_host_ed25519_key.pub']);
  const base64 = pub.stdout.trim().split(/\s+/)[1] ?? '';
  const deadline = Date.now() + 20_000;
  while (!(await readSshBanner(node.address, LAB_SSH_PORT, 1000)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return sha256Fingerprint(Buffer.from(base64, 'base64'));
}
