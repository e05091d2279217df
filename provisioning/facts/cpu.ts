import { isRecord, parseJson, str } from './parse-util';
import { FactParseError, type Fact } from './types';

/** lscpu's fields that the inventory uses, by their English names (the script runs under LC_ALL=C). */
export interface LscpuInfo {
  readonly architecture: string | null;
  readonly vendor: string | null;
  readonly model: string | null;
  readonly sockets: number | null;
  readonly coresPerSocket: number | null;
  readonly threadsPerCore: number | null;
  readonly logicalCpus: number | null;
  readonly flags: readonly string[];
  readonly hypervisorVendor: string | null;
  /** lscpu's "Virtualization:" line (`VT-x`, `AMD-V`), when the CPU offers it. */
  readonly virtualization: string | null;
}

/** Flattens `lscpu -J` (util-linux ≥ 2.38 nests fields under "children") into field → data. */
export function lscpuFields(stdout: string): Map<string, string> {
  const root = parseJson(stdout, 'lscpu -J');
  if (!isRecord(root) || !Array.isArray(root.lscpu))
    throw new FactParseError('lscpu -J has no "lscpu" array');
  const fields = new Map<string, string>();
  const visit = (entries: readonly unknown[]): void => {
    for (const entry of entries) {
      if (!isRecord(entry)) continue;
      const field = str(entry.field)?.replace(/:$/, '');
      const data = str(entry.data);
      if (field && data !== null && !fields.has(field)) fields.set(field, data);
      if (Array.isArray(entry.children)) visit(entry.children);
    }
  };
  visit(root.lscpu);
  return fields;
}

function int(text: string | undefined): number | null {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : null;
}

/** CPU identity and topology (`cpu.arch`, `cpu.mismatch`). */
export const cpuFact: Fact<LscpuInfo> = {
  id: 'cpu',
  command: 'lscpu -J',
  parse(stdout) {
    const fields = lscpuFields(stdout);
    return {
      architecture: fields.get('Architecture') ?? null,
      vendor: fields.get('Vendor ID') ?? null,
      model: fields.get('Model name') ?? null,
      sockets: int(fields.get('Socket(s)')),
      coresPerSocket: int(fields.get('Core(s) per socket') ?? fields.get('Core(s) per cluster')),
      threadsPerCore: int(fields.get('Thread(s) per core')),
      logicalCpus: int(fields.get('CPU(s)')),
      flags: (fields.get('Flags') ?? '').split(/\s+/).filter(Boolean),
      hypervisorVendor: fields.get('Hypervisor vendor') ?? null,
      virtualization: fields.get('Virtualization') ?? null,
    };
  },
};

/** The first CPU's flags from /proc/cpuinfo: the kernel's own list, present even without lscpu. */
export const cpuFlagsFact: Fact<readonly string[]> = {
  id: 'cpu-flags',
  command: "grep -m1 -E '^flags' /proc/cpuinfo",
  parse(stdout) {
    const match = /^flags\s*:\s*(.*)$/m.exec(stdout);
    if (!match) throw new FactParseError('/proc/cpuinfo has no flags line');
    return (match[1] ?? '').split(/\s+/).filter(Boolean);
  },
};

/** Hardware virtualization offered by the CPU, from its flags. */
export function virtualizationFlag(flags: readonly string[]): 'vmx' | 'svm' | null {
  if (flags.includes('vmx')) return 'vmx';
  if (flags.includes('svm')) return 'svm';
  return null;
}

/**
 * Xen's capabilities (`/sys/hypervisor/properties/capabilities`; empty off Xen). On a
 * Xen dom0 the kernel runs paravirtualized and /proc/cpuinfo hides vmx/svm, while Xen
 * itself still offers HVM guests: `hvm-3.0-x86_64` says so.
 */
export const xenCapabilitiesFact: Fact<readonly string[]> = {
  id: 'xen-capabilities',
  command: 'cat /sys/hypervisor/properties/capabilities 2>/dev/null; exit 0',
  parse: (stdout) => stdout.split(/\s+/).filter(Boolean),
};

/** Hardware virtualization as Xen offers it to guests, named after the CPU vendor's flag. */
export function xenHvmFlag(capabilities: readonly string[], vendor: string | null): 'vmx' | 'svm' | null {
  if (!capabilities.some((capability) => capability.startsWith('hvm-'))) return null;
  return vendor === 'AuthenticAMD' || vendor === 'HygonGenuine' ? 'svm' : 'vmx';
}
