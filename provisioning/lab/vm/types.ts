import type { NicRole } from '../constants';
import type { LabStatus } from '../types';
import type { Accelerator } from './qemu';

/** What `lab up --kind vm` hands back (and `--json` prints). */
export interface VmLabInfo {
  readonly kind: 'vm';
  readonly nodes: readonly VmLabNodeInfo[];
  readonly siteFile: string;
  readonly identityFile: string;
  readonly knownHostsPath: string;
  readonly managementSubnet: string;
  /** The host's own address on the management bridge. */
  readonly hostAddress: string;
  readonly accelerator: Accelerator;
  /** The cached image the system disks are overlays of. */
  readonly image: string;
  /** The hypervisor the site file asks for; `xen` servers boot through GRUB (absent: kvm). */
  readonly hypervisor?: LabHypervisor;
}

/** `lab up --kind vm --hypervisor`: what the lab's site file installs. */
export type LabHypervisor = 'kvm' | 'xen';

/** One VM as a user reaches it. */
export interface VmLabNodeInfo {
  readonly name: string;
  readonly hostname: string;
  readonly address: string;
  readonly port: number;
  /** Interface names inside the VM, by role. */
  readonly nics: Readonly<Record<NicRole, string>>;
  /** Disk serial numbers, by role (`probe` shows them). */
  readonly disks: { readonly system: string; readonly pool: string; readonly data: string };
  /** The VM's serial console, written by QEMU. */
  readonly consoleLog: string;
}

/** `<vm lab dir>/state.json`: what `lab up --kind vm` started. */
export interface VmLabState {
  readonly version: 1;
  readonly kind: 'vm';
  readonly nodes: readonly { readonly name: string; readonly pid: number }[];
  readonly info: VmLabInfo;
}

/** `lab status --kind vm`: the container lab's shape, with the VM lab's info. */
export interface VmLabStatus extends LabStatus<VmLabInfo> {
  readonly kind: 'vm';
}
