import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LockstepError } from '../../api/errors';
import { defaultKnownHostsPath } from '../../util/paths';
import { LAB_SSH_PORT } from '../constants';
import { readHostKeys } from '../host-keys';
import { ensureIdentity, identityPath } from '../identity';
import { pinLabHostKeys } from '../known-hosts';
import { withLabLock } from '../lock';
import { logTail, processAlive, waitForSsh } from '../processes';
import { writeSiteFile } from '../site-file';
import type { ProgressReporter } from '../types';
import {
  VM_HOST_ADDRESS,
  VM_LAB_LOCK_DIR,
  VM_LAB_NODES,
  VM_LAB_PAIR_NAME,
  VM_MANAGEMENT_SUBNET,
  vmLabDir,
  type VmNodeSpec,
} from './constants';
import { createVmDisks } from './disks';
import { takeVmLabDown } from './down';
import { cachedVmImage, ensureVmImage } from './image';
import { createVmNetwork, vmLabHostLinks } from './network';
import { assertVmLabSupported } from './platform';
import { chooseAccelerator, findLabQemus, guestNics, qemuArgs, startQemu, vmFiles, type Accelerator, type VmBoot } from './qemu';
import { buildSeed, seedStaging } from './seed';
import { readVmLabState, vmLabStatus, writeVmLabState } from './status';
import { hostLinkExists } from '../network';
import type { LabHypervisor, VmLabInfo, VmLabNodeInfo } from './types';

/** Options of `vmLabUp`. */
export interface VmLabUpOptions {
  readonly knownHostsPath?: string;
  /** `xen`: the site file installs Xen and the servers boot through GRUB (default: the lab that is up, else kvm). */
  readonly hypervisor?: LabHypervisor;
  readonly onProgress?: ProgressReporter;
  readonly labDirectory?: string;
}

/** What `vmLabUp` did; `reused` when the VM lab was already up and healthy. */
export interface VmLabUpResult {
  readonly info: VmLabInfo;
  readonly reused: boolean;
  readonly elapsedMs: number;
  /** Milliseconds per phase (image, wiring, boot), for the record of how long a lab takes. */
  readonly phases: Readonly<Record<string, number>>;
}

/** Xen servers boot through GRUB, so that a reboot follows what update-grub wrote. */
function bootOf(hypervisor: LabHypervisor): VmBoot {
  return hypervisor === 'xen' ? 'grub' : 'kernel';
}

/** How long a VM may take from QEMU's start to sshd's banner (ENVIRONMENT.md: ~70 s under TCG, two at once). */
function bootTimeoutMs(accel: Accelerator): number {
  return accel === 'kvm' ? 120_000 : 360_000;
}

function nodeInfo(node: VmNodeSpec, labDirectory: string): VmLabNodeInfo {
  return {
    name: node.name,
    hostname: node.hostname,
    address: node.address,
    port: LAB_SSH_PORT,
    nics: guestNics(node),
    disks: {
      system: `${node.diskSerial}-SYS`,
      pool: `${node.diskSerial}-POOL`,
      data: `${node.diskSerial}-DATA`,
    },
    consoleLog: vmFiles(labDirectory, node).consoleLog,
  };
}

/** Pins the host keys the lab generated for its VMs (read from their seeds, never from the wire). */
export function pinRunningVmLab(
  knownHostsPath: string = defaultKnownHostsPath(),
  labDirectory: string = vmLabDir(),
): boolean {
  return pinLabHostKeys(
    knownHostsPath,
    VM_LAB_NODES.map((node) => ({
      address: node.address,
      port: LAB_SSH_PORT,
      keys: readHostKeys(seedStaging(vmFiles(labDirectory, node).dir)),
    })),
  );
}

/**
 * `lab up --kind vm`: two Debian 12 servers as QEMU VMs, each with three NICs
 * (management on a host bridge, a private link straight to the other VM, business on
 * a second bridge) and three disks (system, a blank pool disk, a disk holding data),
 * booted from a cached image with Lockstep's stack preinstalled; host keys pinned;
 * site file written. Idempotent like the container lab's `up`.
 */
export async function vmLabUp(options: VmLabUpOptions = {}): Promise<VmLabUpResult> {
  assertVmLabSupported();
  return withLabLock(() => bringUp(options), {
    lockDir: VM_LAB_LOCK_DIR,
    // A first `up` builds the image for several minutes.
    timeoutMs: 30 * 60_000,
    onWait: (pid) => options.onProgress?.(`Waiting for another VM lab command (pid ${pid}) to finish…`),
  });
}

