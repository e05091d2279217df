import { vmCreateRefusal, type VmCreateRequest } from '../api/actions';
import { LockstepError } from '../api/errors';
import type { EngineSession } from '../engine/session';
import type { Step } from '../engine/types';
import { describeImage } from '../recipes/vm/image';
import { vmCreateSteps, type VmCreateSpec } from '../recipes/vm/steps';
import { chooseMinor, RESOURCE_FILES_COMMAND } from '../recipes/vm-disk';

/**
 * What every door of "create a VM" does before the engine runs it: refuse what this
 * version does not create (ft, none) and a pair without mirrored storage, read the
 * image (raw, fits the disk), pick the disk's DRBD minor on the servers, and return the
 * steps (`recipes/vm/steps`). The request is already parsed by `VmCreateRequestSchema`.
 */
export async function prepareVmCreate(request: VmCreateRequest, session: EngineSession): Promise<{ spec: VmCreateSpec; steps: Step[] }> {
  const refusal = vmCreateRefusal(request.level);
  if (refusal) throw new LockstepError({ code: 'action.refused', field: 'level', ...refusal });
  const image = request.image ? await describeImage(request.image) : null;
  const imageMiB = image ? Math.ceil(image.sizeBytes / 1048576) : 0;
  if (image && imageMiB > request.diskMiB)
    throw new LockstepError({ code: 'usage', field: 'diskMiB', message: `The image (${imageMiB} MiB) does not fit a ${request.diskMiB} MiB disk.`, remedy: `Give a disk of ${imageMiB} MiB or more.` });
  if (!session.pair.storageAvailable)
    throw new LockstepError({
      code: 'action.refused',
      message: 'This pair has no mirrored storage (no DRBD module on its servers), so it cannot hold an ha VM.',
      remedy: 'Install on servers whose kernel has DRBD (`validate` reports kmod.drbd-unavailable), e.g. the VM lab: `lockstep lab up --kind vm`.',
    });
  const configs = await Promise.all(session.nodes.map(async (node) => (await node.transport.exec(RESOURCE_FILES_COMMAND, { sudo: true, timeoutMs: 60_000 })).stdout));
  const spec: VmCreateSpec = {
    name: request.vm,
    memoryMiB: request.memoryMiB,
    vcpus: request.vcpus,
    network: request.network,
    disk: { name: request.vm, sizeMiB: request.diskMiB, minor: chooseMinor(configs, request.vm) },
    image,
  };
  return { spec, steps: vmCreateSteps(spec) };
}

/** Where the journals of a VM's create runs go, beside the install's (`runs/<pair>`). */
export function vmCreateRunsDir(pairRunsDir: string, vm: string): string {
  return `${pairRunsDir}/vms/${vm}`;
}
