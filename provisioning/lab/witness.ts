import { existsSync, rmSync } from 'node:fs';
import { LockstepError } from '../api/errors';
import { LAB_SSH_PORT, LAB_WITNESS, labDir } from './constants';
import { readLabCredentials } from './credentials';
import { ensureIdentity } from './identity';
import { withLabLock } from './lock';
import { createWitnessNetwork, destroyWitnessNetwork } from './network';
import { mountFreshOverlay, removeOverlay, serverDirs } from './overlay';
import { assertLabSupported } from './platform';
import {
  findLabNspawns,
  isLabNspawn,
  netnsPids,
  startContainer,
  stopProcesses,
  waitForSsh,
} from './processes';
import { personaliseServerRoot } from './server-root';
import { consoleLogPath, readLabState, writeLabState } from './state';
import { witnessLeftovers, witnessStatus } from './status';
import type { LabInfo, LabWitnessInfo, ProgressReporter } from './types';

/**
 * The lab's optional third machine, the quorum witness: a container like the servers
 * (same cached root, same overlay technique, same root key, host key pinned), plugged
 * into the management network only. It joins a running lab and leaves it without
 * touching the pair, so that tests which expect exactly two servers never see it.
 */

/** The witness as `lab up --json` reports it. */
export function witnessInfo(): LabWitnessInfo {
  return {
    name: LAB_WITNESS.name,
    hostname: LAB_WITNESS.hostname,
    address: LAB_WITNESS.address,
    port: LAB_SSH_PORT,
    netns: LAB_WITNESS.netns,
    nics: { ...LAB_WITNESS.nics },
  };
}

function labNotUp(): LockstepError {
  return new LockstepError({
    code: 'lab.failed',
    message: 'The witness joins a running lab, and the lab is not up.',
    remedy: 'Start both with `lockstep lab up --witness`.',
  });
}

/**
 * Boots the witness next to a running pair (the caller holds the lab lock and brought
 * the pair up). Idempotent: a running witness that answers SSH is kept; a half-built
 * one is removed and built again. Returns the lab's info with the witness in it.
 */
export async function bringUpWitness(
  labDirectory: string,
  pin: () => void,
  say: ProgressReporter,
): Promise<{ info: LabInfo; reused: boolean }> {
  const state = readLabState(labDirectory);
  if (!state) throw labNotUp();
  const current = await witnessStatus();
  if (current?.running && current.sshReady && state.witness && state.info.witness) {
    pin();
    say('The witness is already up and answers SSH.');
    return { info: state.info, reused: true };
  }
  if (current) {
    say(
      `Found a half-built witness (${witnessLeftovers().join(', ') || 'stale state'}); cleaning it up first…`,
    );
    await takeDownWitness(labDirectory);
  }
  const credentials = readLabCredentials(labDirectory);
  if (!credentials || !existsSync(state.rootCache)) {
    throw new LockstepError({
      code: 'lab.failed',
      message: `The running lab lacks ${credentials ? `its cached root (${state.rootCache})` : 'its credentials file'}, which the witness is built from.`,
      remedy: 'Rebuild the lab: `lockstep lab down`, then `lockstep lab up --witness`.',
    });
  }
  const dirs = serverDirs(labDirectory, LAB_WITNESS);
  const log = consoleLogPath(labDirectory, LAB_WITNESS.hostname);
  try {
    say(`Plugging the witness ${LAB_WITNESS.hostname} into the management network (${LAB_WITNESS.address})…`);
    await createWitnessNetwork();
    await mountFreshOverlay(state.rootCache, dirs);
    await personaliseServerRoot(dirs.root, LAB_WITNESS, await ensureIdentity(labDirectory), credentials);
    say('Booting the witness…');
    const pid = startContainer(LAB_WITNESS, dirs.root, log);
    const info: LabInfo = { ...state.info, witness: witnessInfo() };
    writeLabState(labDirectory, { ...state, witness: { pid }, info });
    await waitForSsh(LAB_WITNESS, LAB_SSH_PORT, pid, log);
    pin();
    return { info, reused: false };
  } catch (error) {
    say('Building the witness failed; removing it (its console log stays in the lab dir).');
    await takeDownWitness(labDirectory).catch(() => undefined);
    throw error;
  }
}

/** What `lab witness down` found and removed. */
export interface WitnessDownResult {
  /** Everything of the witness that existed before (empty: it was already down). */
  readonly removed: readonly string[];
}

/**
 * `lab witness down`: removes the witness (container, overlay, namespace, veth) and
 * leaves the pair running. `lab down` removes it too, with everything else.
 */
export async function labWitnessDown(
  options: { labDirectory?: string; onProgress?: ProgressReporter } = {},
): Promise<WitnessDownResult> {
  assertLabSupported();
  const labDirectory = options.labDirectory ?? labDir();
  return withLabLock(() => takeDownWitness(labDirectory, options.onProgress), {
    onWait: (pid) => options.onProgress?.(`Waiting for another lab command (pid ${pid}) to finish…`),
  });
}

/** `labWitnessDown` without the lock (for callers that hold it). */
export async function takeDownWitness(
  labDirectory: string,
  say: ProgressReporter = () => undefined,
): Promise<WitnessDownResult> {
  const removed = witnessLeftovers();
  const state = readLabState(labDirectory);
  const pids = new Set(findLabNspawns(LAB_WITNESS));
  const recorded = state?.witness?.pid;
  if (recorded !== undefined && isLabNspawn(recorded, LAB_WITNESS)) pids.add(recorded);
  if (pids.size > 0) {
    say(`Stopping the witness ${LAB_WITNESS.hostname}…`);
    await stopProcesses([...pids]);
  }
  const stragglers = await netnsPids(LAB_WITNESS.netns);
  if (stragglers.length > 0) await stopProcesses(stragglers, 2_000);
  await removeOverlay(serverDirs(labDirectory, LAB_WITNESS));
  rmSync(`/run/systemd/nspawn/propagate/${LAB_WITNESS.hostname}`, { recursive: true, force: true });
  await destroyWitnessNetwork();
  if (state && (state.witness || state.info.witness)) {
    const { witness: _pid, ...rest } = state;
    const { witness: _info, ...info } = state.info;
    writeLabState(labDirectory, { ...rest, info });
  }
  const left = witnessLeftovers();
  if (left.length > 0) {
    throw new LockstepError({
      code: 'lab.failed',
      message: `The witness could not be removed completely; still present: ${left.join(', ')}.`,
      remedy:
        'Run `lockstep lab witness down` again; if it persists, `lockstep lab down` removes the whole lab.',
    });
  }
  return { removed };
}
