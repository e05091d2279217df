import { LAB_NODES, LAB_SSH_PORT, ROOT_CACHE_DIR, labDir } from './constants';
import { readMounts } from './mounts';
import { hostLinkExists, labHostLinks, netnsExists } from './network';
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

/** What of the lab exists on this machine, by kind and name (empty when fully down). */
export function labLeftovers(): string[] {
  const found: string[] = [];
  for (const node of LAB_NODES) {
    if (netnsExists(node.netns)) found.push(`netns ${node.netns}`);
    for (const pid of findLabNspawns(node)) found.push(`process ${pid} (systemd-nspawn ${node.hostname})`);
  }
  for (const link of labHostLinks()) if (hostLinkExists(link)) found.push(`link ${link}`);
  for (const target of labOverlayMounts()) found.push(`mount ${target}`);
  return found;
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
 * `lab status`: whether each server's container runs and answers SSH. Read-only: it
 * never repairs anything (that is `lab up`'s job).
 */
export async function labStatus(labDirectory: string = labDir()): Promise<LabStatus> {
  assertLabSupported();
  const state = readLabState(labDirectory);
  const nodes: LabNodeStatus[] = await Promise.all(
    LAB_NODES.map(async (node) => {
      const pid = findLabNspawns(node)[0];
      const leaderPid = pid === undefined ? undefined : containerLeader(pid);
      const banner = pid === undefined ? undefined : await readSshBanner(node.address, LAB_SSH_PORT, 1500);
      return {
        name: node.name,
        hostname: node.hostname,
        address: node.address,
        running: pid !== undefined,
        sshReady: banner !== undefined,
        ...(pid !== undefined && { pid }),
        ...(leaderPid !== undefined && { leaderPid }),
      };
    }),
  );
  const leftovers = labLeftovers();
  return {
    state: overallLabState(nodes, state !== undefined, leftovers),
    nodes,
    ...(state && { info: state.info }),
    leftovers,
  };
}
