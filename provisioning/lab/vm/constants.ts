import { join } from 'node:path';
import { LockstepError } from '../../api/errors';
import { stateDir } from '../../util/paths';
import type { NicRole } from '../constants';

/**
 * Every name and address the VM lab owns. They differ from the container lab's
 * (10.211.0.0/24, lsk-*) so that both labs can run on one computer at once.
 */

/** Debian release of the VM lab's servers. */
export const VM_LAB_RELEASE = 'bookworm';

/** Management network: the host's bridge and address, and the servers' addresses. */
export const VM_MANAGEMENT_SUBNET = '10.212.0.0/24';
export const VM_MANAGEMENT_PREFIX = 24;
export const VM_HOST_ADDRESS = '10.212.0.1';

/** Host bridges. Only the management bridge carries an address (`VM_HOST_ADDRESS`). */
export const VM_MANAGEMENT_BRIDGE = 'lskv-mgmt';
export const VM_BUSINESS_BRIDGE = 'lskv-biz';

/** Name of the pair in the site file the VM lab writes. */
export const VM_LAB_PAIR_NAME = 'vmlab';

/** One VM of the lab pair. */
export interface VmNodeSpec {
  readonly name: 'a' | 'b';
  readonly hostname: string;
  readonly address: string;
  /** Host TAP devices of the NICs that sit on a host bridge. */
  readonly taps: { readonly management: string; readonly business: string };
  /** The guest's NICs by role: MAC (set by the lab) and PCI slot (which sets the guest's name, ens<slot>). */
  readonly nics: Readonly<Record<NicRole, { readonly mac: string; readonly slot: number }>>;
  /** Serial-number stem of the VM's disks (`<stem>-SYS`, `-POOL`, `-DATA`). */
  readonly diskSerial: string;
}

/**
 * The two VMs. Slots differ between them so that NIC names (ens3…ens5) reveal no role,
 * as on real servers; the private link must be found by probing.
 */
export const VM_LAB_NODES: readonly VmNodeSpec[] = [
  {
    name: 'a',
    hostname: 'lockstep-va',
    address: '10.212.0.11',
    taps: { management: 'lskv-a-mgmt', business: 'lskv-a-biz' },
    nics: {
      management: { mac: '52:54:00:d4:0a:01', slot: 3 },
      business: { mac: '52:54:00:d4:0a:02', slot: 4 },
      private: { mac: '52:54:00:d4:0a:03', slot: 5 },
    },
    diskSerial: 'LSKV-A',
  },
  {
    name: 'b',
    hostname: 'lockstep-vb',
    address: '10.212.0.12',
    taps: { management: 'lskv-b-mgmt', business: 'lskv-b-biz' },
    nics: {
      management: { mac: '52:54:00:d4:0b:01', slot: 3 },
      private: { mac: '52:54:00:d4:0b:03', slot: 4 },
      business: { mac: '52:54:00:d4:0b:02', slot: 5 },
    },
    diskSerial: 'LSKV-B',
  },
];

/** The guest's name of a NIC in a PCI slot of QEMU's `pc` machine (systemd's predictable names). */
export function guestNicName(slot: number): string {
  return `ens${slot}`;
}

/**
 * Resources per VM. 4.5 GiB so that the guest's MemTotal (~4.3 GiB) passes
 * `mem.insufficient` (4 GiB) honestly and `apply` needs no override; QEMU allocates guest
 * memory lazily, so each VM stays ~1 GB resident (ENVIRONMENT.md: 24 GiB machines).
 */
export const VM_MEMORY_MIB = 4608;
export const VM_CPUS = 1;

/**
 * Sizes of the blank pool disk and of the data disk that holds a filesystem (probing must
 * see it in use). The pool disk is a sparse qcow2: 12 GiB virtual passes `disk.too-small`
 * (10 GiB) while only what LVM and DRBD write takes space on the host.
 */
export const POOL_DISK_SIZE = '12G';
export const DATA_DISK_SIZE = '1G';
/** Virtual size of the system disk (the base image is sparse; the overlay grows as used). */
export const SYSTEM_DISK_SIZE = '8G';

/**
 * Packages debootstrap puts into the image: a minimal bootable Debian server that
 * `probe` can read. The stack (`VM_STACK_PACKAGES`) is added with apt afterwards.
 */
export const VM_BASE_PACKAGES: readonly string[] = [
  'systemd-sysv',
  'udev',
  'dbus',
  'openssh-server',
  'iproute2',
  'sudo',
  'ethtool',
  'iputils-ping',
  'procps',
  'util-linux',
  'kmod',
  'pciutils',
  'python3',
  'ca-certificates',
  'e2fsprogs',
];

/**
 * Everything Lockstep installs on a server, preinstalled at build time (apt inside a
 * TCG guest takes ~12 min; in a chroot on the host it runs at native speed), so that
 * the installer's package step finds it present. Names checked with apt-cache (bookworm).
 * A unit test holds it to the recipes' package sets (this layer cannot import them).
 */
export const VM_STACK_PACKAGES: readonly string[] = [
  'linux-image-amd64',
  'drbd-utils',
  'lvm2',
  'corosync',
  'pacemaker',
  'pacemaker-cli-utils',
  'resource-agents',
  'psmisc',
  'ifupdown',
  'bridge-utils',
  'qemu-system-x86',
  'qemu-utils',
  'libvirt-daemon-system',
  'libvirt-clients',
  'chrony',
  'fence-agents',
  // GRUB as a server has it: the Xen variant boots through it (grub-boot.ts).
  'grub-pc-bin',
  'grub2-common',
];

/** Bumped when the way the image is built changes (the guest files are hashed as well). */
export const VM_IMAGE_RECIPE_VERSION = 3;

/** Cached images, shared by every VM lab on this computer, rebuilt only when the recipe changes. */
export const VM_IMAGE_CACHE_DIR = '/var/cache/lockstep/vm-lab';

/** One VM lab per computer: its own lock, apart from the container lab's. */
export const VM_LAB_LOCK_DIR = '/run/lock/lockstep-vm-lab.lock';

/** Everything of the VM lab on the admin's computer: key, site file, state, disks, logs. */
export function vmLabDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'vm-lab');
}

/** Looks a VM of the lab up by its short name or hostname. */
export function vmLabNode(name: string): VmNodeSpec {
  const node = VM_LAB_NODES.find((candidate) => candidate.name === name || candidate.hostname === name);
  if (!node) {
    throw new LockstepError({
      code: 'usage',
      message: `There is no VM lab server named ${name}.`,
      remedy: `Use one of: ${VM_LAB_NODES.flatMap((n) => [n.name, n.hostname]).join(', ')}.`,
    });
  }
  return node;
}
