/**
 * `lockstep probe` for people: the servers' inventories side by side, one column per
 * server, with the same wording the wizard's inventory screen uses (pure).
 */
import { isFactError, type Disk, type FactError, type Inventory, type Nic } from '../../api/inventory';
import { renderTable, type TableRow, type TableSection } from './table';
import { formatBytes, formatSpeed } from '../../api/units';

/** One column: a server and its inventory, or why it could not be read. */
export interface ProbedNode {
  readonly host: string;
  readonly inventory?: Inventory;
  readonly error?: { readonly code: string; readonly message: string };
}

function unavailable(error: FactError): string[] {
  return [`unavailable (${error.fact}): ${error.error}`];
}

function section<T>(value: T | FactError, render: (value: T) => string[]): string[] {
  return isFactError(value) ? unavailable(value) : render(value);
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** "NVMe", "SSD", "HDD", or "disk" when the kernel does not say. */
function mediaName(media: Disk['media']): string {
  switch (media) {
    case 'nvme':
      return 'NVMe';
    case 'ssd':
      return 'SSD';
    case 'hdd':
      return 'HDD';
    case 'unknown':
      return 'disk';
  }
}

/** The lines of one disk: identity, then free or in use and why. */
export function diskLines(disk: Disk): string[] {
  const bus = disk.transport ? ` (${disk.transport})` : '';
  const identity = [disk.model, disk.serial && `SN ${disk.serial}`].filter(Boolean).join(' · ');
  const lines = [`${disk.name}  ${formatBytes(disk.sizeBytes)} ${mediaName(disk.media)}${bus}`];
  if (identity) lines.push(`  ${identity}`);
  if (disk.inUse.length === 0) {
    lines.push('  free');
  } else {
    const [first, ...rest] = disk.inUse;
    const shown = disk.system
      ? [first]
      : [
          first,
          ...rest.filter((use) => use.reason !== 'partitioned' && use.reason !== 'filesystem').slice(0, 1),
        ];
    lines.push(
      ...shown
        .filter((use) => use !== undefined)
        .map((use) => `  ${use.reason === 'system' ? use.detail : `in use: ${use.detail}`}`),
    );
  }
  return lines;
}

function carrierText(nic: Nic): string {
  if (nic.carrier === true) return 'link up';
  if (nic.carrier === false) return 'no carrier';
  return nic.operState === 'down' ? 'down' : nic.operState;
}

/** The lines of one NIC: name/driver/MAC, link state, membership, addresses. */
export function nicLines(nic: Nic): string[] {
  const head = [nic.name, nic.kind === 'physical' ? nic.driver : nic.kind, nic.mac]
    .filter(Boolean)
    .join('  ');
  const state = [
    carrierText(nic),
    nic.carrier === true && nic.speedMbps !== null ? formatSpeed(nic.speedMbps) : null,
    `MTU ${nic.mtu}`,
  ]
    .filter(Boolean)
    .join(' · ');
  const lines = [head, `  ${state}`];
  if (nic.bond)
    lines.push(
      `  bond ${nic.bond.mode ?? ''}: ${nic.bond.slaves.join(', ') || 'no slaves'}`.replace(' :', ':'),
    );
  if (nic.vlanId !== null) lines.push(`  VLAN ${nic.vlanId}${nic.parent ? ` on ${nic.parent}` : ''}`);
  if (nic.bridgePorts) lines.push(`  bridge ports: ${nic.bridgePorts.join(', ') || 'none'}`);
  if (nic.master) lines.push(`  in ${nic.masterKind ?? 'master'} ${nic.master}`);
  const addresses = nic.addresses
    .filter((address) => address.scope !== 'link')
    .map((a) => `${a.address}/${a.prefixLength}`);
  if (addresses.length > 0) lines.push(`  ${addresses.join(', ')}`);
  return lines;
}

function cpuLines(inventory: Inventory): {
  cpu: string[];
  topology: string[];
  virt: string[];
  under: string[];
} {
  const cpu = inventory.cpu;
  if (isFactError(cpu)) return { cpu: unavailable(cpu), topology: [''], virt: [''], under: [''] };
  const topology =
    cpu.sockets !== null && cpu.coresPerSocket !== null && cpu.threadsPerCore !== null
      ? `${plural(cpu.sockets, 'socket')} × ${plural(cpu.coresPerSocket, 'core')} × ${plural(cpu.threadsPerCore, 'thread')}`
      : 'topology ?';
  const total = cpu.logicalCpus !== null ? ` = ${plural(cpu.logicalCpus, 'CPU')}` : '';
  const flag =
    cpu.virtualization === 'vmx'
      ? 'Intel VT-x (vmx)'
      : cpu.virtualization === 'svm'
        ? 'AMD-V (svm)'
        : 'none (no vmx/svm flag)';
  const kvm = isFactError(inventory.kvm)
    ? ''
    : ` · /dev/kvm ${inventory.kvm.devKvm ? 'present' : 'absent'}${inventory.kvm.nested === null ? '' : ` · nested ${inventory.kvm.nested ? 'on' : 'off'}`}`;
  const virt = inventory.virtualization;
  const under = isFactError(virt)
    ? unavailable(virt)
    : [
        virt.vm === null && virt.container === null
          ? 'bare metal'
          : [virt.vm && `${virt.vm} VM`, virt.container && `${virt.container} container`]
              .filter(Boolean)
              .join(', '),
      ];
  return {
    cpu: [[cpu.vendor, cpu.model].filter(Boolean).join(' · ') || 'unknown CPU'],
    topology: [`${topology}${total}`],
    virt: [`${flag}${kvm}`],
    under,
  };
}

function timeLines(inventory: Inventory): string[] {
  return section(inventory.time, (time) => {
    const sync =
      time.synchronized === null ? 'sync unknown' : time.synchronized ? 'synchronized' : 'NOT synchronized';
    const ntp = time.ntpEnabled === null ? '' : ` · NTP ${time.ntpEnabled ? 'on' : 'off'}`;
    const chrony = time.chrony?.offsetSeconds != null ? ` · chrony offset ${time.chrony.offsetSeconds}s` : '';
    return [`${sync}${ntp}${chrony}${time.timezone ? ` · ${time.timezone}` : ''}`];
  });
}

function listRows<T>(
  label: string,
  nodes: readonly ProbedNode[],
  pick: (inventory: Inventory) => readonly T[] | FactError,
  render: (item: T) => string[],
): TableRow[] {
  const lists = nodes.map((node) => (node.inventory ? pick(node.inventory) : []));
  const height = Math.max(1, ...lists.map((list) => (isFactError(list) ? 1 : list.length)));
  return Array.from({ length: height }, (_, index) => ({
    label: index === 0 ? label : '',
    cells: lists.map((list) => {
      if (isFactError(list)) return index === 0 ? unavailable(list) : [];
      const item = list[index];
      return item === undefined ? [] : render(item);
    }),
  }));
}

/** The whole side-by-side report for one or more servers. */
export function formatInventories(nodes: readonly ProbedNode[]): string {
  const per = (render: (inventory: Inventory) => string[]): (readonly string[])[] =>
    nodes.map((node) => (node.inventory ? render(node.inventory) : []));
  const cpu = nodes.map((node) => (node.inventory ? cpuLines(node.inventory) : undefined));
  const reach: TableRow[] = nodes.some((node) => node.error)
    ? [{ label: 'Reachable', cells: nodes.map((node) => [node.error ? `NO: ${node.error.message}` : 'yes']) }]
    : [];

  const sections: TableSection[] = [
    {
      title: 'System',
      rows: [
        ...reach,
        { label: 'Host name', cells: per((i) => section(i.host, (h) => [h.hostname])) },
        { label: 'OS', cells: per((i) => section(i.os, (os) => [os.prettyName])) },
        { label: 'Kernel', cells: per((i) => section(i.host, (h) => [`${h.kernel} (${h.architecture})`])) },
        { label: 'Time', cells: per(timeLines) },
      ],
    },
    {
      title: 'CPU and memory',
      rows: [
        { label: 'CPU', cells: cpu.map((c) => c?.cpu ?? []) },
        { label: 'Topology', cells: cpu.map((c) => c?.topology ?? []) },
        { label: 'Virtualization', cells: cpu.map((c) => c?.virt ?? []) },
        { label: 'Runs on', cells: cpu.map((c) => c?.under ?? []) },
        {
          label: 'Memory',
          cells: per((i) =>
            section(i.memory, (m) => [
              `${formatBytes(m.totalBytes)}${m.availableBytes !== null ? ` (${formatBytes(m.availableBytes)} available)` : ''}`,
              ...(m.dom0Bytes !== undefined ? [`Xen dom0 ${formatBytes(m.dom0Bytes)}`] : []),
              ...(m.swapTotalBytes > 0 ? [`swap ${formatBytes(m.swapTotalBytes)}`] : []),
            ]),
          ),
        },
      ],
    },
    { title: 'Disks', rows: listRows('', nodes, (i) => i.disks, diskLines) },
    {
      title: 'Network',
      rows: listRows(
        '',
        nodes,
        (i) => (isFactError(i.nics) ? i.nics : i.nics.filter((nic) => nic.kind !== 'loopback')),
        nicLines,
      ),
    },
    {
      title: 'Software',
      rows: [
        {
          label: 'Packages',
          cells: per((i) =>
            section(i.packages, (packages) => {
              const installed = packages.filter((p) => p.installed).map((p) => p.name);
              return [installed.length > 0 ? installed.join(', ') : 'none of the stack'];
            }),
          ),
        },
        {
          label: 'Problems',
          cells: per((i) =>
            i.problems.length === 0 ? ['none'] : i.problems.map((p) => `${p.fact}: ${p.error}`),
          ),
        },
      ],
    },
  ];
  return renderTable(
    nodes.map((node) => node.host),
    sections,
  );
}
