import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LockstepError } from '../api/errors';
import type { LabMachineSpec } from './constants';
import { mountsUnder, unmountTree } from './mounts';
import { run } from './run';

/** The directories of one server's overlay in the lab dir. */
export interface ServerDirs {
  readonly base: string;
  readonly upper: string;
  readonly work: string;
  /** The merged tree the container boots from. */
  readonly root: string;
}

/** Where a server's writable layer and merged root live. */
export function serverDirs(labDirectory: string, node: Pick<LabMachineSpec, 'hostname'>): ServerDirs {
  const base = join(labDirectory, 'servers', node.hostname);
  return { base, upper: join(base, 'upper'), work: join(base, 'work'), root: join(base, 'root') };
}

/**
 * Mounts a fresh overlay for a server: the shared cached root below, an empty writable
 * layer above. Every `lab up` starts from an empty layer, so every server starts new.
 */
export async function mountFreshOverlay(lower: string, dirs: ServerDirs): Promise<void> {
  await removeOverlay(dirs);
  for (const dir of [dirs.upper, dirs.work, dirs.root]) mkdirSync(dir, { recursive: true, mode: 0o755 });
  await run([
    'mount',
    '-t',
    'overlay',
    'overlay',
    '-o',
    `lowerdir=${lower},upperdir=${dirs.upper},workdir=${dirs.work}`,
    dirs.root,
  ]);
}

/** Unmounts a server's overlay (if mounted) and deletes its writable layer. */
export async function removeOverlay(dirs: ServerDirs): Promise<void> {
  await unmountTree(dirs.root);
  if (mountsUnder(dirs.base).length > 0) {
    throw new LockstepError({
      code: 'lab.failed',
      message: `${dirs.base} is still mounted; refusing to delete it.`,
      remedy: 'Stop whatever uses it, then run `lockstep lab down` again.',
    });
  }
  rmSync(dirs.base, { recursive: true, force: true });
}
