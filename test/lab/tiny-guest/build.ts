import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** The builder (binutils): `build.sh OUT.raw`. */
const BUILD_SCRIPT = join(__dirname, 'build.sh');

/** Serial lines of the tiny guest: `boot B resumed at tick T` and `tick T stored (boot B)`. */
export const BOOT_LINE = /lockstep-guest: boot (\d+) resumed at tick (\d+)/g;
export const TICK_LINE = /lockstep-guest: tick (\d+) stored \(boot (\d+)\)/g;

/** Assembles the guest into a raw 1 MiB disk image in `dir` (build.sh) and returns its path. */
export function buildTinyGuest(dir: string): string {
  const image = join(dir, 'tiny-guest.raw');
  execFileSync('bash', [BUILD_SCRIPT, image], { stdio: 'pipe' });
  return image;
}

/** The last match of a line pattern in a console log, as numbers. */
export function lastMatch(log: string, pattern: RegExp): number[] | null {
  const all = [...log.matchAll(pattern)];
  const last = all.at(-1);
  return last ? last.slice(1).map(Number) : null;
}
