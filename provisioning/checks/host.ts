import { isFactError } from '../api/inventory';
import { Thresholds } from './catalogue';
import { formatBytes, formatMs } from '../api/units';
import { finding, reachedNodes, type Check } from './types';

/** Host checks: OS, CPU, memory, names and clocks (PRODUCT.md "Host"). */

const SUPPORTED = new Map([
  ['12', 'bookworm'],
  ['13', 'trixie'],
]);

export const osUnsupported: Check = {
  id: 'os.unsupported',
  applicable: () => true,
  run: (context) =>
    reachedNodes(context).map(({ label, inventory }) => {
      const os = inventory.os;
      const host = inventory.host;
      if (isFactError(os))
        return finding('os.unsupported', 'warn', `Could not read /etc/os-release: ${os.error}.`, {
          node: label,
        });
      const arch = isFactError(host) ? null : host.architecture;
      const supported =
        os.id === 'debian' && os.versionId !== null && SUPPORTED.has(os.versionId) && arch === 'x86_64';
      return supported
        ? finding('os.unsupported', 'pass', `${os.prettyName} (${arch}) is supported.`, { node: label })
        : finding(
            'os.unsupported',
            'fail',
            `${os.prettyName}${arch ? ` (${arch})` : ''} is not supported: Lockstep needs Debian 12 or 13 on amd64.`,
            {
              node: label,
            },
          );
    }),
};

export const cpuArch: Check = {
  id: 'cpu.arch',
  applicable: () => true,
  run: (context) =>
    reachedNodes(context).map(({ label, inventory }) => {
      const host = inventory.host;
      if (isFactError(host))
        return finding('cpu.arch', 'warn', `Could not read the architecture: ${host.error}.`, {
          node: label,
        });
      return host.architecture === 'x86_64'
        ? finding('cpu.arch', 'pass', 'x86_64 processor.', { node: label })
        : finding(
            'cpu.arch',
            'fail',
            `The processor architecture is ${host.architecture}; Lockstep needs x86_64.`,
            { node: label },
          );
    }),
};

export const cpuVirtMissing: Check = {
  id: 'cpu.virt-missing',
  applicable: () => true,
  run: (context) =>
    reachedNodes(context).map(({ label, inventory }) => {
      const cpu = inventory.cpu;
      if (isFactError(cpu))
        return finding('cpu.virt-missing', 'warn', `Could not read the CPU flags: ${cpu.error}.`, {
          node: label,
        });
      if (cpu.virtualization) {
        const name = cpu.virtualization === 'vmx' ? 'Intel VT-x (vmx)' : 'AMD-V (svm)';
        return finding('cpu.virt-missing', 'pass', `${name} available.`, { node: label });
      }
      return finding(
        'cpu.virt-missing',
        'fail',
        'The CPU offers no hardware virtualization (neither vmx nor svm): VMs could not run at useful speed.',
        {
          node: label,
        },
      );
    }),
};

export const cpuNested: Check = {
  id: 'cpu.nested',
  applicable: () => true,
  run: (context) =>
    reachedNodes(context).map(({ label, inventory }) => {
      const virt = inventory.virtualization;
      if (isFactError(virt))
        return finding('cpu.nested', 'info', `Could not tell whether the server is virtual: ${virt.error}.`, {
          node: label,
        });
      const under = virt.vm ?? virt.container ?? virt.hypervisorVendor;
      return under
        ? finding(
            'cpu.nested',
            'warn',
            `The server itself runs under ${under}: nested virtualization is slow, and a failure of the host takes both "servers" down.`,
            {
              node: label,
            },
          )
        : finding('cpu.nested', 'pass', 'Runs on bare metal.', { node: label });
    }),
};

export const cpuMismatch: Check = {
  id: 'cpu.mismatch',
  applicable: (context) => reachedNodes(context).length === 2,
  run: (context) => {
    const [a, b] = reachedNodes(context);
    if (!a || !b || isFactError(a.inventory.cpu) || isFactError(b.inventory.cpu)) return [];
    const cpuA = a.inventory.cpu;
    const cpuB = b.inventory.cpu;
    const differences: string[] = [];
    if (cpuA.vendor !== cpuB.vendor) differences.push(`vendor ${cpuA.vendor} vs ${cpuB.vendor}`);
    else if (cpuA.model !== cpuB.model) differences.push(`model "${cpuA.model}" vs "${cpuB.model}"`);
    const flagsA = new Set(cpuA.flags);
    const flagsB = new Set(cpuB.flags);
    const onlyA = [...flagsA].filter((flag) => !flagsB.has(flag));
    const onlyB = [...flagsB].filter((flag) => !flagsA.has(flag));
    if (onlyA.length + onlyB.length > 0) {
      const listed = [
        ...onlyA.slice(0, 5).map((flag) => `${flag} only on ${a.label}`),
        ...onlyB.slice(0, 5).map((flag) => `${flag} only on ${b.label}`),
      ];
      const more = onlyA.length + onlyB.length - listed.length;
      differences.push(`CPU flags differ (${listed.join(', ')}${more > 0 ? `, … ${more} more` : ''})`);
    }
    if (differences.length === 0)
      return [
        finding(
          'cpu.mismatch',
          'pass',
          `Both servers have the same processor (${cpuA.model ?? 'unknown model'}).`,
        ),
      ];
    const ft = context.site.availability.default === 'ft';
    return [
      finding(
        'cpu.mismatch',
        ft ? 'fail' : 'warn',
        `The processors differ: ${differences.join('; ')}. ${ft ? 'Fault tolerance runs the same VM in lockstep on both, which needs identical CPUs.' : 'VMs will use only the features both share.'}`,
      ),
    ];
  },
};

