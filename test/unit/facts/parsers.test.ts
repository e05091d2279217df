import { describe, expect, it } from 'vitest';
import { addressesFact } from '../../../provisioning/facts/addresses';
import { blockDevicesFact } from '../../../provisioning/facts/block-devices';
import { cpuFact, cpuFlagsFact, virtualizationFlag, xenCapabilitiesFact, xenHvmFlag } from '../../../provisioning/facts/cpu';
import { diskIdsFact } from '../../../provisioning/facts/disk-ids';
import { kvmFact } from '../../../provisioning/facts/kvm';
import { linksFact } from '../../../provisioning/facts/links';
import { hostMemory, memoryFact, xenMemoryFact } from '../../../provisioning/facts/memory';
import { mountsFact, swapsFact } from '../../../provisioning/facts/mounts';
import { nicSysfsFact } from '../../../provisioning/facts/nic-sysfs';
import { osReleaseFact } from '../../../provisioning/facts/os-release';
import { packagesFact } from '../../../provisioning/facts/packages';
import { interpret } from '../../../provisioning/facts/run';
import { systemFact } from '../../../provisioning/facts/system';
import { chronyFact, timeSyncFact } from '../../../provisioning/facts/time-sync';
import { virtualizationFact } from '../../../provisioning/facts/virtualization';
import { fixture, OK } from './load-fixture';

describe('os-release', () => {
  it('reads Debian 12 bookworm on the development machine', () => {
    expect(osReleaseFact.parse(fixture('os-release/dev-machine.txt'), OK)).toEqual({
      id: 'debian',
      idLike: [],
      versionId: '12',
      codename: 'bookworm',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
    });
  });
  it('refuses output without an ID', () => {
    expect(interpret(osReleaseFact, { stdout: 'NAME=x\n', stderr: '', code: 0 })).toMatchObject({
      ok: false,
      error: { fact: 'os-release', error: expect.stringMatching(/no ID/) },
    });
  });
});

describe('system', () => {
  it('reads host name, kernel, architecture and clock', () => {
    expect(systemFact.parse(fixture('system/dev-machine.txt'), OK)).toEqual({
      hostname: 'vm',
      kernel: '6.18.44-fc-v769',
      architecture: 'x86_64',
      clockEpochSeconds: 1795950438,
    });
  });
});

