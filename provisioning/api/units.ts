/**
 * Human sizes, speeds and durations (pure, no Node): the CLI, the checks' messages and
 * the renderer all say a number the same way.
 */

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** Bytes in binary units, as lsblk and the installer speak: `512 B`, `1.5 GiB`, `256 GiB`, `3.6 TiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const text = unit === 0 || value >= 100 || Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1);
  return `${text.replace(/\.0$/, '')} ${BINARY_UNITS[unit]}`;
}

/** A link speed given in Mb/s (sysfs), as NIC vendors print it: `100 Mb/s`, `1 Gb/s`, `2.5 Gb/s`, `25 Gb/s`. */
export function formatSpeed(megabits: number | null): string {
  if (megabits === null || !Number.isFinite(megabits) || megabits <= 0) return 'speed ?';
  if (megabits < 1000) return `${megabits} Mb/s`;
  const gigabits = megabits / 1000;
  return `${Number.isInteger(gigabits) ? gigabits : gigabits.toFixed(1)} Gb/s`;
}

/** A short duration: `0.07 ms`, `12 ms`, `1.5 s`. */
export function formatMs(ms: number): string {
  if (Math.abs(ms) >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  return ms >= 10 ? `${Math.round(ms)} ms` : `${ms.toFixed(2)} ms`;
}
