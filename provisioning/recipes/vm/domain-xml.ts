/**
 * The libvirt definition of a VM Lockstep creates. Its disk is the DRBD device of its
 * mirrored volume, opened with the host page cache off (`cache=none`), so that a write
 * the guest sees acknowledged is on both nodes' disks (protocol C), not in the memory
 * of a node that can die. Its serial console goes to a file on the node, so that an
 * admin (and the lab's tests) can read what the guest printed without a display.
 */

export interface DomainSpec {
  readonly name: string;
  readonly memoryMiB: number;
  readonly vcpus: number;
  /** The block device of its disk (`/dev/drbdN`). */
  readonly device: string;
  /** The bridge of its NIC (a business network), or null for none. */
  readonly bridge: string | null;
  /** The NIC's MAC address: fixed, so that the guest keeps it on either node. */
  readonly mac: string;
}

/** Where the guest's serial console is written on the node that runs it. */
export function consoleLogPath(vm: string): string {
  return `/var/log/lockstep/vms/${vm}.console.log`;
}

/** A stable locally administered MAC (QEMU's 52:54:00 prefix) derived from the VM's name. */
export function macFor(vm: string): string {
  let hash = 2166136261;
  for (const char of vm) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  const bytes = [(hash >>> 16) & 0xff, (hash >>> 8) & 0xff, hash & 0xff];
  return ['52', '54', '00', ...bytes.map((byte) => byte.toString(16).padStart(2, '0'))].join(':');
}

/** `kvm` where the node has /dev/kvm; `qemu` (TCG, emulation) otherwise, e.g. a VM lab node. */
export function renderDomainXml(spec: DomainSpec, accelerator: 'kvm' | 'qemu'): string {
  return `${[
    `<domain type="${accelerator}">`,
    `  <name>${spec.name}</name>`,
    `  <memory unit="MiB">${spec.memoryMiB}</memory>`,
    `  <vcpu>${spec.vcpus}</vcpu>`,
    '  <os>',
    '    <type arch="x86_64" machine="pc">hvm</type>',
    '    <boot dev="hd"/>',
    '  </os>',
    '  <features><acpi/><apic/></features>',
    ...(accelerator === 'kvm' ? ['  <cpu mode="host-model"/>'] : []),
    '  <on_poweroff>destroy</on_poweroff>',
    '  <on_reboot>restart</on_reboot>',
    '  <on_crash>destroy</on_crash>',
    '  <devices>',
    '    <disk type="block" device="disk">',
    '      <driver name="qemu" type="raw" cache="none" io="native"/>',
    `      <source dev="${spec.device}"/>`,
    '      <target dev="vda" bus="virtio"/>',
    '    </disk>',
    ...(spec.bridge
      ? ['    <interface type="bridge">', `      <source bridge="${spec.bridge}"/>`, `      <mac address="${spec.mac}"/>`, '      <model type="virtio"/>', '    </interface>']
      : []),
    '    <serial type="file">',
    `      <source path="${consoleLogPath(spec.name)}" append="on"/>`,
    '      <target port="0"/>',
    '    </serial>',
    '    <memballoon model="none"/>',
    '  </devices>',
    '</domain>',
  ].join('\n')}\n`;
}