describe('cpu (lscpu -J)', () => {
  it('reads vendor, model and topology from flat lscpu JSON (dev machine, Intel under KVM)', () => {
    const cpu = cpuFact.parse(fixture('cpu/dev-machine.json'), OK);
    expect(cpu).toMatchObject({
      vendor: 'GenuineIntel',
      model: 'Intel(R) Xeon(R) Processor',
      sockets: 1,
      coresPerSocket: 2,
      threadsPerCore: 1,
      logicalCpus: 2,
      hypervisorVendor: 'KVM',
      virtualization: null,
    });
    expect(cpu.flags).toContain('hypervisor');
  });
  it('reads nested lscpu JSON (QEMU TCG -cpu max, 2 sockets × 2 cores, AMD-V offered)', () => {
    expect(cpuFact.parse(fixture('cpu/qemu-tcg-cpu-max.json'), OK)).toMatchObject({
      vendor: 'AuthenticAMD',
      model: 'QEMU TCG CPU version 2.5+',
      sockets: 2,
      coresPerSocket: 2,
      threadsPerCore: 1,
      logicalCpus: 4,
      virtualization: 'AMD-V',
    });
  });
  it('detects svm, and the absence of vmx/svm, from /proc/cpuinfo flags', () => {
    expect(virtualizationFlag(cpuFlagsFact.parse(fixture('cpu-flags/qemu-tcg-cpu-max.txt'), OK))).toBe('svm');
    const devFlags = cpuFlagsFact.parse(fixture('cpu-flags/dev-machine.txt'), OK);
    expect(virtualizationFlag(devFlags)).toBeNull();
    expect(devFlags).toContain('hypervisor');
    expect(virtualizationFlag(['fpu', 'vmx', 'ept'])).toBe('vmx');
  });
  it('on a Xen dom0, takes hardware virtualization from Xen’s capabilities (the PV kernel hides svm)', () => {
    const dom0Flags = cpuFlagsFact.parse(fixture('cpu-flags/vm-lab-xen-dom0-tcg.txt'), OK);
    expect(virtualizationFlag(dom0Flags)).toBeNull();
    const capabilities = xenCapabilitiesFact.parse(fixture('xen-capabilities/vm-lab-xen-dom0-tcg.txt'), OK);
    expect(capabilities).toContain('hvm-3.0-x86_64');
    const vendor = cpuFact.parse(fixture('cpu/vm-lab-xen-dom0-tcg.json'), OK).vendor;
    expect(xenHvmFlag(capabilities, vendor)).toBe('svm');
    expect(xenHvmFlag(capabilities, 'GenuineIntel')).toBe('vmx');
    // Off Xen the file is missing and the command prints nothing.
    expect(xenHvmFlag(xenCapabilitiesFact.parse(fixture('xen-capabilities/dev-machine.txt'), OK), vendor)).toBeNull();
    expect(xenHvmFlag(['xen-3.0-x86_64'], vendor)).toBeNull();
  });
  it('on a Xen dom0, counts the host’s memory from xl info, not dom0’s share from /proc/meminfo', () => {
    const dom0 = memoryFact.parse(fixture('memory/vm-lab-xen-dom0-tcg.txt'), OK);
    expect(dom0.totalBytes).toBe(1938860 * 1024);
    const xen = xenMemoryFact.parse(fixture('xen-memory/vm-lab-xen-dom0-tcg.txt'), OK);
    expect(xen).toEqual({ totalBytes: 4607 * 1024 ** 2, freeBytes: 2510 * 1024 ** 2 });
    expect(hostMemory(dom0, xen)).toMatchObject({ totalBytes: 4607 * 1024 ** 2, availableBytes: 2510 * 1024 ** 2, dom0Bytes: 1938860 * 1024 });
    // Off Xen: nothing printed, /proc/meminfo stands.
    const bare = xenMemoryFact.parse(fixture('xen-memory/dev-machine.txt'), OK);
    expect(bare).toBeNull();
    expect(hostMemory(dom0, bare)).toBe(dom0);
    expect(() => xenMemoryFact.parse('xl: command failed\n', OK)).toThrow(/no total_memory/);
  });
});

describe('virtualization (systemd-detect-virt)', () => {
  it('sees a KVM guest inside a docker container on the dev machine', () => {
    expect(virtualizationFact.parse(fixture('virtualization/dev-machine.txt'), OK)).toEqual({
      vm: 'kvm',
      container: 'docker',
    });
  });
  it('sees a QEMU (TCG) guest with no container', () => {
    expect(virtualizationFact.parse(fixture('virtualization/qemu-tcg.txt'), OK)).toEqual({
      vm: 'qemu',
      container: null,
    });
  });
  it('reports a missing systemd-detect-virt as an error, not a crash', () => {
    expect(interpret(virtualizationFact, { stdout: '', stderr: '', code: 127 })).toMatchObject({ ok: false });
  });
});

describe('memory (/proc/meminfo)', () => {
  it('reads total, available and swap in bytes', () => {
    expect(memoryFact.parse(fixture('memory/dev-machine.txt'), OK)).toMatchObject({
      totalBytes: 24683656 * 1024,
      availableBytes: 23630500 * 1024,
      swapTotalBytes: 0,
    });
    const vm = memoryFact.parse(fixture('memory/qemu-tcg-768m.txt'), OK);
    expect(vm.totalBytes).toBe(722836 * 1024);
    expect(vm.swapTotalBytes).toBe(131068 * 1024);
  });
});

describe('kvm', () => {
  it('sees /dev/kvm on the dev machine and none in the TCG guest', () => {
    expect(kvmFact.parse(fixture('kvm/dev-machine.txt'), OK)).toEqual({ devKvm: true, nested: null });
    expect(kvmFact.parse(fixture('kvm/qemu-tcg-no-kvm.txt'), OK)).toEqual({ devKvm: false, nested: null });
    expect(kvmFact.parse('dev_kvm=present\nkvm_intel.nested=Y\n', OK)).toEqual({
      devKvm: true,
      nested: true,
    });
  });
});

