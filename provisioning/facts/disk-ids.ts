import type { Fact } from './types';

/**
 * Stable names of block devices (/dev/disk/by-id, made by udev): kernel name → by-id
 * paths. A site file names disks by these, since `sdb` can become `sdc` after a reboot.
 */
export const diskIdsFact: Fact<Map<string, string[]>> = {
  id: 'disk-ids',
  command:
    "test -d /dev/disk/by-id || exit 0; find /dev/disk/by-id -mindepth 1 -maxdepth 1 -type l -printf '%f\\t%l\\n'",
  parse(stdout) {
    const byKernelName = new Map<string, string[]>();
    for (const line of stdout.split('\n')) {
      const [link, target] = line.split('\t');
      if (!link || !target) continue;
      const kernelName = target.slice(target.lastIndexOf('/') + 1);
      byKernelName.set(
        kernelName,
        [...(byKernelName.get(kernelName) ?? []), `/dev/disk/by-id/${link}`].sort(),
      );
    }
    return byKernelName;
  },
};
