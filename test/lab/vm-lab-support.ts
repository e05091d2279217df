import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VmLabInfo } from '../../provisioning/lab/vm/types';
import { labUnsupportedReason, runProcess } from '../helpers/lab';

/** Why the VM-lab tests cannot run on this machine (undefined: they can). */
export function vmLabSkipReason(): string | undefined {
  return labUnsupportedReason() ?? (existsSync('/usr/bin/qemu-system-x86_64') ? undefined : 'qemu-system-x86 is not installed');
}

/**
 * The state dir a VM-lab test works in: `LOCKSTEP_STATE_DIR` when set (a lab already up
 * there is reused and left up), else a temporary one of its own (`own`, removed after).
 */
export function vmLabStateDir(prefix: string): { readonly own: string | null; readonly env: NodeJS.ProcessEnv } {
  const own = process.env.LOCKSTEP_STATE_DIR ? null : mkdtempSync(join(tmpdir(), prefix));
  return { own, env: { ...process.env, LOCKSTEP_STATE_DIR: process.env.LOCKSTEP_STATE_DIR ?? own ?? '' } };
}

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