describe('packages (dpkg-query)', () => {
  it('lists installed packages and tells "config files only" from installed', () => {
    const packages = packagesFact.parse(fixture('packages/dev-machine.txt'), { code: 1, stderr: '' });
    const byName = new Map(packages.map((p) => [p.name, p]));
    expect(byName.get('qemu-system-x86')).toMatchObject({
      installed: true,
      version: '1:7.2+dfsg-7+deb12u18+b3',
    });
    expect(byName.get('lvm2')?.installed).toBe(true);
    expect(byName.get('chrony')).toMatchObject({ installed: false, status: 'un', version: null });
    expect(byName.has('corosync')).toBe(false);
  });
  it('accepts exit status 1 (some patterns matched nothing)', () => {
    const outcome = interpret(packagesFact, {
      stdout: fixture('packages/dev-machine.txt'),
      stderr: 'dpkg-query: no packages found matching pcs\n',
      code: 1,
    });
    expect(outcome.ok).toBe(true);
  });
});

describe('time', () => {
  it('turns "not booted with systemd" into a per-fact error with the reason', () => {
    const outcome = interpret(timeSyncFact, {
      stdout: '',
      stderr: fixture('time-sync/dev-machine-no-systemd.stderr.txt'),
      code: 1,
    });
    expect(outcome).toEqual({
      ok: false,
      error: {
        fact: 'time-sync',
        code: 1,
        error:
          "exited with status 1: System has not been booted with systemd as init system (PID 1). Can't operate.",
      },
    });
  });
  it('treats chrony not installed (127) as "no chrony", not an error', () => {
    const outcome = interpret(chronyFact, {
      stdout: '',
      stderr: fixture('chrony/dev-machine-not-installed.stderr.txt'),
      code: 127,
    });
    expect(outcome).toEqual({ ok: true, value: null });
  });
  it('reads timedatectl show', () => {
    // Format as documented in timedatectl(1) "show"; no captured sample yet (see PROVENANCE.md).
    expect(
      timeSyncFact.parse('Timezone=Etc/UTC\nLocalRTC=no\nCanNTP=yes\nNTP=yes\nNTPSynchronized=no\n', OK),
    ).toEqual({
      timezone: 'Etc/UTC',
      ntpEnabled: true,
      synchronized: false,
    });
  });
});

describe('block devices (lsblk -J -b -O)', () => {
  it('reads the dev machine: one virtio disk and a zram device', () => {
    const devices = blockDevicesFact.parse(fixture('block-devices/dev-machine.json'), OK);
    expect(devices.map((d) => d.name)).toEqual(['zram0', 'vda']);
    expect(devices[1]).toMatchObject({
      sizeBytes: 274877906944,
      subsystems: 'block:virtio:pci',
      transport: null,
      rotational: true,
    });
  });
  it('reads NVMe, SATA, partitions, LVM and md RAID from the QEMU sample', () => {
    const devices = blockDevicesFact.parse(fixture('block-devices/qemu-nvme-sata-lvm-raid.json'), OK);
    const sda = devices.find((d) => d.name === 'sda');
    expect(sda).toMatchObject({
      transport: 'sata',
      rotational: false,
      model: 'LOCKSTEP-SYS-SSD',
      serial: 'LSSYS0001',
      partitionTable: 'gpt',
    });
    expect(sda?.children.map((c) => `${c.name}:${c.type}:${c.fsType}`)).toEqual([
      'sda1:part:vfat',
      'sda2:part:ext4',
      'sda3:part:LVM2_member',
    ]);
    expect(devices.find((d) => d.name === 'sdb')?.children[0]).toMatchObject({ name: 'md0', type: 'raid1' });
    expect(devices.find((d) => d.name === 'nvme0n1')).toMatchObject({
      transport: 'nvme',
      rotational: false,
      serial: 'LSNVME0000',
    });
  });
  it('accepts util-linux < 2.37 spellings (strings for numbers, one mountpoint)', () => {
    const old = JSON.stringify({
      blockdevices: [
        { name: 'sda', size: '1000', rota: '1', rm: '0', ro: '0', type: 'disk', mountpoint: '/' },
      ],
    });
    expect(blockDevicesFact.parse(old, OK)[0]).toMatchObject({
      sizeBytes: 1000,
      rotational: true,
      mountpoints: ['/'],
    });
  });
});

