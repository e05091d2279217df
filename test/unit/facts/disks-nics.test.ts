import { describe, expect, it } from 'vitest';
import { addressesFact } from '../../../provisioning/facts/addresses';
import { blockDevicesFact } from '../../../provisioning/facts/block-devices';
import { diskIdsFact } from '../../../provisioning/facts/disk-ids';
import { buildDisks, splitLvName } from '../../../provisioning/facts/disks';
import { linksFact } from '../../../provisioning/facts/links';
import { mountsFact, swapsFact } from '../../../provisioning/facts/mounts';
import { nicSysfsFact } from '../../../provisioning/facts/nic-sysfs';
import { physicalVolumesFact } from '../../../provisioning/facts/physical-volumes';
import { buildNics } from '../../../provisioning/facts/nics';
import { fixture, OK } from './load-fixture';

function qemuDisks(withMounts = true) {
  return buildDisks({
    devices: blockDevicesFact.parse(fixture('block-devices/qemu-nvme-sata-lvm-raid.json'), OK),
    ...(withMounts && {
      mounts: mountsFact.parse(fixture('mounts/qemu-nvme-sata-lvm-raid.json'), OK),
      swaps: swapsFact.parse(fixture('swaps/qemu-lvm-swap.txt'), OK),
      ids: diskIdsFact.parse(fixture('disk-ids/qemu-nvme-sata-lvm-raid.txt'), OK),
    }),
  });
}

describe('disks (QEMU: SATA system disk on LVM, md RAID1, NVMe)', () => {
  const disks = qemuDisks();
  const byName = new Map(disks.map((d) => [d.name, d]));

  it('lists the seven disks and nothing else (no md0, no LVs as disks)', () => {
    expect(disks.map((d) => d.name).sort()).toEqual([
      'nvme0n1',
      'nvme1n1',
      'nvme2n1',
      'sda',
      'sdb',
      'sdc',
      'sdd',
    ]);
  });

  it('finds the system disk through LVM: / and swap are LVs on sda3', () => {
    const sda = byName.get('sda');
    expect(sda?.system).toBe(true);
    expect(sda?.inUse[0]).toEqual({
      reason: 'system',
      detail: 'system disk: holds /boot/efi, /boot, / (sys-root), swap (sys-swap)',
    });
    expect(disks.filter((d) => d.system).map((d) => d.name)).toEqual(['sda']);
  });

  it('still finds the system disk from lsblk alone when findmnt failed', () => {
    expect(
      qemuDisks(false)
        .filter((d) => d.system)
        .map((d) => d.name),
    ).toEqual(['sda']);
  });

  it('reports media and transport: SATA SSD, SATA HDD, NVMe', () => {
    expect(byName.get('sda')).toMatchObject({
      media: 'ssd',
      transport: 'sata',
      rotational: false,
      model: 'LOCKSTEP-SYS-SSD',
      serial: 'LSSYS0001',
    });
    expect(byName.get('sdd')).toMatchObject({
      media: 'hdd',
      transport: 'sata',
      rotational: true,
      serial: 'LSHDD0003',
    });
    expect(byName.get('nvme0n1')).toMatchObject({
      media: 'nvme',
      transport: 'nvme',
      rotational: false,
      serial: 'LSNVME0000',
      sizeBytes: 1073741824,
    });
  });

  it('marks the LVM PV disk in use, naming its VG', () => {
    expect(byName.get('nvme2n1')?.inUse).toEqual([
      { reason: 'lvm-member', detail: 'LVM physical volume of VG vmdata', volumeGroup: 'vmdata' },
    ]);
  });

  it('marks both RAID1 members in use, naming the array', () => {
    for (const name of ['sdb', 'sdc']) {
      expect(byName.get(name)?.inUse).toEqual([
        { reason: 'raid-member', detail: 'RAID member of md0 (raid1)' },
      ]);
    }
  });

  it('marks a partitioned, mounted NVMe disk in use with every reason', () => {
    expect(byName.get('nvme1n1')?.inUse.map((u) => u.reason)).toEqual([
      'partitioned',
      'filesystem',
      'mounted',
    ]);
    expect(byName.get('nvme1n1')?.inUse.at(-1)?.detail).toBe('mounted at /srv');
    expect(byName.get('nvme1n1')?.partitions).toEqual([
      {
        name: 'nvme1n1p1',
        path: '/dev/nvme1n1p1',
        sizeBytes: 1072676352,
        label: 'data',
        typeName: 'Linux filesystem',
        filesystem: 'ext4',
        mountpoints: ['/srv'],
      },
    ]);
  });

  it("gives each disk its stable /dev/disk/by-id names, never a partition's", () => {
    expect(byName.get('sdb')?.byId).toEqual(['/dev/disk/by-id/ata-LS-MIRROR-A_LSMIRA0001']);
    expect(byName.get('sda')?.byId).toEqual(['/dev/disk/by-id/ata-LOCKSTEP-SYS-SSD_LSSYS0001']);
    expect(byName.get('nvme2n1')?.byId).toContain('/dev/disk/by-id/nvme-QEMU_NVMe_Ctrl_LSNVME0002');
    expect(byName.get('nvme2n1')?.byId.some((id) => id.includes('lvm-pv-uuid'))).toBe(true);
  });

  it('leaves the blank disks free', () => {
    expect(
      disks
        .filter((d) => d.inUse.length === 0)
        .map((d) => d.name)
        .sort(),
    ).toEqual(['nvme0n1', 'sdd']);
  });
});

