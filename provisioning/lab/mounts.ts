import { readFileSync } from 'node:fs';
import { LockstepError } from '../api/errors';
import { run } from './run';

/** One line of /proc/mounts. */
export interface MountEntry {
  readonly source: string;
  readonly target: string;
  readonly type: string;
  readonly options: string;
}

/** /proc/mounts escapes space, tab, newline and backslash as octal. */
function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The host's mount table as this process sees it. */
export function readMounts(path = '/proc/mounts'): MountEntry[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [source = '', target = '', type = '', options = ''] = line.split(' ');
      return {
        source: unescapeMount(source),
        target: unescapeMount(target),
        type,
        options: unescapeMount(options),
      };
    });
}

/** Mount points at or below `dir`, deepest first (the order to unmount them in). */
export function mountsUnder(dir: string, mounts: readonly MountEntry[] = readMounts()): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return mounts
    .map((mount) => mount.target)
    .filter((target) => target === dir || target.startsWith(prefix))
    .sort((left, right) => right.length - left.length);
}

/**
 * Unmounts everything at or below `dir`, retrying a busy mount and finally detaching
 * it lazily, so that a crashed build or container never leaves a mount behind.
 */
export async function unmountTree(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const targets = mountsUnder(dir);
    if (targets.length === 0) return;
    for (const target of targets) {
      const lazy = attempt >= 3 ? ['-l'] : [];
      await run(['umount', ...lazy, target], { allowFailure: true });
    }
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const left = mountsUnder(dir);
  if (left.length > 0) {
    throw new LockstepError({
      code: 'lab.failed',
      message: `Could not unmount ${left.join(', ')}.`,
      remedy:
        'Find what keeps it busy (`fuser -vm <mount point>`), stop it, then run `lockstep lab down` again.',
    });
  }
}
