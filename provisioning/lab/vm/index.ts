/**
 * The VM lab: two Debian servers as QEMU VMs on this computer, with real disks, NICs
 * and their own kernel (DRBD loads), for what containers cannot show
 * (`lockstep lab up|down|status --kind vm`).
 */
export { vmLabUp, pinRunningVmLab, type VmLabUpOptions, type VmLabUpResult } from './up';
export { vmLabDown, type VmLabDownResult } from './down';
export { vmLabStatus, vmLabLeftovers } from './status';
export { ensureVmImage, cachedVmImage, vmImageKey, type VmImage } from './image';
export * from './constants';
export type { VmLabInfo, VmLabNodeInfo, VmLabStatus } from './types';
