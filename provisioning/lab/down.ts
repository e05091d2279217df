import { rmSync } from 'node:fs';
import { LockstepError } from '../api/errors';
import { LAB_MACHINES, labDir } from './constants';
import { credentialsPath } from './credentials';
import { unmountTree } from './mounts';
import { destroyNetwork } from './network';
import { removeOverlay, serverDirs } from './overlay';
import { releaseLease } from './leases';
import { withLabLock } from './lock';
import { assertLabSupported } from './platform';
import { findLabNspawns, isLabNspawn, netnsPids, stopProcesses } from './processes';
import { readLabState, removeLabState } from './state';
import { labLeftovers, labOverlayMounts } from './status';
import type { ProgressReporter } from './types';

/** What `lab down` found and removed. */
export interface LabDownResult {
  /** Everything of the lab that existed before (empty: it was already down). */
  readonly removed: readonly string[];
  /** Other holders of a lease (test runs) that kept the lab up: nothing was removed. */
  readonly keptFor?: readonly number[];
}

/** Options of `labDown`. */
export interface LabDownOptions {
  readonly labDirectory?: string;
  readonly onProgress?: ProgressReporter;
  /** Release this holder's lease, and take the lab down only if no other live holder remains. */
  readonly releaseLease?: number;
}

/**
 * Takes the lab down completely, whatever state it is in (running, half built by a
 * crashed `up`, or already down), the witness included: stops the containers (SIGTERM, then SIGKILL after a
 * grace period), unmounts the overlays, deletes namespaces, veths and bridges, and the
 * servers' writable layers. The cached root, the lab key and the logs stay.
 */
export async function labDown(options: LabDownOptions = {}): Promise<LabDownResult> {
  assertLabSupported();
  const labDirectory = options.labDirectory ?? labDir();
  return withLabLock(
    async () => {
      if (options.releaseLease !== undefined) {
        const others = releaseLease(labDirectory, options.releaseLease);
        if (others.length > 0) {
          options.onProgress?.(`The lab stays up: still leased by pid ${others.join(', ')}.`);
          return { removed: [], keptFor: others };
        }
      }
      return takeDown({ ...options, labDirectory });
    },
    {
      onWait: (pid) => options.onProgress?.(`Waiting for another lab command (pid ${pid}) to finish…`),
    },
  );
}

/** `labDown` without taking the lab lock: for `labUp`, which already holds it. */
export async function takeDown(
  options: { labDirectory?: string; onProgress?: ProgressReporter } = {},
): Promise<LabDownResult> {
  const labDirectory = options.labDirectory ?? labDir();
  const say = options.onProgress ?? (() => undefined);
  const state = readLabState(labDirectory);
  const removed = labLeftovers();

  const nspawns = new Set<number>();
  for (const machine of LAB_MACHINES) {
    for (const pid of findLabNspawns(machine)) nspawns.add(pid);
    const recorded =
      machine.name === 'w'
        ? state?.witness?.pid
        : state?.nodes.find((entry) => entry.name === machine.name)?.pid;
    if (recorded !== undefined && isLabNspawn(recorded, machine)) nspawns.add(recorded);
  }
  if (nspawns.size > 0) {
    say(`Stopping ${nspawns.size} lab container(s)…`);
    await stopProcesses([...nspawns]);
  }
  for (const machine of LAB_MACHINES) {
    const stragglers = await netnsPids(machine.netns);
    if (stragglers.length > 0) await stopProcesses(stragglers, 2_000);
  }

  for (const machine of LAB_MACHINES) await removeOverlay(serverDirs(labDirectory, machine));
  for (const target of labOverlayMounts()) await unmountTree(target);
  for (const machine of LAB_MACHINES)
    rmSync(`/run/systemd/nspawn/propagate/${machine.hostname}`, { recursive: true, force: true });

  await destroyNetwork();
  removeLabState(labDirectory);
  rmSync(credentialsPath(labDirectory), { force: true });

  const left = labLeftovers();
  if (left.length > 0) {
    throw new LockstepError({
      code: 'lab.failed',
      message: `The lab could not be removed completely; still present: ${left.join(', ')}.`,
      remedy:
        'Run `lockstep lab down` again; if it persists, remove these by hand (ip netns del, ip link del, umount).',
    });
  }
  return { removed };
}
