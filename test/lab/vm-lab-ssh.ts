import type { VmLabInfo } from '../../provisioning/lab/vm/types';
import { runProcess } from '../helpers/lab';

/**
 * OpenSSH to a VM-lab server as root, trusting only the host keys `lab up` pinned: the
 * tests' own view of the servers, independent of Lockstep's SSH code.
 */
export function vmLabSsh(
  info: Pick<VmLabInfo, 'knownHostsPath' | 'identityFile'>,
  address: string,
  command: string,
  options: { timeoutMs?: number; stdin?: string } = {},
) {
  return runProcess(
    'ssh',
    ['-F', '/dev/null', '-o', `UserKnownHostsFile=${info.knownHostsPath}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=60', '-o', 'LogLevel=ERROR', '-i', info.identityFile, `root@${address}`, command],
    { timeoutMs: options.timeoutMs ?? 120_000, ...(options.stdin !== undefined && { stdin: options.stdin }) },
  );
}
