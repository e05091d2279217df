import type { Fact } from './types';

/**
 * LVM physical volumes and their volume groups (`pvs`): device path → VG name. lsblk
 * shows a PV's VG only through its logical volumes, so the pair's own pool, an empty VG
 * right after install, would otherwise look like a disk holding someone else's data.
 * `pvs` needs root: a login user that is not root tries `sudo -n` and, refused, reports
 * nothing (the disk then stays "in use" — never the unsafe way round).
 */
export const physicalVolumesFact: Fact<Map<string, string>> = {
  id: 'physical-volumes',
  command:
    "command -v pvs >/dev/null 2>&1 || exit 0; if [ \"$(id -u)\" = 0 ]; then pvs --noheadings --separator '\t' -o pv_name,vg_name 2>/dev/null; else sudo -n pvs --noheadings --separator '\t' -o pv_name,vg_name 2>/dev/null; fi; exit 0",
  parse(stdout) {
    const volumes = new Map<string, string>();
    for (const line of stdout.split('\n')) {
      const [device, group] = line.trim().split('\t');
      if (device && group) volumes.set(device, group);
    }
    return volumes;
  },
};
