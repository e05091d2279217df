import { addressesFact } from './addresses';
import { blockDevicesFact } from './block-devices';
import { cpuFact, cpuFlagsFact, xenCapabilitiesFact } from './cpu';
import { diskIdsFact } from './disk-ids';
import { kvmFact } from './kvm';
import { linksFact } from './links';
import { memoryFact, xenMemoryFact } from './memory';
import { mountsFact, swapsFact } from './mounts';
import { nicSysfsFact } from './nic-sysfs';
import { osReleaseFact } from './os-release';
import { packagesFact } from './packages';
import { physicalVolumesFact } from './physical-volumes';
import { systemFact } from './system';
import { chronyFact, timeSyncFact } from './time-sync';
import type { Fact } from './types';
import { virtualizationFact } from './virtualization';

/** Every fact of the inventory, in the order the probe script runs them. */
export const INVENTORY_FACTS = {
  system: systemFact,
  osRelease: osReleaseFact,
  cpu: cpuFact,
  cpuFlags: cpuFlagsFact,
  xenCapabilities: xenCapabilitiesFact,
  virtualization: virtualizationFact,
  memory: memoryFact,
  xenMemory: xenMemoryFact,
  blockDevices: blockDevicesFact,
  diskIds: diskIdsFact,
  physicalVolumes: physicalVolumesFact,
  mounts: mountsFact,
  swaps: swapsFact,
  links: linksFact,
  addresses: addressesFact,
  nicSysfs: nicSysfsFact,
  timeSync: timeSyncFact,
  chrony: chronyFact,
  packages: packagesFact,
  kvm: kvmFact,
} as const satisfies Record<string, Fact<unknown>>;

/** The value type of each inventory fact. */
export type InventoryFactValues = {
  [K in keyof typeof INVENTORY_FACTS]: (typeof INVENTORY_FACTS)[K] extends Fact<infer T> ? T : never;
};
