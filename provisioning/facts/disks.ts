/**
 * Turns the block device tree, the mount table and the active swaps into the disks a
 * person reasons about: size, media, model/serial, whether it is the system disk, and
 * whether it is free for the pool or in use and why (`disk.in-use`). Pure.
 */
import type { Disk, DiskUse, Partition } from '../api/inventory';
import type { BlockDevice } from './block-devices';
import type { Mount, Swap } from './mounts';

/** Mount points that make the disk holding them the system disk. */
export const SYSTEM_MOUNTPOINTS: readonly string[] = ['/', '/boot', '/boot/efi', '/efi', '/usr', '/var'];

/** Kernel devices that are never disks a person would put in a pool. */
const NOT_A_DISK = /^(zram|ram|loop|nbd|fd|sr)\d/;

export interface DiskSources {
  readonly devices: readonly BlockDevice[];
  /** Missing when findmnt failed: system disks are then found from lsblk's mount points only. */
  readonly mounts?: readonly Mount[];
  readonly swaps?: readonly Swap[];
  /** Kernel name → /dev/disk/by-id paths (`disk-ids`); missing when udev made none. */
  readonly ids?: ReadonlyMap<string, readonly string[]>;
  /** Device path → volume group (`physical-volumes`); missing when pvs could not run. */
  readonly physicalVolumes?: ReadonlyMap<string, string>;
}

function* walk(device: BlockDevice): Generator<BlockDevice> {
  yield device;
  for (const child of device.children) yield* walk(child);
}

/** The `source` of a mount without a btrfs subvolume suffix (`/dev/sda2[/@]` → `/dev/sda2`). */
function sourcePath(source: string): string {
  return source.replace(/\[.*\]$/, '');
}

/** Splits a device-mapper LV name (`vmdata-vm1--disk0`) into VG and LV (`vmdata`, `vm1-disk0`). */
export function splitLvName(name: string): { vg: string; lv: string } | null {
  const match = /^((?:[^-]|--)+)-((?:[^-]|--)+)$/.exec(name);
  if (!match) return null;
  return { vg: (match[1] ?? '').replaceAll('--', '-'), lv: (match[2] ?? '').replaceAll('--', '-') };
}

function transportOf(device: BlockDevice): string | null {
  if (device.transport) return device.transport;
  const subsystems = device.subsystems ?? '';
  if (subsystems.includes('virtio')) return 'virtio';
  if (subsystems.includes('nvme')) return 'nvme';
  if (subsystems.includes('xen')) return 'xen';
  return null;
}

function mediaOf(device: BlockDevice, transport: string | null): Disk['media'] {
  if (transport === 'nvme') return 'nvme';
  if (transport === 'virtio' || transport === 'xen' || device.rotational === null) return 'unknown';
  return device.rotational ? 'hdd' : 'ssd';
}

/** What a signature on a disk or partition means for its use. */
function signatureUse(device: BlockDevice, prefix: string, physicalVolumes?: ReadonlyMap<string, string>): DiskUse | null {
  const group = physicalVolumes?.get(device.path);
  const fs = device.fsType ?? (group !== undefined ? 'LVM2_member' : null);
  if (!fs) return null;
  if (fs === 'LVM2_member') {
    const vgs = [
      ...new Set([
        ...(group !== undefined ? [group] : []),
        ...device.children
          .filter((child) => child.type === 'lvm')
          .map((child) => splitLvName(child.name)?.vg)
          .filter((vg): vg is string => vg !== undefined),
      ]),
    ];
    const of = vgs.length > 0 ? ` of VG ${vgs.join(', ')}` : '';
    return {
      reason: 'lvm-member',
      detail: `${prefix}LVM physical volume${of}`,
      ...(vgs.length === 1 && { volumeGroup: vgs[0] }),
    };
  }
  if (fs === 'linux_raid_member' || fs === 'isw_raid_member' || fs === 'ddf_raid_member') {
    const arrays = device.children.filter((child) => child.type.startsWith('raid') || child.type === 'md');
    const of = arrays.length > 0 ? ` of ${arrays.map((a) => `${a.name} (${a.type})`).join(', ')}` : '';
    return { reason: 'raid-member', detail: `${prefix}RAID member${of}` };
  }
  if (fs === 'swap') return { reason: 'swap', detail: `${prefix}swap area` };
  const label = device.label ? ` "${device.label}"` : '';
  return { reason: 'filesystem', detail: `${prefix}${fs} filesystem${label}` };
}

function describeSystemHolder(node: BlockDevice, mountpoint: string): string {
  return node.type === 'disk' || node.type === 'part' ? mountpoint : `${mountpoint} (${node.name})`;
}

