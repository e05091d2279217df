import { rmSync } from 'node:fs';
import { LockstepError } from '../../api/errors';
import { withLabLock } from '../lock';
import { stopProcesses } from '../processes';
import type { ProgressReporter } from '../types';
import { VM_LAB_LOCK_DIR, VM_LAB_NODES, vmLabDir } from './constants';
import { destroyVmNetwork } from './network';
import { assertVmLabSupported } from './platform';
import { VM_RUN_DIR, findLabQemus, isLabQemu, vmFiles } from './qemu';
import { readVmLabState, removeVmLabState, vmLabLeftovers } from './status';

/** What `lab down --kind vm` found and removed. */
export interface VmLabDownResult {
  readonly removed: readonly string[];
}

/**
 * Takes the VM lab down completely, whatever state it is in: stops the QEMU processes
 * (SIGTERM, then SIGKILL), deletes TAPs and bridges, the VMs' disks and seeds and the
 * socket directory. The cached image, the lab key and the console logs stay.
 */
export async function vmLabDown(
  options: { labDirectory?: string; onProgress?: ProgressReporter } = {},
): Promise<VmLabDownResult> {
  assertVmLabSupported();
  return withLabLock(() => takeVmLabDown(options), {
    lockDir: VM_LAB_LOCK_DIR,
    onWait: (pid) => options.onProgress?.(`Waiting for another VM lab command (pid ${pid}) to finish…`),
  });
}

/** `vmLabDown` without the lock, for `lab up`, which holds it already. */
export async function takeVmLabDown(
  options: { labDirectory?: string; onProgress?: ProgressReporter } = {},
): Promise<VmLabDownResult> {
  const labDirectory = options.labDirectory ?? vmLabDir();
  const say = options.onProgress ?? (() => undefined);
  const state = readVmLabState(labDirectory);
  const removed = vmLabLeftovers(labDirectory);

  const pids = new Set<number>();
  for (const node of VM_LAB_NODES) {
    for (const pid of findLabQemus(node)) pids.add(pid);
    const recorded = state?.nodes.find((entry) => entry.name === node.name)?.pid;
    if (recorded !== undefined && isLabQemu(recorded, node)) pids.add(recorded);
  }
  if (pids.size > 0) {
    say(`Stopping ${pids.size} VM(s)…`);
    // The disks are thrown away: no guest shutdown to wait for.
    await stopProcesses([...pids], 5_000);
  }
  await destroyVmNetwork();
  for (const node of VM_LAB_NODES) {
    // Disks, seed and host keys: all of the VM's own; the console logs stay (they are elsewhere).
    rmSync(vmFiles(labDirectory, node).dir, { recursive: true, force: true });
  }
  rmSync(VM_RUN_DIR, { recursive: true, force: true });
  removeVmLabState(labDirectory);

  const left = vmLabLeftovers(labDirectory);
  if (left.length > 0) {
    throw new LockstepError({
      code: 'lab.failed',
      message: `The VM lab could not be removed completely; still present: ${left.join(', ')}.`,
      remedy:
        'Run `lockstep lab down --kind vm` again; if it persists, remove these by hand (kill, ip link del, rm).',
    });
  }
  return { removed };
}
