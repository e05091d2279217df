import {
  LAB_NODES,
  LAB_SSH_PORT,
  LAB_WITNESS,
  ROOT_CACHE_DIR,
  labDir,
  type LabMachineSpec,
} from './constants';
import { readMounts } from './mounts';
import { hostLinkExists, labHostLinks, netnsExists, witnessHostLinks } from './network';
import { assertLabSupported } from './platform';
import { containerLeader, findLabNspawns, readSshBanner } from './processes';
import { readLabState } from './state';
import type { LabNodeStatus, LabStatus } from './types';

/** Overlay mounts made from the lab's cached root, wherever their lab dir is. */
export function labOverlayMounts(): string[] {
  return readMounts()
    .filter((mount) => mount.type === 'overlay' && mount.options.includes(`lowerdir=${ROOT_CACHE_DIR}/`))
    .map((mount) => mount.target);
}

function machineLeftovers(machine: LabMachineSpec): string[] {
  return [
    ...(netnsExists(machine.netns) ? [`netns ${machine.netns}`] : []),
    ...findLabNspawns(machine).map((pid) => `process ${pid} (systemd-nspawn ${machine.hostname})`),
  ];
}

/** Whether an overlay mount is a given machine's root (`<lab dir>/servers/<hostname>/root`). */
function isRootOf(target: string, machine: LabMachineSpec): boolean {
  return target.endsWith(`/servers/${machine.hostname}/root`);
}

/** What of the lab exists on this machine, by kind and name (empty when fully down); the witness included. */
export function labLeftovers(): string[] {
  const found: string[] = LAB_NODES.flatMap(machineLeftovers);
  found.push(...machineLeftovers(LAB_WITNESS));
  for (const link of labHostLinks()) if (hostLinkExists(link)) found.push(`link ${link}`);
  for (const target of labOverlayMounts()) found.push(`mount ${target}`);
  return found;
}

/** What of the witness exists on this machine (empty when it is down). */
export function witnessLeftovers(): string[] {
  return [
    ...machineLeftovers(LAB_WITNESS),
    ...witnessHostLinks()
      .filter(hostLinkExists)
      .map((link) => `link ${link}`),
    ...labOverlayMounts()
      .filter((target) => isRootOf(target, LAB_WITNESS))
      .map((target) => `mount ${target}`),
  ];
}

/** A machine's container and SSH, as `lab status` shows them. */
async function machineStatus(machine: LabMachineSpec): Promise<LabNodeStatus> {
  const pid = findLabNspawns(machine)[0];
  const leaderPid = pid === undefined ? undefined : containerLeader(pid);
  const banner = pid === undefined ? undefined : await readSshBanner(machine.address, LAB_SSH_PORT, 1500);
  return {
    name: machine.name,
    hostname: machine.hostname,
    address: machine.address,
    running: pid !== undefined,
    sshReady: banner !== undefined,
    ...(pid !== undefined && { pid }),
    ...(leaderPid !== undefined && { leaderPid }),
  };
}

/** The witness's status: `undefined` when nothing of it exists (it is optional). */
export async function witnessStatus(): Promise<LabNodeStatus | undefined> {
  return witnessLeftovers().length === 0 ? undefined : machineStatus(LAB_WITNESS);
}

/** A lab is `running` when it was built and every server answers SSH, `down` when nothing of it is left. */
export function overallLabState(
  nodes: readonly Pick<LabNodeStatus, 'running' | 'sshReady'>[],
  built: boolean,
  leftovers: readonly string[],
): LabStatus['state'] {
  if (built && nodes.every((node) => node.running && node.sshReady)) return 'running';
  return leftovers.length === 0 ? 'down' : 'degraded';
}

/**
 * `lab status`: whether each server's container runs and answers SSH, and the
 * witness's when it exists. Read-only: it never repairs anything (that is `lab up`'s job).
 */
export async function labStatus(labDirectory: string = labDir()): Promise<LabStatus> {
  assertLabSupported();
  const state = readLabState(labDirectory);
  const [nodes, witness] = await Promise.all([Promise.all(LAB_NODES.map(machineStatus)), witnessStatus()]);
  const leftovers = labLeftovers();
  return {
    state: overallLabState(nodes, state !== undefined, leftovers),
    nodes,
    ...(witness && { witness }),
    ...(state && { info: state.info }),
    leftovers,
  };
}
