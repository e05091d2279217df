import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { LockstepError } from '../../api/errors';
import { hostMirror } from '../mirror';
import { mountsUnder, unmountTree } from '../mounts';
import { debootstrapProgress, removeStaleBuilds } from '../root-cache';
import { run } from '../run';
import type { ProgressReporter } from '../types';
import {
  SYSTEM_DISK_SIZE,
  VM_BASE_PACKAGES,
  VM_IMAGE_CACHE_DIR,
  VM_IMAGE_RECIPE_VERSION,
  VM_LAB_RELEASE,
  VM_STACK_PACKAGES,
} from './constants';
import { GUEST_FILES } from './guest-files';
import { GRUB_LOADER_FILE, installLabGrub, labGrubDefaults } from './grub-boot';

/** A built image: the files a VM boots from. */
export interface VmImage {
  readonly dir: string;
  /** qcow2 base of every VM's system-disk overlay (never written to). */
  readonly base: string;
  readonly kernel: string;
  readonly initrd: string;
  /** GRUB as QEMU's `-kernel`, for VMs that boot through the menu on their disk (the Xen variant). */
  readonly grubLoader: string;
  /** Kernel release inside the image (`6.1.0-…-amd64`). */
  readonly kernelRelease: string;
}

/** Marker written last into a finished image directory. */
const READY_FILE = 'image.json';

/** Services installed with the stack but left off at boot: Lockstep's installer configures and starts them. */
const SERVICES_OFF_AT_BOOT = ['corosync.service', 'pacemaker.service'];

/** Timers that would only steal the single emulated CPU from the lab's own work. */
const TIMERS_OFF = [
  'apt-daily.timer',
  'apt-daily-upgrade.timer',
  'man-db.timer',
  'e2scrub_all.timer',
  'fstrim.timer',
];

/** The cache key: same release, packages, guest files and recipe give the same image. */
export function vmImageKey(): string {
  const digest = createHash('sha256')
    .update(
      JSON.stringify({
        release: VM_LAB_RELEASE,
        base: [...VM_BASE_PACKAGES].sort(),
        stack: [...VM_STACK_PACKAGES].sort(),
        files: GUEST_FILES,
        grub: labGrubDefaults(),
        recipe: VM_IMAGE_RECIPE_VERSION,
        size: SYSTEM_DISK_SIZE,
      }),
    )
    .digest('hex');
  return `${VM_LAB_RELEASE}-${digest.slice(0, 12)}`;
}

function imageAt(dir: string): VmImage | undefined {
  try {
    const meta = JSON.parse(readFileSync(join(dir, READY_FILE), 'utf8')) as { kernelRelease: string };
    return {
      dir,
      base: join(dir, 'base.qcow2'),
      kernel: join(dir, 'vmlinuz'),
      initrd: join(dir, 'initrd.img'),
      grubLoader: join(dir, GRUB_LOADER_FILE),
      kernelRelease: meta.kernelRelease,
    };
  } catch {
    return undefined;
  }
}

/** The cached image of the current recipe, if it was built. */
export function cachedVmImage(cacheDir = VM_IMAGE_CACHE_DIR): VmImage | undefined {
  return imageAt(join(cacheDir, vmImageKey()));
}

/** Counts apt's unpack/setup lines into a heartbeat, so a person sees the build move. */
function aptProgress(onProgress: ProgressReporter): { onLine: (line: string) => void; stop: () => void } {
  const started = Date.now();
  let unpacked = 0;
  let configured = 0;
  const timer = setInterval(() => {
    onProgress(
      `  … ${Math.round((Date.now() - started) / 1000)} s, ${unpacked} packages unpacked, ${configured} set up`,
    );
  }, 15_000);
  return {
    onLine: (line) => {
      if (line.startsWith('Unpacking ')) unpacked += 1;
      else if (line.startsWith('Setting up ')) configured += 1;
    },
    stop: () => clearInterval(timer),
  };
}

