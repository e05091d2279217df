import { spawn } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../processes';
import { LAB_PATH } from '../run';
import type { ProgressReporter } from '../types';
import { VM_CPUS, VM_IMAGE_CACHE_DIR, VM_MEMORY_MIB, guestNicName, type VmNodeSpec } from './constants';
import { CABLE_DEVICE_ID, CABLE_PORT_NAME, SEED_FW_CFG_NAME } from './guest-files';
import type { VmImage } from './image';

/** How QEMU runs the guests: KVM where it works, TCG (emulation) otherwise. */
export type Accelerator = 'kvm' | 'tcg';

/**
 * Sockets of the running VMs. Under /run, short and machine-wide (unix socket paths are
 * limited to 108 bytes, and there is one VM lab per computer).
 */
export const VM_RUN_DIR = '/run/lockstep-vm-lab';

/** The files one running VM uses. */
export interface VmFiles {
  /** The VM's directory in the lab dir (disks, seed). */
  readonly dir: string;
  readonly system: string;
  readonly pool: string;
  readonly data: string;
  readonly seed: string;
  readonly consoleLog: string;
  /** QMP for the lab itself. */
  readonly qmp: string;
  /** QMP that the peer VM's cable agent drives (`set_link` on this VM's private NIC). */
  readonly cableMonitor: string;
  /** This VM's end of the private link (a unix datagram socket). */
  readonly cableEnd: string;
}

/** Where the files of `node` live. */
export function vmFiles(labDirectory: string, node: VmNodeSpec): VmFiles {
  const dir = join(labDirectory, 'servers', node.hostname);
  const run = join(VM_RUN_DIR, node.name);
  return {
    dir,
    system: join(dir, 'system.qcow2'),
    pool: join(dir, 'pool.qcow2'),
    data: join(dir, 'data.img'),
    seed: join(dir, 'seed.tar'),
    consoleLog: join(labDirectory, 'logs', `${node.hostname}.log`),
    qmp: join(run, 'qmp.sock'),
    cableMonitor: join(run, 'cable-qmp.sock'),
    cableEnd: join(run, 'cable.dgram'),
  };
}

/** The word on QEMU's command line that marks a lab VM (`-name` value). */
export function vmNameTag(node: VmNodeSpec): string {
  return `guest=${node.hostname},process=lskv-${node.name}`;
}

/**
 * How a lab VM boots: its kernel straight from the image (fast, the KVM lab), or GRUB
 * reading the menu on its own disk, as a server does (the Xen lab: update-grub decides).
 */
export type VmBoot = 'kernel' | 'grub';

function bootArgs(node: VmNodeSpec, image: VmImage, boot: VmBoot): string[] {
  if (boot === 'grub') return ['-kernel', image.grubLoader];
  return [
    '-kernel',
    image.kernel,
    '-initrd',
    image.initrd,
    '-append',
    `root=/dev/vda rw console=ttyS0 mitigations=off net.ifnames=1 systemd.hostname=${node.hostname}`,
  ];
}

