import type { PackageInfo } from '../api/inventory';
import { command } from '../util/shell';
import type { Fact } from './types';

/**
 * The packages the checks care about: the stack Lockstep installs, and what conflicts
 * with it (another hypervisor, an existing cluster). Globs are dpkg-query patterns.
 */
export const RELEVANT_PACKAGES: readonly string[] = [
  'qemu-system-x86',
  'qemu-utils',
  'libvirt-daemon-system',
  'libvirt-clients',
  'xen-hypervisor-*',
  'xen-utils-common',
  'drbd-utils',
  'corosync',
  'pacemaker',
  'pcs',
  'crmsh',
  'corosync-qnetd',
  'corosync-qdevice',
  'fence-agents',
  'fence-agents-ipmilan',
  'ipmitool',
  'lvm2',
  'mdadm',
  'chrony',
  'systemd-timesyncd',
  'ntp',
  'ntpsec',
  'openssh-server',
  'sudo',
  'bridge-utils',
  'ifupdown',
  'ifupdown2',
  'network-manager',
  'netplan.io',
  'proxmox-ve',
  'pve-manager',
  'virtualbox',
  'virtualbox-dkms',
  'vmware-workstation',
];

/** Installed versions of `RELEVANT_PACKAGES` (`pkg.conflict`, the plan's "already done"). */
export const packagesFact: Fact<PackageInfo[]> = {
  id: 'packages',
  command: command(
    'dpkg-query',
    '-W',
    '-f=${Package}\t${Version}\t${db:Status-Abbrev}\n',
    ...RELEVANT_PACKAGES,
  ),
  // 1: some patterns matched no package, which is the normal case.
  acceptExitCodes: [0, 1],
  parse(stdout) {
    const packages: PackageInfo[] = [];
    for (const line of stdout.split('\n')) {
      if (line.trim() === '') continue;
      const [name, version, status] = line.split('\t');
      if (!name) continue;
      const abbrev = (status ?? '').trim();
      packages.push({
        name,
        version: version ? version : null,
        status: abbrev,
        // Second letter of the abbreviation is the current state: i = installed.
        installed: abbrev[1] === 'i',
      });
    }
    return packages;
  },
};