describe('disks (dev machine: one virtio disk, zram)', () => {
  const disks = buildDisks({
    devices: blockDevicesFact.parse(fixture('block-devices/dev-machine.json'), OK),
    mounts: mountsFact.parse(fixture('mounts/dev-machine.json'), OK),
    swaps: swapsFact.parse(fixture('swaps/dev-machine.txt'), OK),
  });
  it('ignores zram and takes vda as the system disk with unknown media', () => {
    expect(disks).toHaveLength(1);
    expect(disks[0]).toMatchObject({
      name: 'vda',
      system: true,
      transport: 'virtio',
      media: 'unknown',
      model: null,
      byId: [],
    });
  });
});

describe('splitLvName', () => {
  it('undoes device-mapper dash escaping', () => {
    expect(splitLvName('vmdata-vm1--disk0')).toEqual({ vg: 'vmdata', lv: 'vm1-disk0' });
    expect(splitLvName('my--vg-root')).toEqual({ vg: 'my-vg', lv: 'root' });
    expect(splitLvName('plain')).toBeNull();
  });
});

describe('nics (QEMU: bridge, bond, VLANs, veth, dummy)', () => {
  const nics = buildNics({
    links: linksFact.parse(fixture('links/qemu-bond-vlan-bridge.json'), OK),
    addresses: addressesFact.parse(fixture('addresses/qemu-bond-vlan-bridge.json'), OK),
    sysfs: nicSysfsFact.parse(fixture('nic-sysfs/qemu-bond-vlan-bridge.txt'), OK),
  });
  const byName = new Map(nics.map((n) => [n.name, n]));

  it('lists the bond with its slaves and mode, and each slave with its own MAC', () => {
    expect(byName.get('bond0')).toMatchObject({
      kind: 'bond',
      mtu: 9000,
      bond: { mode: 'balance-rr', slaves: ['eth1', 'eth2'], activeSlave: null },
    });
    expect(byName.get('eth1')).toMatchObject({
      kind: 'physical',
      driver: 'e1000e',
      speedMbps: 1000,
      carrier: true,
      master: 'bond0',
      masterKind: 'bond',
      mac: '52:54:00:12:34:57',
    });
    expect(byName.get('eth2')?.mac).toBe('52:54:00:12:34:58');
  });

  it('gives VLANs their id and parent, and bridges their ports', () => {
    expect(byName.get('bond0.100')).toMatchObject({
      kind: 'vlan',
      vlanId: 100,
      parent: 'bond0',
      addresses: [
        { address: '10.100.0.11', prefixLength: 24 },
        { family: 'inet6', scope: 'link' },
      ],
    });
    expect(byName.get('bond0.200')).toMatchObject({ vlanId: 200, master: 'br200', masterKind: 'bridge' });
    expect(byName.get('br0')).toMatchObject({ kind: 'bridge', bridgePorts: ['eth0'] });
    expect(byName.get('br0')?.addresses.map((a) => a.address)).toContain('10.0.2.15');
    expect(byName.get('eth0')).toMatchObject({
      kind: 'physical',
      driver: 'virtio_net',
      master: 'br0',
      speedMbps: null,
    });
  });

  it('tells veth, dummy and loopback apart from hardware', () => {
    expect(byName.get('veth-a')).toMatchObject({
      kind: 'veth',
      driver: null,
      addresses: [{ address: '10.99.0.1', prefixLength: 30 }, expect.anything()],
    });
    expect(byName.get('dummy0')).toMatchObject({ kind: 'dummy', carrier: null, operState: 'down' });
    expect(byName.get('lo')?.kind).toBe('loopback');
  });
});

describe('nics (dev machine)', () => {
  it('reads eth0 with its driver, MTU and addresses, and ifb devices as virtual', () => {
    const nics = buildNics({
      links: linksFact.parse(fixture('links/dev-machine.json'), OK),
      addresses: addressesFact.parse(fixture('addresses/dev-machine.json'), OK),
      sysfs: nicSysfsFact.parse(fixture('nic-sysfs/dev-machine.txt'), OK),
    });
    expect(nics.find((n) => n.name === 'eth0')).toMatchObject({
      kind: 'physical',
      mac: '02:fc:00:00:00:01',
      driver: 'virtio_net',
      carrier: true,
      mtu: 1400,
    });
    expect(nics.find((n) => n.name === 'ifb0')).toMatchObject({ kind: 'virtual', carrier: null });
  });
});

describe('physical volumes (pvs): the pool of a pair right after install', () => {
  const volumes = physicalVolumesFact.parse(fixture('physical-volumes/dev-machine-loop-vg.txt'), OK);

  it('reads device → volume group from pvs', () => {
    expect([...volumes]).toEqual([['/dev/loop0', 'lockstep']]);
  });

  it('names the VG of a PV that lsblk shows without logical volumes', () => {
    // The QEMU guest's blank nvme0n1, as pvs reports a PV of an empty VG (lsblk has no LV to show it by).
    const disks = buildDisks({
      devices: blockDevicesFact.parse(fixture('block-devices/qemu-nvme-sata-lvm-raid.json'), OK),
      physicalVolumes: new Map([['/dev/nvme0n1', volumes.get('/dev/loop0')!]]),
    });
    const nvme0 = disks.find((disk) => disk.name === 'nvme0n1');
    expect(nvme0?.inUse).toEqual([{ reason: 'lvm-member', detail: 'LVM physical volume of VG lockstep', volumeGroup: 'lockstep' }]);
    const nvme2 = disks.find((disk) => disk.name === 'nvme2n1');
    expect(nvme2?.inUse).toEqual([{ reason: 'lvm-member', detail: 'LVM physical volume of VG vmdata', volumeGroup: 'vmdata' }]);
  });

  it('reports nothing when pvs is missing or refused (empty output)', () => {
    expect(physicalVolumesFact.parse('', OK).size).toBe(0);
  });
});
