import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * The tiny guest of the COLO test: Debian's own kernel and a busybox initramfs whose
 * init keeps a counter in a shell variable (memory only) and prints it on the serial
 * console every ~0.25 s with the boot id and uptime, after reading back from the disk
 * the value it wrote there on the previous tick (so a broken block replication shows).
 * Every 10th tick it pings the user-mode network's gateway (the COLO proxy's traffic).
 * Built once per kernel release into a cache dir; the build needs the Debian mirror
 * (`apt-get download`) and busybox-static.
 */

export const FT_GUEST_CACHE_DIR = '/var/cache/lockstep/ft-guest';

/** The guest's init (busybox sh). */
export const FT_GUEST_INIT = `#!/bin/sh
# Lockstep COLO test guest: an in-memory counter on the serial console.
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in virtio_pci virtio_blk virtio_net; do modprobe $m; done
boot=$(cat /proc/sys/kernel/random/boot_id)
ip link set lo up
ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up
n=0
while true; do
  echo 3 > /proc/sys/vm/drop_caches
  disk=$(dd if=/dev/vda bs=512 count=1 2>/dev/null | head -n 1 | tr -dc 0-9)
  n=$((n+1))
  echo "$n" | dd of=/dev/vda bs=512 count=1 conv=sync,fsync 2>/dev/null
  net=-
  if [ $((n % 10)) -eq 0 ]; then ping -c 1 -W 2 10.0.2.2 >/dev/null 2>&1 && net=ok || net=fail; fi
  echo "colo-tick boot=$boot n=$n disk=\${disk:-none} net=$net up=$(cut -d' ' -f1 /proc/uptime)"
  sleep 0.2
done
`;

/** Kernel modules the guest loads (with their dependencies from modules.dep). */
const MODULES = ['virtio_pci', 'virtio_blk', 'virtio_net'];

/** A built guest. */
export interface FtGuest {
  readonly kernel: string;
  readonly initrd: string;
  readonly kernelRelease: string;
  /** Kernel command line: serial console, quiet. */
  readonly append: string;
}

/** One counter line of the serial console. */
export interface Tick {
  readonly boot: string;
  readonly n: number;
  /** What the disk held before this tick wrote `n` (the previous tick's value); null when empty. */
  readonly disk: number | null;
  readonly net: 'ok' | 'fail' | null;
  readonly uptime: number;
}

/** The counter lines of a console log (other lines, e.g. kernel messages, are skipped). */
export function parseTicks(text: string): Tick[] {
  const ticks: Tick[] = [];
  for (const match of text.matchAll(/colo-tick boot=(\S+) n=(\d+) disk=(\S+) net=(\S+) up=([\d.]+)/g)) {
    const [, boot, n, disk, net, up] = match;
    if (!boot || !n || !disk || !net || !up) continue;
    ticks.push({
      boot,
      n: Number(n),
      disk: /^\d+$/.test(disk) ? Number(disk) : null,
      net: net === 'ok' ? 'ok' : net === 'fail' ? 'fail' : null,
      uptime: Number(up),
    });
  }
  return ticks;
}

/** Why the guest cannot be built here, or undefined when it can. */
export function ftGuestUnavailableReason(): string | undefined {
  if (!existsSync('/bin/busybox')) return 'busybox-static is not installed (apt-get install busybox-static)';
  const kind = execFileSync('dpkg-query', ['-S', '/bin/busybox'], { encoding: 'utf8' }).split(':')[0];
  if (kind !== 'busybox-static') return `/bin/busybox comes from ${kind}, not busybox-static`;
  return undefined;
}

