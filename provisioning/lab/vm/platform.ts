import { existsSync } from 'node:fs';
import { LockstepError } from '../../api/errors';
import { onPath } from '../platform';

/** Host tools the VM lab drives, with the Debian package that brings each. */
const VM_LAB_TOOLS: readonly (readonly [tool: string, pkg: string])[] = [
  ['debootstrap', 'debootstrap'],
  ['qemu-system-x86_64', 'qemu-system-x86'],
  ['qemu-img', 'qemu-utils'],
  ['mkfs.ext4', 'e2fsprogs'],
  ['ip', 'iproute2'],
  ['ssh-keygen', 'openssh-client'],
];

/**
 * The VM lab builds bridges, TAP devices and an image, and runs QEMU: it needs Linux,
 * root, the tools above and /dev/net/tun. Anywhere else it stops with `lab.unsupported`.
 */
export function assertVmLabSupported(
  platform: NodeJS.Platform = process.platform,
  uid: number | undefined = process.getuid?.(),
  toolPresent: (tool: string) => boolean = onPath,
  tunPresent: () => boolean = () => existsSync('/dev/net/tun'),
): void {
  if (platform !== 'linux') {
    throw new LockstepError({
      code: 'lab.unsupported',
      message: `The VM lab runs its two servers as QEMU VMs on Linux; this computer runs ${platform}.`,
      remedy: 'Run `lockstep lab up --kind vm` as root on a Linux machine (Debian 12 or similar).',
    });
  }
  if (uid !== 0) {
    throw new LockstepError({
      code: 'lab.unsupported',
      message: 'The VM lab needs root: it creates bridges and TAP devices and builds a disk image.',
      remedy: 'Run it as root, e.g. `sudo lockstep lab up --kind vm`.',
    });
  }
  const missing = VM_LAB_TOOLS.filter(([tool]) => !toolPresent(tool));
  if (missing.length > 0) {
    throw new LockstepError({
      code: 'lab.unsupported',
      message: `The VM lab needs ${missing.map(([tool]) => tool).join(', ')}, which this computer lacks.`,
      remedy: `Install them: apt-get install ${[...new Set(missing.map(([, pkg]) => pkg))].join(' ')}`,
    });
  }
  if (!tunPresent()) {
    throw new LockstepError({
      code: 'lab.unsupported',
      message: 'The VM lab needs /dev/net/tun for the VMs’ network cards; this computer has none.',
      remedy: 'Load the tun driver (`modprobe tun`) and retry.',
    });
  }
}
