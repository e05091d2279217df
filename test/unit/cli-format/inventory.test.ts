import { describe, expect, it } from 'vitest';
import { diskLines, formatInventories, nicLines } from '../../../provisioning/cli/format/inventory';
import { renderTable } from '../../../provisioning/cli/format/table';
import { devMachineInventory, qemuInventory } from '../facts/sample-inventories';

describe('formatInventories (side by side)', () => {
  const text = formatInventories([
    { host: 'dev.example', inventory: devMachineInventory() },
    { host: 'qemu.example', inventory: qemuInventory() },
  ]);
  const lines = text.split('\n');

  it('puts the two servers in two columns under their names', () => {
    expect(lines[0]).toMatch(/^\s+dev\.example\s+qemu\.example$/);
    const cpuLine = lines.find((line) => line.startsWith('CPU  '));
    expect(cpuLine).toMatch(
      /GenuineIntel · Intel\(R\) Xeon\(R\) Processor\s+AuthenticAMD · QEMU TCG CPU version 2\.5\+/,
    );
    expect(lines.find((l) => l.startsWith('Topology'))).toMatch(
      /1 socket × 2 cores × 1 thread = 2 CPUs\s+2 sockets × 2 cores × 1 thread = 4 CPUs/,
    );
    expect(lines.find((l) => l.startsWith('Virtualization'))).toMatch(
      /none \(no vmx\/svm flag\) · \/dev\/kvm present\s+AMD-V \(svm\) · \/dev\/kvm absent/,
    );
    expect(lines.find((l) => l.startsWith('Runs on'))).toMatch(/kvm VM, docker container\s+qemu VM/);
  });

  it('shows a missing fact as unavailable with its reason instead of failing', () => {
    expect(lines.find((l) => l.startsWith('Time'))).toMatch(
      /^Time\s+unavailable \(time-sync\): exited with status/,
    );
    expect(lines.find((l) => l.startsWith('Host name'))).toMatch(/vm\s+unavailable \(system\): no output/);
  });

  it('never lists the loopback interface', () => {
    expect(text).not.toMatch(/^\s*lo\s/m);
  });

  it('keeps every line within two columns of 44 characters plus the labels', () => {
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(16 + 2 + 44 + 2 + 44);
  });

  it('marks an unreachable server and still prints the other', () => {
    const out = formatInventories([
      { host: 'a', inventory: devMachineInventory() },
      { host: 'b', error: { code: 'ssh.unreachable', message: 'connection refused' } },
    ]);
    expect(out).toMatch(/Reachable\s+yes\s+NO: connection refused/);
    expect(out).toContain('Debian GNU/Linux 12 (bookworm)');
  });
});

describe('diskLines', () => {
  const disks = new Map(
    (Array.isArray(qemuInventory().disks) ? (qemuInventory().disks as never[]) : []).map(
      (d: { name: string }) => [d.name, d],
    ),
  );
  it('says "free" for a blank disk, with size, media, bus, model and serial', () => {
    expect(diskLines(disks.get('nvme0n1') as never)).toEqual([
      'nvme0n1  1 GiB NVMe (nvme)',
      '  QEMU NVMe Ctrl · SN LSNVME0000',
      '  free',
    ]);
    expect(diskLines(disks.get('sdd') as never)).toEqual([
      'sdd  1 GiB HDD (sata)',
      '  LS-SPARE-HDD · SN LSHDD0003',
      '  free',
    ]);
  });
  it('says why a disk is in use', () => {
    expect(diskLines(disks.get('nvme2n1') as never).at(-1)).toBe(
      '  in use: LVM physical volume of VG vmdata',
    );
    expect(diskLines(disks.get('sdb') as never).at(-1)).toBe('  in use: RAID member of md0 (raid1)');
    expect(diskLines(disks.get('sda') as never).at(-1)).toBe(
      '  system disk: holds /boot/efi, /boot, / (sys-root), swap (sys-swap)',
    );
  });
});

describe('nicLines', () => {
  const inventory = qemuInventory();
  const nics = new Map((Array.isArray(inventory.nics) ? inventory.nics : []).map((n) => [n.name, n]));
  it('shows a bond slave with driver, MAC, speed, MTU and its bond', () => {
    const eth1 = nics.get('eth1');
    expect(eth1 && nicLines(eth1)).toEqual([
      'eth1  e1000e  52:54:00:12:34:57',
      '  link up · 1 Gb/s · MTU 9000',
      '  in bond bond0',
    ]);
  });
  it('shows a bond with its mode and slaves, and a VLAN with its id and address', () => {
    const bond = nics.get('bond0');
    expect(bond && nicLines(bond)).toContain('  bond balance-rr: eth1, eth2');
    const vlan = nics.get('bond0.100');
    expect(vlan && nicLines(vlan)).toEqual([
      'bond0.100  vlan  52:54:00:12:34:57',
      '  link up · 2 Gb/s · MTU 9000',
      '  VLAN 100 on bond0',
      '  10.100.0.11/24',
    ]);
  });
});

describe('renderTable', () => {
  it('wraps long cells at word boundaries and aligns multi-line rows', () => {
    const out = renderTable(
      ['a', 'b'],
      [{ title: 'T', rows: [{ label: 'L', cells: [['one two three four'], ['x']] }] }],
      9,
    );
    expect(out.split('\n').slice(3, 7)).toEqual(['T', 'L  one two  x', '     three', '     four']);
  });
});
