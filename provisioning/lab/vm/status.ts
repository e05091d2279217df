import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_SSH_PORT } from '../constants';
import { hostLinkExists } from '../network';
import { readSshBanner } from '../processes';
import { overallLabState } from '../status';
import { VM_LAB_NODES, vmLabDir } from './constants';
import { vmLabHostLinks } from './network';
import { assertVmLabSupported } from './platform';
import { VM_RUN_DIR, findLabQemus, vmFiles } from './qemu';
import type { LabNodeStatus } from '../types';
import type { VmLabState, VmLabStatus } from './types';

/** `<vm lab dir>/state.json`. */
export function vmStatePath(labDirectory: string): string {
  return join(labDirectory, 'state.json');
}

export function readVmLabState(labDirectory: string): VmLabState | undefined {
  try {
    const parsed = JSON.parse(readFileSync(vmStatePath(labDirectory), 'utf8')) as VmLabState;
    return parsed.version === 1 && parsed.kind === 'vm' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function writeVmLabState(labDirectory: string, state: VmLabState): void {
  writeFileSync(vmStatePath(labDirectory), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

export function removeVmLabState(labDirectory: string): void {
  rmSync(vmStatePath(labDirectory), { force: true });
}

/** What of the VM lab exists on this machine (empty when fully down). */
export function vmLabLeftovers(labDirectory: string = vmLabDir()): string[] {
  const found: string[] = [];
  for (const node of VM_LAB_NODES) {
    for (const pid of findLabQemus(node)) found.push(`process ${pid} (qemu ${node.hostname})`);
    const files = vmFiles(labDirectory, node);
    const present = [files.system, files.pool, files.data, files.seed].filter((file) => existsSync(file));
    if (present.length > 0) found.push(`disks/seed of ${node.hostname} in ${files.dir}`);
  }
  for (const link of vmLabHostLinks()) if (hostLinkExists(link)) found.push(`link ${link}`);
  if (existsSync(VM_RUN_DIR)) {
    const sockets = readdirSync(VM_RUN_DIR, { recursive: true }).length;
    found.push(`directory ${VM_RUN_DIR}${sockets > 0 ? ` (${sockets} entries)` : ''}`);
  }
  return found;
}

/** `lab status --kind vm`: whether each VM runs and answers SSH. Read-only. */
export async function vmLabStatus(labDirectory: string = vmLabDir()): Promise<VmLabStatus> {
  assertVmLabSupported();
  const state = readVmLabState(labDirectory);
  const nodes: LabNodeStatus[] = await Promise.all(
    VM_LAB_NODES.map(async (node) => {
      const pid = findLabQemus(node)[0];
      const banner = pid === undefined ? undefined : await readSshBanner(node.address, LAB_SSH_PORT, 3000);
      return {
        name: node.name,
        hostname: node.hostname,
        address: node.address,
        running: pid !== undefined,
        sshReady: banner !== undefined,
        ...(pid !== undefined && { pid }),
      };
    }),
  );
  const leftovers = vmLabLeftovers(labDirectory);
  return {
    kind: 'vm',
    state: overallLabState(nodes, state !== undefined, leftovers),
    nodes,
    ...(state && { info: state.info }),
    leftovers,
  };
}
