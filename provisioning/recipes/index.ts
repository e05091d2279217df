import type { Step } from '../engine/types';
import { authkeyStep } from './cluster/authkey';
import { corosyncConfStep } from './cluster/corosync-conf';
import { fencingStep } from './cluster/fencing';
import { clusterPropertiesStep } from './cluster/pacemaker';
import { clusterServicesStep } from './cluster/services';
import { witnessStep } from './cluster/witness';
import { libvirtStep, storagePoolStep, xenBootStep, xenRebootStep } from './hypervisor';
import { bridgesStep, privateLinkStep } from './network/interfaces';
import type { RecipeOptions } from './options';
import { bundleSourceStep, installStep } from './packages';
import { drbdConfigStep, volumeGroupStep } from './storage';
import { verifyStep } from './verify';

export type { RecipeOptions } from './options';

/**
 * The install, in order (issue 4). The engine plans and applies these; each step reads
 * the server's state, so a rerun converges. Order matters: packages before anything that
 * uses them; Xen reboots before the network and cluster are touched; the storage pool
 * after the volume group; the witness's certificates before corosync starts with a
 * `device` section; fencing devices before the policy that enables stonith.
 */
export function recipeSteps(options: RecipeOptions): Step[] {
  return [
    bundleSourceStep,
    installStep,
    xenBootStep,
    xenRebootStep(options),
    libvirtStep,
    bridgesStep(options),
    privateLinkStep(options),
    volumeGroupStep,
    drbdConfigStep,
    storagePoolStep,
    authkeyStep,
    corosyncConfStep,
    witnessStep(options),
    clusterServicesStep,
    fencingStep(options),
    clusterPropertiesStep,
    verifyStep,
  ];
}