/** Builds the disks of one server. */
export function buildDisks(sources: DiskSources): Disk[] {
  const systemTargets = new Set(SYSTEM_MOUNTPOINTS);
  const systemMounts = (sources.mounts ?? []).filter((mount) => systemTargets.has(mount.target));
  const swapPaths = new Set((sources.swaps ?? []).map((swap) => swap.path));

  /** Why this node holds part of the running system, if it does. */
  const systemRoles = (node: BlockDevice): string[] => {
    const roles: string[] = [];
    for (const mountpoint of node.mountpoints) {
      if (systemTargets.has(mountpoint)) roles.push(describeSystemHolder(node, mountpoint));
      if (mountpoint === '[SWAP]') roles.push(describeSystemHolder(node, 'swap'));
    }
    for (const mount of systemMounts) {
      const bySource = sourcePath(mount.source) === node.path;
      const byNumber =
        mount.majMin !== null && !mount.majMin.startsWith('0:') && mount.majMin === node.majMin;
      if ((bySource || byNumber) && !node.mountpoints.includes(mount.target)) {
        roles.push(describeSystemHolder(node, mount.target));
      }
    }
    if (
      (swapPaths.has(node.path) || swapPaths.has(`/dev/${node.kname}`)) &&
      !node.mountpoints.includes('[SWAP]')
    ) {
      roles.push(describeSystemHolder(node, 'swap'));
    }
    return roles;
  };

  return sources.devices
    .filter((device) => device.type === 'disk' && !NOT_A_DISK.test(device.kname))
    .map((device) => {
      const transport = transportOf(device);
      const nodes = [...walk(device)];
      const roles = [...new Set(nodes.flatMap(systemRoles))];
      const partitions = device.children.filter((child) => child.type === 'part');
      const inUse: DiskUse[] = [];
      if (roles.length > 0)
        inUse.push({ reason: 'system', detail: `system disk: holds ${roles.join(', ')}` });
      if (partitions.length > 0) {
        const table = device.partitionTable ? ` (${device.partitionTable})` : '';
        inUse.push({
          reason: 'partitioned',
          detail: `${partitions.length} partition${partitions.length === 1 ? '' : 's'}${table}`,
        });
      } else if (device.partitionTable) {
        inUse.push({ reason: 'partitioned', detail: `empty ${device.partitionTable} partition table` });
      }
      const whole = signatureUse(device, '', sources.physicalVolumes);
      if (whole) inUse.push(whole);
      for (const partition of partitions) {
        const use = signatureUse(partition, `${partition.name}: `, sources.physicalVolumes);
        if (use) inUse.push(use);
      }
      const mounted = [...new Set(nodes.flatMap((node) => node.mountpoints.filter((m) => m !== '[SWAP]')))];
      if (mounted.length > 0) inUse.push({ reason: 'mounted', detail: `mounted at ${mounted.join(', ')}` });
      if (
        nodes.some((node) => node.mountpoints.includes('[SWAP]')) &&
        !inUse.some((use) => use.reason === 'swap')
      ) {
        inUse.push({ reason: 'swap', detail: 'active swap' });
      }
      const holders = device.children.filter((child) => child.type !== 'part');
      if (holders.length > 0 && !whole) {
        inUse.push({
          reason: 'holder',
          detail: `used by ${holders.map((h) => `${h.name} (${h.type})`).join(', ')}`,
        });
      }
      if (device.readOnly) inUse.push({ reason: 'read-only', detail: 'read-only device' });

      const toPartition = (part: BlockDevice): Partition => ({
        name: part.name,
        path: part.path,
        sizeBytes: part.sizeBytes,
        label: part.partitionLabel,
        typeName: part.partitionTypeName,
        filesystem: part.fsType,
        mountpoints: [...new Set([...walk(part)].flatMap((node) => node.mountpoints))],
      });
      return {
        name: device.name,
        path: device.path,
        byId: [...(sources.ids?.get(device.kname) ?? [])],
        sizeBytes: device.sizeBytes,
        rotational: device.rotational,
        media: mediaOf(device, transport),
        transport,
        model: device.model,
        serial: device.serial,
        wwn: device.wwn,
        removable: device.removable,
        readOnly: device.readOnly,
        logicalSectorBytes: device.logicalSectorBytes,
        physicalSectorBytes: device.physicalSectorBytes,
        partitionTable: device.partitionTable,
        filesystem: device.fsType,
        partitions: partitions.map(toPartition),
        system: roles.length > 0,
        inUse,
      };
    });
}
