import { join } from 'node:path';
import { LockstepError } from '../api/errors';
import { stateDir } from '../util/paths';

/**
 * Every name and address the practice lab owns, in one place: `lab up` builds them,
 * `lab down` removes exactly them, and fault-injection code finds its targets here.
 */

/** Debian release of the lab's servers. */
export const LAB_RELEASE = 'bookworm';

/** Management network: the admin's side of the lab (the host) and the servers. */
export const MANAGEMENT_SUBNET = '10.211.0.0/24';
export const MANAGEMENT_PREFIX = 24;
export const HOST_ADDRESS = '10.211.0.1';

/** Host bridges. Only `MANAGEMENT_BRIDGE` carries an address (`HOST_ADDRESS`). */
export const MANAGEMENT_BRIDGE = 'lsk-mgmt';
export const BUSINESS_BRIDGE = 'lsk-biz';

/** The role a NIC plays; inside the servers the names never reveal it. */
export type NicRole = 'management' | 'private' | 'business';

/** One server of the lab pair. */
export interface LabNodeSpec extends LabMachineSpec {
  /** Short id used in commands (`labExec('a', …)`) and on host-side names. */
  readonly name: 'a' | 'b';
  readonly hostname: string;
  readonly address: string;
  /** Network namespace, also the container's `--network-namespace-path`. */
  readonly netns: string;
  /** Interface names inside the server, by role: a different order on each server. */
  readonly nics: Readonly<Record<NicRole, string>>;
  /** Host-side ends of the server's veth pairs (the private cable has none). */
  readonly hostVeths: { readonly management: string; readonly business: string };
}

export const LAB_NODES: readonly LabNodeSpec[] = [
  {
    name: 'a',
    hostname: 'lockstep-a',
    address: '10.211.0.11',
    netns: 'lsk-a',
    nics: { management: 'enp1s0', business: 'enp2s0', private: 'enp3s0' },
    hostVeths: { management: 'lsk-a-mgmt', business: 'lsk-a-biz' },
  },
  {
    name: 'b',
    hostname: 'lockstep-b',
    address: '10.211.0.12',
    netns: 'lsk-b',
    nics: { management: 'enp1s0', private: 'enp2s0', business: 'enp3s0' },
    hostVeths: { management: 'lsk-b-mgmt', business: 'lsk-b-biz' },
  },
];

/**
 * What every machine of the lab has, servers and witness alike: what the container,
 * its overlay, its namespace and `labExec` need.
 */
export interface LabMachineSpec {
  /** Short id used in commands (`labExec('w', …)`). */
  readonly name: string;
  readonly hostname: string;
  readonly address: string;
  readonly netns: string;
}

/**
 * The optional third machine: a quorum witness (corosync-qnetd) with a management NIC
 * only, as a small box or VM next to a real pair would be. Not part of `lab up` by
 * default: `lab up --witness` or `lab witness up` adds it, `lab witness down` removes it.
 */
export interface LabWitnessSpec extends LabMachineSpec {
  readonly name: 'w';
  readonly nics: { readonly management: string };
  readonly hostVeths: { readonly management: string };
}

export const LAB_WITNESS: LabWitnessSpec = {
  name: 'w',
  hostname: 'lockstep-w',
  address: '10.211.0.13',
  netns: 'lsk-w',
  nics: { management: 'enp1s0' },
  hostVeths: { management: 'lsk-w-mgmt' },
};

/** Every machine the lab may run: the two servers, then the witness. */
export const LAB_MACHINES: readonly LabMachineSpec[] = [...LAB_NODES, LAB_WITNESS];

/** SSH port of the lab servers. */
export const LAB_SSH_PORT = 22;

/** Practice users created in every server (passwords are random per `lab up`). */
export const ADMIN_USER = 'admin';
export const NOSUDO_USER = 'nosudo';

/** Packages of the cached root, beyond debootstrap's minbase; `probe` and Ansible need some. */
export const LAB_PACKAGES: readonly string[] = [
  'systemd-sysv',
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
];

/** Bumped when the way the cached root is customised changes, so that old caches are not reused. */
export const ROOT_RECIPE_VERSION = 1;

/** Cached debootstrap roots (shared by every lab on this computer, rebuilt only when the recipe changes). */
export const ROOT_CACHE_DIR = '/var/cache/lockstep/lab';

/** Everything of one lab on the admin's computer: keys, site file, state, overlays, logs. */
export function labDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'lab');
}

function findMachine<M extends LabMachineSpec>(machines: readonly M[], name: string): M {
  const machine = machines.find((candidate) => candidate.name === name || candidate.hostname === name);
  if (!machine) {
    throw new LockstepError({
      code: 'usage',
      message: `There is no lab ${machines.length > LAB_NODES.length ? 'machine' : 'server'} named ${name}.`,
      remedy: `Use one of: ${machines.flatMap((m) => [m.name, m.hostname]).join(', ')}.`,
    });
  }
  return machine;
}

/** Looks any lab machine (a server or the witness) up by its short name or hostname. */
export function labMachine(name: string): LabMachineSpec {
  return findMachine(LAB_MACHINES, name);
}

/** Looks a lab server up by its short name. */
export function labNode(name: string): LabNodeSpec {
  return findMachine(LAB_NODES, name);
}