/** The exact QEMU command line of a lab VM. */
export function qemuArgs(
  node: VmNodeSpec,
  files: VmFiles,
  peerFiles: VmFiles,
  image: VmImage,
  accel: Accelerator,
  boot: VmBoot = 'kernel',
): string[] {
  // NICs take slots 3–5 (their order sets the guest's names); disks and the rest come after.
  const disk = (id: string, file: string, format: string, serial: string, slot: number): string[] => [
    '-drive',
    `file=${file},if=none,id=${id},format=${format},cache=writeback,discard=unmap`,
    '-device',
    `virtio-blk-pci,drive=${id},serial=${serial},addr=${slot.toString(16)}`,
  ];
  const nic = (id: string, netdev: string, role: keyof VmNodeSpec['nics']): string[] => [
    '-device',
    `virtio-net-pci,id=${id},netdev=${netdev},mac=${node.nics[role].mac},addr=${node.nics[role].slot.toString(16)}`,
  ];
  return [
    '-name',
    vmNameTag(node),
    '-machine',
    'pc',
    ...(accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,tb-size=256', '-cpu', 'max']),
    '-smp',
    String(VM_CPUS),
    '-m',
    `${VM_MEMORY_MIB}M`,
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    ...bootArgs(node, image, boot),
    '-serial',
    `file:${files.consoleLog}`,
    ...disk('sys', files.system, 'qcow2', `${node.diskSerial}-SYS`, 8),
    ...disk('pool', files.pool, 'qcow2', `${node.diskSerial}-POOL`, 9),
    ...disk('data', files.data, 'raw', `${node.diskSerial}-DATA`, 10),
    '-netdev',
    `tap,id=mgmt,ifname=${node.taps.management},script=no,downscript=no`,
    ...nic('mgmt-nic', 'mgmt', 'management'),
    '-netdev',
    `tap,id=biz,ifname=${node.taps.business},script=no,downscript=no`,
    ...nic('biz-nic', 'biz', 'business'),
    '-netdev',
    `dgram,id=cablenet,local.type=unix,local.path=${files.cableEnd},remote.type=unix,remote.path=${peerFiles.cableEnd}`,
    ...nic(CABLE_DEVICE_ID, 'cablenet', 'private'),
    // The cable agent in this guest drives the peer's NIC link through the peer's QMP.
    '-device',
    'virtio-serial-pci,id=vser,addr=b',
    '-chardev',
    `socket,id=cablectl,path=${peerFiles.cableMonitor},reconnect=1`,
    '-device',
    `virtserialport,chardev=cablectl,name=${CABLE_PORT_NAME}`,
    '-chardev',
    `socket,id=cablemon,path=${files.cableMonitor},server=on,wait=off`,
    '-mon',
    'chardev=cablemon,mode=control',
    '-qmp',
    `unix:${files.qmp},server=on,wait=off`,
    '-fw_cfg',
    `name=${SEED_FW_CFG_NAME},file=${files.seed}`,
    '-device',
    'virtio-rng-pci,addr=c',
  ];
}

/** The guest's NIC names by role (what `probe` will show). */
export function guestNics(node: VmNodeSpec): Record<keyof VmNodeSpec['nics'], string> {
  return {
    management: guestNicName(node.nics.management.slot),
    business: guestNicName(node.nics.business.slot),
    private: guestNicName(node.nics.private.slot),
  };
}

/**
 * Starts a VM's QEMU in its own session (so it outlives the CLI), its stdout/stderr to
 * `<console log>.qemu`. Returns QEMU's pid.
 */
export function startQemu(args: readonly string[], logFile: string): number {
  const log = openSync(`${logFile}.qemu`, 'w', 0o600);
  try {
    const child = spawn('qemu-system-x86_64', args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: { PATH: LAB_PATH, LANG: 'C.UTF-8' },
    });
    child.unref();
    if (child.pid === undefined) throw new Error('qemu-system-x86_64 did not start');
    return child.pid;
  } finally {
    closeSync(log);
  }
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Whether `pid` is the QEMU of this lab VM (by its exact `-name` word). */
export function isLabQemu(pid: number, node: VmNodeSpec): boolean {
  const words = cmdline(pid);
  return (words[0] ?? '').endsWith('qemu-system-x86_64') && words.includes(vmNameTag(node));
}

/** The QEMU processes running this lab VM, whoever started them. */
export function findLabQemus(node: VmNodeSpec): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => processAlive(pid) && isLabQemu(pid, node));
}

/** Whether /dev/kvm can be opened for reading and writing. */
function kvmOpens(): boolean {
  try {
    closeSync(openSync('/dev/kvm', constants.O_RDWR));
    return true;
  } catch {
    return false;
  }
}

/**
 * KVM where it really works, TCG otherwise. `/dev/kvm` existing is not enough (on some
 * machines a KVM guest hangs at kernel entry): a test boot of the image's kernel under
 * KVM must print its banner within a few seconds. The verdict is cached per host
 * kernel and image; `LOCKSTEP_VM_ACCEL=kvm|tcg` overrides it.
 */
export async function chooseAccelerator(
  image: VmImage,
  scratchDir: string,
  say: ProgressReporter,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Accelerator> {
  const forced = env.LOCKSTEP_VM_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return forced;
  if (!kvmOpens()) return 'tcg';
  const cacheFile = join(VM_IMAGE_CACHE_DIR, 'accel.json');
  const key = `${release()} ${image.kernelRelease}`;
  try {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as { key: string; accel: Accelerator };
    if (cached.key === key) return cached.accel;
  } catch {
    // no verdict yet
  }
  say('Checking whether KVM works here (a test boot of a few seconds)…');
  const accel: Accelerator = (await kvmTestBoot(image, scratchDir)) ? 'kvm' : 'tcg';
  writeFileSync(cacheFile, `${JSON.stringify({ key, accel, checkedAt: new Date().toISOString() })}\n`);
  if (accel === 'tcg') say('KVM is present but a test guest did not boot under it: using TCG (slower).');
  return accel;
}

async function kvmTestBoot(image: VmImage, scratchDir: string, timeoutMs = 12_000): Promise<boolean> {
  const log = join(scratchDir, 'kvm-test.log');
  rmSync(log, { force: true });
  const child = spawn(
    'qemu-system-x86_64',
    [
      '-accel',
      'kvm',
      '-cpu',
      'host',
      '-m',
      '256M',
      '-nodefaults',
      '-no-user-config',
      '-display',
      'none',
      '-no-reboot',
      '-kernel',
      image.kernel,
      '-append',
      'console=ttyS0 panic=-1 root=/dev/lockstep-none',
      '-serial',
      `file:${log}`,
    ],
    { stdio: 'ignore', env: { PATH: LAB_PATH } },
  );
  const deadline = Date.now() + timeoutMs;
  let booted = false;
  while (Date.now() < deadline && !booted) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    try {
      booted = readFileSync(log, 'utf8').includes('Linux version');
    } catch {
      // not written yet
    }
    if (child.exitCode !== null) break;
  }
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(log, { force: true });
  return booted;
}
