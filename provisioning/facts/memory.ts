import type { MemoryInfo } from '../api/inventory';
import { FactParseError, type Fact } from './types';

/** /proc/meminfo as a map of field → bytes (kB fields converted; counts kept as is). */
export function parseMeminfo(stdout: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const match = /^([A-Za-z0-9_()]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (!match) continue;
    const value = Number(match[2]);
    fields.set(match[1] ?? '', line.trimEnd().endsWith('kB') ? value * 1024 : value);
  }
  return fields;
}

/** Memory size (`mem.insufficient`, `mem.mismatch`). */
export const memoryFact: Fact<MemoryInfo> = {
  id: 'memory',
  command: 'cat /proc/meminfo',
  parse(stdout) {
    const fields = parseMeminfo(stdout);
    const total = fields.get('MemTotal');
    if (total === undefined) throw new FactParseError('/proc/meminfo has no MemTotal');
    return {
      totalBytes: total,
      availableBytes: fields.get('MemAvailable') ?? null,
      swapTotalBytes: fields.get('SwapTotal') ?? 0,
      hugePagesTotal: fields.get('HugePages_Total') ?? null,
      hugePageSizeBytes: fields.get('Hugepagesize') ?? null,
    };
  },
};