async function chroot(
  root: string,
  words: readonly string[],
  options: { onLine?: (line: string) => void } = {},
) {
  return run(['chroot', root, ...words], {
    timeoutMs: 30 * 60_000,
    env: { DEBIAN_FRONTEND: 'noninteractive', LANG: 'C.UTF-8' },
    ...options,
  });
}

/** Installs the stack inside the debootstrapped root (chroot, services kept from starting). */
async function installStack(root: string, onProgress: ProgressReporter): Promise<void> {
  const policy = join(root, 'usr/sbin/policy-rc.d');
  writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  await run(['mount', '-t', 'proc', 'proc', join(root, 'proc')]);
  await run(['mount', '-t', 'sysfs', 'sysfs', join(root, 'sys')]);
  await run(['mount', '--bind', '/dev', join(root, 'dev')]);
  const progress = aptProgress(onProgress);
  try {
    await chroot(
      root,
      [
        'apt-get',
        'install',
        '-y',
        '-q',
        '--no-install-recommends',
        '-o',
        'Dpkg::Options::=--force-confold',
        ...VM_STACK_PACKAGES,
      ],
      { onLine: progress.onLine },
    );
  } finally {
    progress.stop();
    for (const dir of ['dev', 'sys', 'proc']) await unmountTree(join(root, dir));
    rmSync(policy, { force: true });
  }
}

/** Makes the root a lab server image: no identity of its own, the seed and cable agents, fast boot. */
async function customise(root: string): Promise<void> {
  for (const entry of readdirSync(join(root, 'etc/ssh'))) {
    if (entry.startsWith('ssh_host_')) rmSync(join(root, 'etc/ssh', entry));
  }
  writeFileSync(join(root, 'etc/machine-id'), '');
  rmSync(join(root, 'var/lib/dbus/machine-id'), { force: true });
  rmSync(join(root, 'etc/hostname'), { force: true });
  // debootstrap copied this computer's resolver; the lab's servers have no DNS.
  writeFileSync(join(root, 'etc/resolv.conf'), '');
  // Debian's corosync ships a sample cluster config that `validate` would rightly call an
  // existing cluster; a server with the packages but no cluster has none.
  rmSync(join(root, 'etc/corosync/corosync.conf'), { force: true });
  for (const file of GUEST_FILES) {
    const path = join(root, file.path);
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    writeFileSync(path, file.text);
    chmodSync(path, file.mode);
  }
  mkdirSync(join(root, 'root/.ssh'), { recursive: true, mode: 0o700 });
  await chroot(root, [
    'systemctl',
    'enable',
    'lockstep-seed.service',
    'lockstep-cable.service',
    'systemd-networkd.service',
  ]);
  await chroot(root, ['systemctl', 'disable', ...SERVICES_OFF_AT_BOOT, ...TIMERS_OFF]);
  await chroot(root, ['systemctl', 'mask', 'systemd-networkd-wait-online.service']);
  await chroot(root, ['apt-get', 'clean']);
  writeFileSync(join(root, 'etc/lockstep-vm-image'), `${vmImageKey()}\n`);
}

function kernelRelease(root: string): string {
  const kernels = readdirSync(join(root, 'boot'))
    .filter((entry) => entry.startsWith('vmlinuz-'))
    .map((entry) => entry.slice('vmlinuz-'.length))
    .sort();
  const release = kernels[kernels.length - 1];
  if (!release || !existsSync(join(root, 'boot', `initrd.img-${release}`))) {
    throw new LockstepError({
      code: 'lab.failed',
      message: 'The VM image has no kernel and initrd in /boot after installing linux-image-amd64.',
      remedy:
        'Read the build output above; remove /var/cache/lockstep/vm-lab and retry `lockstep lab up --kind vm`.',
    });
  }
  return release;
}

