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

/** The Xen host's memory (`xl info`, MiB → bytes), on a dom0 only. */
export interface XenMemory {
  readonly totalBytes: number;
  readonly freeBytes: number;
}

/**
 * On a Xen dom0, /proc/meminfo is dom0's share (its `dom0_mem`), not the server's: the
 * host's memory is Xen's to tell. Prints nothing elsewhere (null).
 */
export const xenMemoryFact: Fact<XenMemory | null> = {
  id: 'xen-memory',
  command: "grep -qs control_d /proc/xen/capabilities && command -v xl >/dev/null && xl info | grep -E '^(total|free)_memory'; exit 0",
  parse(stdout) {
    const mib = (field: string): number | undefined => {
      const match = new RegExp(`^${field}\\s*:\\s*(\\d+)\\s*$`, 'm').exec(stdout);
      return match ? Number(match[1]) * 1024 * 1024 : undefined;
    };
    const total = mib('total_memory');
    if (total === undefined) {
      if (stdout.trim()) throw new FactParseError('xl info printed no total_memory');
      return null;
    }
    return { totalBytes: total, freeBytes: mib('free_memory') ?? 0 };
  },
};

/** Memory as the checks should see it: the host's on Xen, with dom0's share kept apart. */
export function hostMemory(memory: MemoryInfo, xen: XenMemory | null | undefined): MemoryInfo {
  if (!xen) return memory;
  return { ...memory, totalBytes: xen.totalBytes, availableBytes: xen.freeBytes, dom0Bytes: memory.totalBytes };
}
