import type { ResolvedSite } from '../api/site';

/**
 * The Debian packages each profile needs, in one place: the package step installs them
 * and `lockstep bundle build` gathers their closure. Pacemaker is driven with its own
 * low-level tools (`crm_attribute`, `cibadmin`, `crm_mon` from pacemaker-cli-utils):
 * pcs would add pcsd (Ruby, a web service on port 2224) and crmsh a Python shell, and
 * neither is needed to write a CIB.
 */

/** A package that may be named differently across releases: the first name the server's apt knows wins. */
export type PackageChoice = string | readonly string[];

/** Everything a cluster node runs, whatever the hypervisor. */
export const CLUSTER_PACKAGES: readonly PackageChoice[] = [
  'corosync',
  'pacemaker',
  'pacemaker-cli-utils',
  'resource-agents',
  // The Filesystem and other resource agents stop users of a mount with `fuser` (psmisc).
  'psmisc',
  'lvm2',
  'drbd-utils',
  'chrony',
  // ifupdown persists bridges and the private link (see recipes/network); bridge-utils gives it `bridge_ports`.
  'ifupdown',
  'bridge-utils',
];

export const KVM_PACKAGES: readonly PackageChoice[] = ['qemu-system-x86', 'qemu-utils', 'libvirt-daemon-system', 'libvirt-clients'];

export const XEN_PACKAGES: readonly PackageChoice[] = ['xen-system-amd64', 'xen-utils-common'];

/** Trixie splits fence-agents per agent; bookworm ships them all in one package. */
export const IPMI_FENCE_PACKAGE: PackageChoice = ['fence-agents-ipmilan', 'fence-agents'];

/**
 * What IPMI fencing runs: the agent, and ipmitool, which fence_ipmilan executes for
 * every action but bookworm's fence-agents does not depend on (without it the agent
 * fails "Ipmitool not found" and the stonith devices never start).
 */
export const IPMI_FENCE_PACKAGES: readonly PackageChoice[] = [IPMI_FENCE_PACKAGE, 'ipmitool'];

export const QDEVICE_PACKAGE = 'corosync-qdevice';
export const QNETD_PACKAGE = 'corosync-qnetd';

/** The packages a node of this site needs. */
export function nodePackages(site: Pick<ResolvedSite, 'hypervisor' | 'quorum' | 'fencing'>): PackageChoice[] {
  return [
    ...(site.hypervisor === 'kvm' ? KVM_PACKAGES : XEN_PACKAGES),
    ...CLUSTER_PACKAGES,
    ...(site.quorum === 'two_node' ? [] : [QDEVICE_PACKAGE]),
    ...(site.fencing.mode === 'ipmi' ? IPMI_FENCE_PACKAGES : []),
  ];
}

/** Everything any site may need (the offline bundle carries all of it, witness included). */
export function allPackages(): PackageChoice[] {
  return [...KVM_PACKAGES, ...XEN_PACKAGES, ...CLUSTER_PACKAGES, QDEVICE_PACKAGE, QNETD_PACKAGE, ...IPMI_FENCE_PACKAGES];
}

/** The first alternative the given set of known package names contains (else the first one). */
export function choosePackage(choice: PackageChoice, known: ReadonlySet<string>): string {
  if (typeof choice === 'string') return choice;
  return choice.find((name) => known.has(name)) ?? choice[0] ?? '';
}

/** All names of a list of choices (for asking apt which exist). */
export function choiceNames(choices: readonly PackageChoice[]): string[] {
  return choices.flatMap((choice) => (typeof choice === 'string' ? [choice] : [...choice]));
}
