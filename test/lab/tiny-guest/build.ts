import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The guest's source: a boot sector that counts boots and ticks on its own disk (see its header). */
export const TINY_GUEST_SOURCE = join(__dirname, 'guest.S');

/** Serial lines of the tiny guest: `boot B resumed at tick T` and `tick T stored (boot B)`. */
export const BOOT_LINE = /lockstep-guest: boot (\d+) resumed at tick (\d+)/g;
export const TICK_LINE = /lockstep-guest: tick (\d+) stored \(boot (\d+)\)/g;

/**
 * Assembles the guest with binutils into a raw 1 MiB disk image (the boot sector, its
 * state sector zero) in `dir`, and returns the image's path.
 */
export function buildTinyGuest(dir: string): string {
  const work = mkdtempSync(join(tmpdir(), 'lockstep-tiny-guest-'));
  try {
    const object = join(work, 'guest.o');
    const image = join(dir, 'tiny-guest.raw');
    execFileSync('as', ['--32', '-o', object, TINY_GUEST_SOURCE], { stdio: 'pipe' });
    execFileSync('ld', ['-m', 'elf_i386', '-Ttext', '0x7c00', '--oformat', 'binary', '-e', '_start', '-o', image, object], { stdio: 'pipe' });
    truncateSync(image, 1024 * 1024);
    return image;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The last match of a line pattern in a console log, as numbers. */
export function lastMatch(log: string, pattern: RegExp): number[] | null {
  const all = [...log.matchAll(pattern)];
  const last = all.at(-1);
  return last ? last.slice(1).map(Number) : null;
}
