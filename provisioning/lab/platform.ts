import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { LockstepError } from '../api/errors';
import { LAB_PATH } from './run';

/** Host tools the lab drives, with the Debian package that brings each. */
const REQUIRED_TOOLS: readonly (readonly [tool: string, pkg: string])[] = [
  ['debootstrap', 'debootstrap'],
  ['systemd-nspawn', 'systemd-container'],
  ['ip', 'iproute2'],
  ['nsenter', 'util-linux'],
  ['mount', 'mount'],
  ['ssh-keygen', 'openssh-client'],
];

/** Whether a tool is on the lab's PATH (the VM lab checks its own tools with it). */
export function onPath(tool: string): boolean {
  return LAB_PATH.split(':').some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The lab builds namespaces, bridges, overlay mounts and containers: it needs Linux,
 * root and a few Debian tools. Anywhere else it stops with `lab.unsupported`, saying
 * why and what to do instead.
 */
export function assertLabSupported(
  platform: NodeJS.Platform = process.platform,
  uid: number | undefined = process.getuid?.(),
  toolPresent: (tool: string) => boolean = onPath,
): void {
  if (platform !== 'linux') {
    throw new LockstepError({
      code: 'lab.unsupported',
      message: `The practice lab runs its two servers as Linux containers; this computer runs ${platform}.`,
      remedy:
        'Run `lockstep lab up` as root on a Linux machine (Debian 12 or similar), or point Lockstep at two real or virtual Debian servers with a site file.',
    });
  }
  if (uid !== 0) {
    throw new LockstepError({
      code: 'lab.unsupported',
      message:
        'The practice lab needs root: it creates network namespaces, bridges, overlay mounts and systemd-nspawn containers.',
      remedy: 'Run it as root, e.g. `sudo lockstep lab up`.',
    });
  }
  const missing = REQUIRED_TOOLS.filter(([tool]) => !toolPresent(tool));
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))];
    throw new LockstepError({
      code: 'lab.unsupported',
      message: `The practice lab needs ${missing.map(([tool]) => tool).join(', ')}, which this computer lacks.`,
      remedy: `Install them: apt-get install ${packages.join(' ')}`,
    });
  }
}
