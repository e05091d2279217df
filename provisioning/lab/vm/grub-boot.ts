import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../run';

/**
 * The VM lab's Xen variant boots its servers the way a real server boots: through
 * GRUB reading `/boot/grub/grub.cfg` from the system disk, so that what `update-grub`
 * writes (the Xen recipe's default entry, dom0 memory) decides the next boot, and a
 * reboot lands in Xen. The system disk is one ext4 filesystem without a partition
 * table, so GRUB is not installed into it; QEMU loads GRUB (core.img behind
 * `lnxboot.img`, the Linux-boot-protocol header GRUB ships for this) as the firmware's
 * boot loader, and that GRUB reads the disk through the BIOS like an installed one.
 */

/** The loader beside the image's kernel (`-kernel` of a GRUB-booted lab VM). */
export const GRUB_LOADER_FILE = 'grub.krn';

/** The lab's GRUB defaults inside the image (update-grub reads them with the recipe's). */
export const LAB_GRUB_DEFAULTS = '/etc/default/grub.d/lockstep-lab.cfg';

/** Modules in core.img: enough to read grub.cfg and boot Linux or Xen without /boot/grub/i386-pc. */
const CORE_MODULES = ['biosdisk', 'part_msdos', 'ext2', 'normal', 'configfile', 'search', 'search_fs_uuid', 'linux', 'multiboot2', 'gzio', 'echo', 'test', 'serial', 'terminal'];

/**
 * What the lab's servers boot with, as `/etc/default/grub.d` settings: the kernel line
 * of a `-kernel` lab VM (serial console, root read-write), dom0 on Xen's console, and
 * Xen's own console on the serial port. `smep=0 smap=0`: under QEMU's TCG, Xen 4.17
 * crashes a PV dom0 at its first page fault with them on (measured on this lab); real
 * hardware does not need this.
 */
export function labGrubDefaults(): string {
  return [
    '# The VM lab: GRUB and the kernels talk on the serial console (the lab keeps it as a log).',
    'GRUB_TIMEOUT=0',
    'GRUB_TERMINAL=serial',
    'GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"',
    'GRUB_DISABLE_OS_PROBER=true',
    'GRUB_CMDLINE_LINUX="rw console=ttyS0 mitigations=off net.ifnames=1"',
    'GRUB_CMDLINE_LINUX_XEN_REPLACE="rw console=hvc0 mitigations=off net.ifnames=1"',
    '# TCG only: Xen with SMEP/SMAP crashes a PV dom0 under emulation.',
    'GRUB_CMDLINE_XEN="console=com1 com1=115200,8n1 smep=0 smap=0"',
    '',
  ].join('\n');
}

/** The menu the image starts with, until `update-grub` on the server writes its own. */
export function initialGrubConfig(kernelRelease: string): string {
  return [
    'serial --unit=0 --speed=115200',
    'terminal_input serial',
    'terminal_output serial',
    'set timeout=0',
    `menuentry 'Debian GNU/Linux (lab image, ${kernelRelease})' {`,
    '  set root=(hd0)',
    `  linux /boot/vmlinuz-${kernelRelease} root=/dev/vda rw console=ttyS0 mitigations=off net.ifnames=1`,
    `  initrd /boot/initrd.img-${kernelRelease}`,
    '}',
    '',
  ].join('\n');
}

/**
 * Puts GRUB into the image root (defaults, first menu, modules where grub-install
 * would put them) and writes the loader QEMU starts into `outDir`.
 */
export async function installLabGrub(root: string, kernelRelease: string, outDir: string): Promise<void> {
  mkdirSync(join(root, 'etc/default/grub.d'), { recursive: true });
  writeFileSync(join(root, LAB_GRUB_DEFAULTS), labGrubDefaults());
  const modules = join(root, 'usr/lib/grub/i386-pc');
  const installed = join(root, 'boot/grub/i386-pc');
  mkdirSync(installed, { recursive: true });
  for (const entry of readdirSync(modules)) {
    if (/\.(mod|lst)$/.test(entry)) copyFileSync(join(modules, entry), join(installed, entry));
  }
  writeFileSync(join(root, 'boot/grub/grub.cfg'), initialGrubConfig(kernelRelease));
  await run(['chroot', root, 'grub-mkimage', '-O', 'i386-pc', '-o', '/boot/grub/i386-pc/core.img', '-p', '(hd0)/boot/grub', ...CORE_MODULES], {
    timeoutMs: 120_000,
  });
  const loader = Buffer.concat([readFileSync(join(modules, 'lnxboot.img')), readFileSync(join(installed, 'core.img'))]);
  writeFileSync(join(outDir, GRUB_LOADER_FILE), loader);
}
