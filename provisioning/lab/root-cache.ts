import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ADMIN_USER,
  LAB_PACKAGES,
  LAB_RELEASE,
  NOSUDO_USER,
  ROOT_CACHE_DIR,
  ROOT_RECIPE_VERSION,
} from './constants';
import { hostMirror } from './mirror';
import { mountsUnder, readMounts, unmountTree } from './mounts';
import { run } from './run';
import type { ProgressReporter } from './types';

/** sshd settings of the lab servers: root by key only, everyone else may use a password. */
const SSHD_CONFIG = `# Lockstep practice lab
PermitRootLogin prohibit-password
PasswordAuthentication yes
KbdInteractiveAuthentication no
UseDNS no
`;

/** The cache key: a root is reused only for the same release, packages and recipe. */
export function rootCacheKey(
  release: string = LAB_RELEASE,
  packages: readonly string[] = LAB_PACKAGES,
  recipe: number = ROOT_RECIPE_VERSION,
): string {
  const digest = createHash('sha256')
    .update(JSON.stringify({ release, packages: [...packages].sort(), recipe }))
    .digest('hex');
  return `${release}-${digest.slice(0, 12)}`;
}

/** Where the cached root for the current recipe lives (it may not exist yet). */
export function rootCachePath(cacheDir = ROOT_CACHE_DIR): string {
  return join(cacheDir, rootCacheKey());
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes half-built roots of interrupted builds (their builder is gone); the VM lab's image cache uses it too. */
export async function removeStaleBuilds(cacheDir: string): Promise<void> {
  for (const entry of readdirSync(cacheDir)) {
    const match = /^\.build-.*-(\d+)$/.exec(entry);
    if (!match || pidAlive(Number(match[1]))) continue;
    const dir = join(cacheDir, entry);
    await unmountTree(dir);
    if (mountsUnder(dir).length === 0) rmSync(dir, { recursive: true, force: true });
  }
}

/** Deletes cached roots of older recipes, unless a running lab still uses one as its lower layer. */
function removeOutdatedRoots(cacheDir: string, keep: string): void {
  const inUse = readMounts()
    .filter((mount) => mount.type === 'overlay')
    .map((mount) => mount.options);
  for (const entry of readdirSync(cacheDir)) {
    const dir = join(cacheDir, entry);
    if (dir === keep || !/^[a-z]+-[0-9a-f]{12}$/.test(entry)) continue;
    if (inUse.some((options) => options.includes(`lowerdir=${dir},`) || options.includes(`lowerdir=${dir}:`)))
      continue;
    if (mountsUnder(dir).length === 0) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Turns debootstrap's chatter into a few progress lines: one per phase (retrieving,
 * extracting, configuring…) plus a heartbeat, so a person sees the ~50 s build move.
 */
export function debootstrapProgress(onProgress: ProgressReporter): {
  onLine: (line: string) => void;
  stop: () => void;
} {
  const started = Date.now();
  let phase = 'starting';
  let count = 0;
  const timer = setInterval(() => {
    onProgress(`  … ${Math.round((Date.now() - started) / 1000)} s, ${phase.toLowerCase()} (${count} steps)`);
  }, 10_000);
  return {
    onLine: (line: string) => {
      const match = /^I: (\w+)/.exec(line);
      if (!match?.[1]) return;
      count += 1;
      const verb = match[1] === 'Validating' ? 'Retrieving' : match[1];
      if (verb !== phase) {
        phase = verb;
        onProgress(`  debootstrap: ${line.slice(3)}`);
      }
    },
    stop: () => clearInterval(timer),
  };
}

/** Commands run in the fresh root (chroot) to make it a lab server image. */
async function customise(root: string): Promise<void> {
  for (const entry of readdirSync(join(root, 'etc/ssh'))) {
    if (entry.startsWith('ssh_host_')) rmSync(join(root, 'etc/ssh', entry));
  }
  writeFileSync(join(root, 'etc/machine-id'), '');
  rmSync(join(root, 'var/lib/dbus/machine-id'), { force: true });
  rmSync(join(root, 'etc/hostname'), { force: true });
  writeFileSync(join(root, 'etc/ssh/sshd_config.d/lockstep-lab.conf'), SSHD_CONFIG);
  await run([
    'chroot',
    root,
    'useradd',
    '--create-home',
    '--shell',
    '/bin/bash',
    '--groups',
    'sudo',
    ADMIN_USER,
  ]);
  await run(['chroot', root, 'useradd', '--create-home', '--shell', '/bin/bash', NOSUDO_USER]);
  mkdirSync(join(root, 'root/.ssh'), { recursive: true, mode: 0o700 });
  for (const entry of readdirSync(join(root, 'var/cache/apt/archives'))) {
    if (entry.endsWith('.deb')) rmSync(join(root, 'var/cache/apt/archives', entry));
  }
  writeFileSync(join(root, 'etc/lockstep-lab-root'), `${rootCacheKey()}\n`);
}

/**
 * Returns the cached Debian root the lab's servers boot from (the lower layer of their
 * overlays), building it first when missing: debootstrap into a temporary directory,
 * customise it, then rename, so that an interrupted build is never used.
 */
export async function ensureRootCache(
  onProgress: ProgressReporter,
  cacheDir = ROOT_CACHE_DIR,
): Promise<string> {
  const final = rootCachePath(cacheDir);
  if (existsSync(join(final, 'etc/lockstep-lab-root'))) return final;
  mkdirSync(cacheDir, { recursive: true, mode: 0o755 });
  await removeStaleBuilds(cacheDir);
  const mirror = hostMirror(LAB_RELEASE);
  const building = join(cacheDir, `.build-${rootCacheKey()}-${process.pid}`);
  onProgress(
    `Building the server image (Debian ${LAB_RELEASE}, minbase + ${LAB_PACKAGES.length} packages) from ${mirror}; first time only, about a minute…`,
  );
  const started = Date.now();
  const progress = debootstrapProgress(onProgress);
  try {
    await run(
      [
        'debootstrap',
        '--variant=minbase',
        `--include=${LAB_PACKAGES.join(',')}`,
        LAB_RELEASE,
        building,
        mirror,
      ],
      { onLine: progress.onLine, timeoutMs: 15 * 60_000 },
    );
    await customise(building);
  } catch (error) {
    progress.stop();
    await unmountTree(building).catch(() => undefined);
    if (mountsUnder(building).length === 0) rmSync(building, { recursive: true, force: true });
    throw error;
  }
  progress.stop();
  rmSync(final, { recursive: true, force: true });
  renameSync(building, final);
  removeOutdatedRoots(cacheDir, final);
  onProgress(`Server image ready in ${Math.round((Date.now() - started) / 1000)} s: ${final}`);
  return final;
}