/** Builds (or reuses) the guest for the current `linux-image-amd64`. */
export function buildFtGuest(log: (line: string) => void = () => undefined): FtGuest {
  const release = currentKernelRelease();
  const dir = join(FT_GUEST_CACHE_DIR, release);
  const guest: FtGuest = {
    kernel: join(dir, 'vmlinuz'),
    initrd: join(dir, 'initrd.gz'),
    kernelRelease: release,
    append: 'console=ttyS0 mitigations=off quiet panic=-1',
  };
  const ready = join(dir, 'ready');
  if (existsSync(ready) && readFileSync(ready, 'utf8') === FT_GUEST_INIT) return guest;

  mkdirSync(FT_GUEST_CACHE_DIR, { recursive: true });
  const work = mkdtempSync(join(FT_GUEST_CACHE_DIR, '.build-'));
  try {
    log(`ft guest: downloading linux-image-${release}`);
    execFileSync('apt-get', ['download', `linux-image-${release}`], { cwd: work, stdio: 'pipe' });
    const deb = readdirSync(work).find((name) => name.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download linux-image-${release} left no .deb`);
    const kroot = join(work, 'kroot');
    execFileSync('dpkg-deb', ['-x', join(work, deb), kroot]);
    // The package leaves modules.dep to the postinst's depmod.
    execFileSync('/bin/busybox', ['depmod', '-b', kroot, release]);
    const out = join(work, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'vmlinuz'), readFileSync(join(kroot, 'boot', `vmlinuz-${release}`)));
    writeFileSync(join(out, 'initrd.gz'), gzipSync(initramfs(kroot, release), { level: 6 }));
    writeFileSync(join(out, 'ready'), FT_GUEST_INIT);
    rmSync(dir, { recursive: true, force: true });
    renameSync(out, dir);
    log(`ft guest: built in ${dir}`);
    return guest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function currentKernelRelease(): string {
  const depends = execFileSync('apt-cache', ['depends', 'linux-image-amd64'], { encoding: 'utf8' });
  const match = /Depends: linux-image-(\d[^\s]*-amd64)/.exec(depends);
  if (!match?.[1]) throw new Error(`cannot tell the kernel of linux-image-amd64 from:\n${depends}`);
  return match[1];
}

/** One entry of the initramfs. */
type Entry =
  | { readonly kind: 'dir'; readonly path: string }
  | { readonly kind: 'file'; readonly path: string; readonly data: Buffer; readonly mode: number }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string };

function initramfs(kroot: string, release: string): Buffer {
  const entries: Entry[] = [];
  const dirs = new Set<string>();
  const dir = (path: string) => {
    const parts = path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (!dirs.has(prefix)) {
        dirs.add(prefix);
        entries.push({ kind: 'dir', path: prefix });
      }
    }
  };
  for (const path of ['bin', 'proc', 'sys', 'dev']) dir(path);
  entries.push({ kind: 'file', path: 'bin/busybox', data: readFileSync('/bin/busybox'), mode: 0o755 });
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets)
    if (applet !== 'busybox') entries.push({ kind: 'symlink', path: `bin/${applet}`, target: 'busybox' });
  entries.push({ kind: 'file', path: 'init', data: Buffer.from(FT_GUEST_INIT), mode: 0o755 });

  const modulesDir = join(kroot, 'lib', 'modules', release);
  const dep = readFileSync(join(modulesDir, 'modules.dep'), 'utf8');
  const wanted = new Set<string>();
  for (const name of MODULES) {
    const line = dep
      .split('\n')
      .find((candidate) => new RegExp(`(^|/)${name}\\.ko(\\.[a-z]+)?:`).test(candidate));
    if (!line) throw new Error(`kernel ${release} has no module ${name}`);
    for (const file of line.replace(':', '').split(/\s+/).filter(Boolean)) wanted.add(file);
  }
  const base = `lib/modules/${release}`;
  dir(base);
  for (const name of ['modules.dep', 'modules.alias']) {
    const path = join(modulesDir, name);
    if (existsSync(path))
      entries.push({ kind: 'file', path: `${base}/${name}`, data: readFileSync(path), mode: 0o644 });
  }
  for (const file of wanted) {
    const source = join(modulesDir, file);
    const stat = lstatSync(source);
    const target = `${base}/${relative(modulesDir, source)}`;
    dir(target.split('/').slice(0, -1).join('/'));
    if (stat.isSymbolicLink()) entries.push({ kind: 'symlink', path: target, target: readlinkSync(source) });
    else entries.push({ kind: 'file', path: target, data: readFileSync(source), mode: 0o644 });
  }
  return cpioNewc(entries);
}

/** A `newc` cpio archive (what the kernel unpacks as an initramfs). */
function cpioNewc(entries: readonly Entry[]): Buffer {
  const chunks: Buffer[] = [];
  let inode = 1;
  const pad = (length: number) => Buffer.alloc((4 - (length % 4)) % 4);
  const add = (path: string, mode: number, data: Buffer) => {
    const name = Buffer.from(`${path}\0`);
    const fields = [inode++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length, 0];
    const header = Buffer.from(
      `070701${fields.map((value) => value.toString(16).padStart(8, '0')).join('')}`,
    );
    chunks.push(header, name, pad(header.length + name.length), data, pad(data.length));
  };
  for (const entry of entries) {
    if (entry.kind === 'dir') add(entry.path, 0o040755, Buffer.alloc(0));
    else if (entry.kind === 'file') add(entry.path, 0o100000 | entry.mode, entry.data);
    else add(entry.path, 0o120777, Buffer.from(entry.target));
  }
  add('TRAILER!!!', 0, Buffer.alloc(0));
  return Buffer.concat(chunks);
}
