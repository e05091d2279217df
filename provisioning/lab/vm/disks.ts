import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../run';
import { DATA_DISK_SIZE, POOL_DISK_SIZE } from './constants';
import type { VmImage } from './image';
import type { VmFiles } from './qemu';

/** The file the data disk holds: what a disk with someone's data looks like to `probe`. */
export const DATA_DISK_FILE = 'customer-records.txt';

/**
 * A VM's three disks, new on every `lab up`: the system disk as a qcow2 overlay on the
 * cached image (the image is never written), a blank pool disk, and a disk holding an
 * ext4 filesystem with a file on it, which `probe` must report in use and never offer.
 */
export async function createVmDisks(files: VmFiles, image: VmImage): Promise<void> {
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  for (const file of [files.system, files.pool, files.data]) rmSync(file, { force: true });
  await run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', image.base, '-F', 'qcow2', files.system]);
  await run(['qemu-img', 'create', '-q', '-f', 'qcow2', files.pool, POOL_DISK_SIZE]);
  const content = join(files.dir, 'data-content');
  rmSync(content, { recursive: true, force: true });
  mkdirSync(content, { mode: 0o755 });
  writeFileSync(
    join(content, DATA_DISK_FILE),
    'Lockstep VM lab: this disk holds data. Lockstep must never offer it for the pool.\n',
  );
  await run(['mkfs.ext4', '-q', '-F', '-L', 'lab-data', '-d', content, files.data, DATA_DISK_SIZE]);
  rmSync(content, { recursive: true, force: true });
}
