import { LockstepError } from '../api/errors';
import type { CrmMonitor, CrmResourceInfo } from '../monitor/parse/crm-mon';
import { resourceIdFor } from '../recipes/vm/cluster-xml';

/**
 * How a VM and its Pacemaker resource are tied: Lockstep names the VirtualDomain
 * resource of VM `web1` `vm-web1` (`resourceIdFor`); the console also recognises a
 * resource named like the VM itself, as another tool may have created it.
 */

/** The VirtualDomain resource of a VM, if Pacemaker manages it. */
export function vmResource(crm: CrmMonitor, vm: string): CrmResourceInfo | undefined {
  return crm.resources.find((resource) => /VirtualDomain/.test(resource.agent) && (resource.id === vm || resource.id === resourceIdFor(vm)));
}

/** The VMs Pacemaker manages (by VM name). */
export function managedVms(crm: CrmMonitor): string[] {
  return crm.resources.filter((resource) => /VirtualDomain/.test(resource.agent)).map((resource) => resource.id.replace(/^vm-/, ''));
}

/** "No VM named X": with the honest special case of a pair that has no VM at all yet. */
export function noSuchVm(vm: string, known: readonly string[]): LockstepError {
  return new LockstepError({
    code: 'usage',
    field: 'vm',
    message:
      known.length === 0
        ? `There are no VMs on this pair yet, so there is no "${vm}".`
        : `There is no VM "${vm}" on this pair (its VMs: ${known.join(', ')}).`,
    remedy:
      known.length === 0
        ? 'Define the VM in libvirt on one node (virt-install or virsh define), then give it a level: `lockstep vm level NAME ha -c site.yaml`.'
        : 'Name one of the VMs `lockstep status -c site.yaml` lists.',
  });
}