export const memInsufficient: Check = {
  id: 'mem.insufficient',
  applicable: () => true,
  run: (context) =>
    reachedNodes(context).map(({ label, inventory }) => {
      const memory = inventory.memory;
      if (isFactError(memory))
        return finding('mem.insufficient', 'warn', `Could not read memory: ${memory.error}.`, {
          node: label,
        });
      const total = memory.totalBytes;
      if (total < Thresholds.memoryFailBytes)
        return finding(
          'mem.insufficient',
          'fail',
          `${formatBytes(total)} of memory; at least ${formatBytes(Thresholds.memoryFailBytes)} is needed.`,
          { node: label },
        );
      if (total < Thresholds.memoryWarnBytes)
        return finding(
          'mem.insufficient',
          'warn',
          `${formatBytes(total)} of memory; ${formatBytes(Thresholds.memoryWarnBytes)} or more is recommended.`,
          { node: label },
        );
      return finding('mem.insufficient', 'pass', `${formatBytes(total)} of memory.`, { node: label });
    }),
};

export const memMismatch: Check = {
  id: 'mem.mismatch',
  applicable: (context) => reachedNodes(context).length === 2,
  run: (context) => {
    const [a, b] = reachedNodes(context);
    if (!a || !b || isFactError(a.inventory.memory) || isFactError(b.inventory.memory)) return [];
    const sizeA = a.inventory.memory.totalBytes;
    const sizeB = b.inventory.memory.totalBytes;
    const smaller = Math.min(sizeA, sizeB);
    const ratio = Math.abs(sizeA - sizeB) / Math.max(sizeA, sizeB);
    return ratio > Thresholds.memoryMismatchRatio
      ? [
          finding(
            'mem.mismatch',
            'warn',
            `Memory differs: ${formatBytes(sizeA)} on ${a.label}, ${formatBytes(sizeB)} on ${b.label}; only ${formatBytes(smaller)} is usable for protected VMs.`,
          ),
        ]
      : [finding('mem.mismatch', 'pass', `Memory matches (${formatBytes(smaller)} usable).`)];
  },
};

export const hostNameDuplicate: Check = {
  id: 'host.name-duplicate',
  applicable: (context) => reachedNodes(context).length === 2,
  run: (context) => {
    const [a, b] = reachedNodes(context);
    if (!a || !b || isFactError(a.inventory.host) || isFactError(b.inventory.host)) return [];
    const nameA = a.inventory.host.hostname.split('.')[0]?.toLowerCase();
    const nameB = b.inventory.host.hostname.split('.')[0]?.toLowerCase();
    return nameA === nameB
      ? [
          finding(
            'host.name-duplicate',
            'fail',
            `Both servers are called "${a.inventory.host.hostname}": the cluster could not tell its members apart.`,
            { subject: nameA },
          ),
        ]
      : [
          finding(
            'host.name-duplicate',
            'pass',
            `Host names differ (${a.inventory.host.hostname}, ${b.inventory.host.hostname}).`,
          ),
        ];
  },
};

export const timeSkew: Check = {
  id: 'time.skew',
  applicable: (context) => context.nodes.every((node) => node.clockOffsetMs !== undefined),
  run: (context) => {
    const [a, b] = context.nodes;
    if (a.clockOffsetMs === undefined || b.clockOffsetMs === undefined) return [];
    const skew = Math.abs(a.clockOffsetMs - b.clockOffsetMs);
    const text = `The clocks differ by ${formatMs(skew)} (${a.label} ${signed(a.clockOffsetMs)}, ${b.label} ${signed(b.clockOffsetMs)} against this computer).`;
    if (skew > Thresholds.timeSkewFailMs) return [finding('time.skew', 'fail', text)];
    if (skew > Thresholds.timeSkewWarnMs) return [finding('time.skew', 'warn', text)];
    return [finding('time.skew', 'pass', text)];
  },
};

function signed(ms: number): string {
  return `${ms >= 0 ? '+' : '−'}${formatMs(Math.abs(ms))}`;
}

export const timeUnsynced: Check = {
  id: 'time.unsynced',
  applicable: () => true,
  run: (context) =>
    reachedNodes(context).map(({ label, inventory }) => {
      const time = inventory.time;
      if (isFactError(time))
        return finding('time.unsynced', 'warn', `Could not read the time-sync state: ${time.error}.`, {
          node: label,
        });
      if (time.synchronized === true)
        return finding('time.unsynced', 'pass', 'The clock is synchronised by NTP.', { node: label });
      return finding(
        'time.unsynced',
        'warn',
        time.ntpEnabled
          ? 'An NTP client is enabled but the clock is not synchronised yet.'
          : 'No NTP synchronisation: the clock drifts freely.',
        { node: label },
      );
    }),
};

export const hostChecks: readonly Check[] = [
  osUnsupported,
  cpuArch,
  cpuVirtMissing,
  cpuNested,
  cpuMismatch,
  memInsufficient,
  memMismatch,
  hostNameDuplicate,
  timeSkew,
  timeUnsynced,
];