/** Removes images of older recipes unless a running VM uses one (its overlay's backing file). */
function removeOutdatedImages(cacheDir: string, keep: string, inUse: (dir: string) => boolean): void {
  for (const entry of readdirSync(cacheDir)) {
    const dir = join(cacheDir, entry);
    if (dir === keep || !/^[a-z]+-[0-9a-f]{12}$/.test(entry) || inUse(dir)) continue;
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Returns the VM image of the current recipe, building it first when missing:
 * debootstrap, the stack installed by apt in a chroot, the lab's guest files, then
 * `mkfs.ext4 -d` into a raw disk (no loop mount) converted to qcow2, with the kernel
 * and initrd beside it. Built in a temporary directory and renamed when complete, so
 * an interrupted build is never used.
 */
export async function ensureVmImage(
  onProgress: ProgressReporter,
  options: { cacheDir?: string; inUse?: (dir: string) => boolean } = {},
): Promise<VmImage> {
  const cacheDir = options.cacheDir ?? VM_IMAGE_CACHE_DIR;
  const ready = cachedVmImage(cacheDir);
  if (ready) return ready;
  mkdirSync(cacheDir, { recursive: true, mode: 0o755 });
  await removeStaleBuilds(cacheDir);
  const key = vmImageKey();
  const final = join(cacheDir, key);
  const building = join(cacheDir, `.build-${key}-${process.pid}`);
  const root = join(building, 'root');
  const mirror = hostMirror(VM_LAB_RELEASE);
  const started = Date.now();
  onProgress(
    `Building the VM image (Debian ${VM_LAB_RELEASE} + Lockstep's stack, ${VM_BASE_PACKAGES.length + VM_STACK_PACKAGES.length} packages) from ${mirror}; first time only, a few minutes…`,
  );
  const progress = debootstrapProgress(onProgress);
  try {
    mkdirSync(building, { recursive: true, mode: 0o755 });
    await run(
      [
        'debootstrap',
        '--variant=minbase',
        `--include=${VM_BASE_PACKAGES.join(',')}`,
        VM_LAB_RELEASE,
        root,
        mirror,
      ],
      { onLine: progress.onLine, timeoutMs: 20 * 60_000 },
    );
    progress.stop();
    onProgress(
      `  debootstrap done (${Math.round((Date.now() - started) / 1000)} s); installing the stack with apt…`,
    );
    await installStack(root, onProgress);
    await customise(root);
    const release = kernelRelease(root);
    await installLabGrub(root, release, building);
    copyFileSync(join(root, 'boot', `vmlinuz-${release}`), join(building, 'vmlinuz'));
    copyFileSync(join(root, 'boot', `initrd.img-${release}`), join(building, 'initrd.img'));
    onProgress(`  making the system disk (mkfs.ext4 -d, qcow2)…`);
    const raw = join(building, 'base.raw');
    await run(['mkfs.ext4', '-q', '-F', '-L', 'lockstep-root', '-d', root, raw, SYSTEM_DISK_SIZE], {
      timeoutMs: 20 * 60_000,
    });
    await run(['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', raw, join(building, 'base.qcow2')], {
      timeoutMs: 20 * 60_000,
    });
    rmSync(raw, { force: true });
    rmSync(root, { recursive: true, force: true });
    chmodSync(join(building, 'base.qcow2'), 0o444);
    writeFileSync(
      join(building, READY_FILE),
      `${JSON.stringify({ key, kernelRelease: release, builtAt: new Date().toISOString() }, null, 2)}\n`,
    );
  } catch (error) {
    progress.stop();
    await unmountTree(building).catch(() => undefined);
    if (mountsUnder(building).length === 0) rmSync(building, { recursive: true, force: true });
    throw error;
  }
  rmSync(final, { recursive: true, force: true });
  renameSync(building, final);
  removeOutdatedImages(cacheDir, final, options.inUse ?? (() => false));
  onProgress(`VM image ready in ${Math.round((Date.now() - started) / 1000)} s: ${final}`);
  const image = imageAt(final);
  if (!image) throw new Error(`the VM image at ${final} has no ${READY_FILE}`);
  return image;
}