async function bringUp(options: VmLabUpOptions): Promise<VmLabUpResult> {
  const started = Date.now();
  const labDirectory = options.labDirectory ?? vmLabDir();
  const knownHostsPath = options.knownHostsPath ?? defaultKnownHostsPath();
  const say = options.onProgress ?? (() => undefined);
  const phases: Record<string, number> = {};
  let mark = started;
  const phase = (name: string): void => {
    phases[name] = Date.now() - mark;
    mark = Date.now();
  };

  const current = await vmLabStatus(labDirectory);
  const runningAs = current.info ? (current.info.hypervisor ?? 'kvm') : undefined;
  // Not said: the lab that is up (restarting a killed VM needs no flag), else KVM.
  const hypervisor = options.hypervisor ?? runningAs ?? 'kvm';
  if (current.state !== 'down' && runningAs !== undefined && runningAs !== hypervisor) {
    throw new LockstepError({
      code: 'usage',
      message: `The VM lab is up for ${runningAs}, not ${hypervisor}.`,
      remedy: `Take it down first (\`lockstep lab down --kind vm\`), then run \`lockstep lab up --kind vm --hypervisor ${hypervisor}\`.`,
      field: '--hypervisor',
    });
  }
  if (current.state === 'running' && current.info) {
    pinRunningVmLab(knownHostsPath, labDirectory);
    say('The VM lab is already up and both servers answer SSH.');
    return {
      info: { ...current.info, knownHostsPath },
      reused: true,
      elapsedMs: Date.now() - started,
      phases,
    };
  }
  const restarted = await restartStoppedVms(labDirectory, knownHostsPath, say, started);
  if (restarted) return restarted;
  if (current.state !== 'down') {
    say(
      `Found a half-built VM lab (${current.leftovers.join(', ') || 'stale state'}); cleaning it up first…`,
    );
    await takeVmLabDown({ labDirectory });
  }
  mkdirSync(join(labDirectory, 'logs'), { recursive: true, mode: 0o700 });
  phase('check');

  const image = await ensureVmImage(say);
  phase('image');
  try {
    const accel = await chooseAccelerator(image, labDirectory, say);
    const rootPublicKey = await ensureIdentity(labDirectory);
    say('Wiring the networks (management bridge, business bridge, TAPs)…');
    await createVmNetwork();
    say('Preparing the VMs (overlay, pool and data disks, seeds with new host keys)…');
    await Promise.all(
      VM_LAB_NODES.map(async (node) => {
        const files = vmFiles(labDirectory, node);
        await createVmDisks(files, image);
        await buildSeed(files.dir, node, rootPublicKey);
        mkdirSync(dirname(files.qmp), { recursive: true, mode: 0o700 });
        for (const socket of [files.qmp, files.cableMonitor, files.cableEnd]) rmSync(socket, { force: true });
      }),
    );
    const info: VmLabInfo = {
      kind: 'vm',
      nodes: VM_LAB_NODES.map((node) => nodeInfo(node, labDirectory)),
      siteFile: writeSiteFile(labDirectory, VM_LAB_NODES, identityPath(labDirectory), {
        name: VM_LAB_PAIR_NAME,
        servers: 'QEMU VMs',
        noBmc: 'The VMs',
        command: `lockstep lab up --kind vm${hypervisor === 'xen' ? ' --hypervisor xen' : ''}`,
        hypervisor,
      }),
      identityFile: identityPath(labDirectory),
      knownHostsPath,
      managementSubnet: VM_MANAGEMENT_SUBNET,
      hostAddress: VM_HOST_ADDRESS,
      accelerator: accel,
      image: image.dir,
      hypervisor,
    };
    phase('prepare');

    say(`Booting the VMs (${accel === 'kvm' ? 'KVM' : 'TCG emulation: about a minute or two'})…`);
    const [nodeA, nodeB] = VM_LAB_NODES;
    if (!nodeA || !nodeB) throw new Error('the VM lab needs two servers');
    const pids = VM_LAB_NODES.map((node) => {
      const peer = node === nodeA ? nodeB : nodeA;
      const files = vmFiles(labDirectory, node);
      const args = qemuArgs(node, files, vmFiles(labDirectory, peer), image, accel, bootOf(hypervisor));
      return { node, files, pid: startQemu(args, files.consoleLog) };
    });
    writeVmLabState(labDirectory, {
      version: 1,
      kind: 'vm',
      nodes: pids.map(({ node, pid }) => ({ name: node.name, pid })),
      info,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const { node, files, pid } of pids) {
      if (!processAlive(pid)) {
        throw new LockstepError({
          code: 'lab.failed',
          message: `QEMU for ${node.hostname} exited at once:\n${logTail(`${files.consoleLog}.qemu`)}`,
          remedy: `Read ${files.consoleLog}.qemu; run \`lockstep lab down --kind vm\` and retry.`,
          host: node.address,
        });
      }
    }
    await Promise.all(
      pids.map(({ node, files, pid }) =>
        waitForSsh(node, LAB_SSH_PORT, pid, files.consoleLog, bootTimeoutMs(accel)),
      ),
    );
    phase('boot');
    pinRunningVmLab(knownHostsPath, labDirectory);
    say(`Both VMs answer SSH (${Math.round((Date.now() - started) / 100) / 10} s).`);
    return { info, reused: false, elapsedMs: Date.now() - started, phases };
  } catch (error) {
    say('Building the VM lab failed; removing what was built (logs stay in the lab dir).');
    await takeVmLabDown({ labDirectory }).catch(() => undefined);
    throw error;
  }
}

/**
 * A VM whose QEMU died (a failover test kills it with SIGKILL) while its peer runs: start
 * that VM again on its own disks, as a server comes back after a power cut, instead of
 * rebuilding the lab. Only when everything else is intact (state, the other VM, the host
 * network, the stopped VM's disks and seed, the image); otherwise undefined.
 */
async function restartStoppedVms(
  labDirectory: string,
  knownHostsPath: string,
  say: ProgressReporter,
  started: number,
): Promise<VmLabUpResult | undefined> {
  const state = readVmLabState(labDirectory);
  const image = cachedVmImage();
  if (!state || !image || image.dir !== state.info.image) return undefined;
  const running = VM_LAB_NODES.filter((node) => findLabQemus(node).length > 0);
  const stopped = VM_LAB_NODES.filter((node) => !running.includes(node));
  if (running.length === 0 || stopped.length === 0) return undefined;
  if (!vmLabHostLinks().every((link) => hostLinkExists(link))) return undefined;
  const intact = (node: VmNodeSpec): boolean => {
    const files = vmFiles(labDirectory, node);
    return [files.system, files.pool, files.data, files.seed].every((file) => existsSync(file));
  };
  if (!stopped.every(intact)) return undefined;
  const [nodeA, nodeB] = VM_LAB_NODES;
  if (!nodeA || !nodeB) return undefined;
  const pids = new Map(state.nodes.map((entry) => [entry.name, entry.pid]));
  const booted = stopped.map((node) => {
    say(`Restarting ${node.hostname}: its QEMU had stopped; its disks are kept (like a power cut)…`);
    const files = vmFiles(labDirectory, node);
    // Its own sockets are stale; the peer's chardev reconnects to the new monitor by itself.
    for (const socket of [files.qmp, files.cableMonitor, files.cableEnd]) rmSync(socket, { force: true });
    const peer = node === nodeA ? nodeB : nodeA;
    const args = qemuArgs(node, files, vmFiles(labDirectory, peer), image, state.info.accelerator, bootOf(state.info.hypervisor ?? 'kvm'));
    const pid = startQemu(args, files.consoleLog);
    pids.set(node.name, pid);
    return { node, files, pid };
  });
  writeVmLabState(labDirectory, { ...state, nodes: VM_LAB_NODES.map((node) => ({ name: node.name, pid: pids.get(node.name) ?? 0 })) });
  await Promise.all(
    booted.map(({ node, files, pid }) => waitForSsh(node, LAB_SSH_PORT, pid, files.consoleLog, bootTimeoutMs(state.info.accelerator))),
  );
  pinRunningVmLab(knownHostsPath, labDirectory);
  say(`${stopped.map((node) => node.hostname).join(', ')} answer${stopped.length === 1 ? 's' : ''} SSH again (${Math.round((Date.now() - started) / 100) / 10} s).`);
  return { info: { ...state.info, knownHostsPath }, reused: false, elapsedMs: Date.now() - started, phases: {} };
}