describe('mounts and swaps', () => {
  it('reads findmnt and /proc/swaps', () => {
    const mounts = mountsFact.parse(fixture('mounts/qemu-nvme-sata-lvm-raid.json'), OK);
    expect(mounts.find((m) => m.target === '/')).toEqual({
      target: '/',
      source: '/dev/sys/root',
      fsType: 'ext4',
      majMin: '254:0',
    });
    expect(swapsFact.parse(fixture('swaps/qemu-lvm-swap.txt'), OK)).toEqual([
      { path: '/dev/mapper/sys-swap', type: 'partition' },
    ]);
    expect(swapsFact.parse(fixture('swaps/dev-machine.txt'), OK)).toEqual([]);
  });
});

describe('links, addresses, sysfs', () => {
  it('reads bond, VLAN and bridge details from ip -j -d link', () => {
    const links = linksFact.parse(fixture('links/qemu-bond-vlan-bridge.json'), OK);
    const byName = new Map(links.map((l) => [l.name, l]));
    expect(byName.get('bond0')).toMatchObject({ kind: 'bond', bondMode: 'balance-rr', mtu: 9000 });
    expect(byName.get('eth1')).toMatchObject({
      kind: null,
      slaveKind: 'bond',
      master: 'bond0',
      permanentMac: '52:54:00:12:34:57',
    });
    expect(byName.get('bond0.100')).toMatchObject({ kind: 'vlan', vlanId: 100, link: 'bond0' });
    expect(byName.get('eth0')).toMatchObject({ slaveKind: 'bridge', master: 'br0' });
  });
  it('reads addresses per interface', () => {
    const addresses = addressesFact.parse(fixture('addresses/dev-machine.json'), OK);
    expect(addresses.get('eth0')).toContainEqual({
      family: 'inet',
      address: '192.0.2.2',
      prefixLength: 24,
      scope: 'global',
    });
  });
  it('reads speed, carrier and driver, and skips bonding_masters', () => {
    const sysfs = nicSysfsFact.parse(fixture('nic-sysfs/qemu-bond-vlan-bridge.txt'), OK);
    expect(sysfs.get('eth1')).toEqual({
      name: 'eth1',
      speedMbps: 1000,
      carrier: true,
      operState: 'up',
      driver: 'e1000e',
    });
    expect(sysfs.get('dummy0')).toMatchObject({ carrier: null, operState: 'down', speedMbps: null });
    expect(sysfs.has('bonding_masters')).toBe(false);
    expect(nicSysfsFact.parse(fixture('nic-sysfs/dev-machine.txt'), OK).get('eth0')).toMatchObject({
      speedMbps: null,
      driver: 'virtio_net',
    });
  });
});

describe('disk ids (/dev/disk/by-id)', () => {
  it('maps kernel names to their by-id links, and reads "no udev links" as empty', () => {
    const ids = diskIdsFact.parse(fixture('disk-ids/qemu-nvme-sata-lvm-raid.txt'), OK);
    expect(ids.get('sdd')).toEqual(['/dev/disk/by-id/ata-LS-SPARE-HDD_LSHDD0003']);
    expect(ids.get('md0')).toEqual([
      '/dev/disk/by-id/md-name-_none_:mirror',
      '/dev/disk/by-id/md-uuid-d78cb207:91ea5858:ee5c9979:ab8a1c19',
    ]);
    expect(diskIdsFact.parse(fixture('disk-ids/dev-machine.txt'), OK).size).toBe(0);
  });
});
