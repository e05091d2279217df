import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { LockstepError } from '../../api/errors';

/**
 * A disk image to import, read on this computer in chunks (an image can be many GiB: it
 * never sits in memory whole). Raw only: a qcow2 or other container written byte for
 * byte onto a disk would not boot, so it is refused with the conversion command.
 */
export interface ImageSource {
  readonly path: string;
  readonly sizeBytes: number;
  readonly sha256: string;
}

/** Each chunk travels as the stdin of one `dd` on the node. */
export const IMAGE_CHUNK_BYTES = 32 * 1024 * 1024;

/** Calls `onChunk` with each chunk and its offset, in order. */
export async function forEachChunk(path: string, onChunk: (chunk: Buffer, offset: number) => Promise<void>): Promise<void> {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(IMAGE_CHUNK_BYTES);
    for (let offset = 0; ; ) {
      const length = readSync(fd, buffer, 0, IMAGE_CHUNK_BYTES, offset);
      if (length === 0) return;
      await onChunk(buffer.subarray(0, length), offset);
      offset += length;
    }
  } finally {
    closeSync(fd);
  }
}

/** The formats a raw copy would break, by their magic bytes. */
export function containerFormat(head: Buffer): string | null {
  if (head.subarray(0, 4).toString('latin1') === 'QFI\xfb') return 'qcow2';
  if (head.subarray(0, 8).toString('latin1') === 'conectix') return 'vhd';
  if (head.subarray(0, 4).toString('latin1') === 'KDMV') return 'vmdk';
  if (head.subarray(0, 8).toString('latin1') === 'vhdxfile') return 'vhdx';
  return null;
}

/** Reads an image file's size and checksum; a clear error for a missing, empty or non-raw file. */
export async function describeImage(path: string): Promise<ImageSource> {
  const fail = (message: string, remedy: string): LockstepError => new LockstepError({ code: 'usage', field: '--image', message, remedy });
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw fail(`The image ${path} does not exist or cannot be read.`, 'Give the path of a raw disk image on this computer.');
  }
  if (size === 0) throw fail(`The image ${path} is empty.`, 'Give a raw disk image (a bootable disk, byte for byte).');
  const head = Buffer.alloc(8);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 8, 0);
  } finally {
    closeSync(fd);
  }
  const format = containerFormat(head);
  if (format)
    throw fail(`The image ${path} is ${format}, not a raw disk image.`, `Convert it first: qemu-img convert -O raw ${path} ${path.replace(/\.[^./]+$/, '')}.raw`);
  const hash = createHash('sha256');
  await forEachChunk(path, async (chunk) => {
    hash.update(chunk);
  });
  return { path, sizeBytes: size, sha256: hash.digest('hex') };
}
