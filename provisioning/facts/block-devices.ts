import { bool, isRecord, num, parseJson, str } from './parse-util';
import { FactParseError, type Fact } from './types';

/** One node of `lsblk -J -b -O`'s tree, with the fields the inventory reads, normalised across util-linux versions. */
export interface BlockDevice {
  readonly name: string;
  readonly kname: string;
  readonly path: string;
  /** `disk`, `part`, `lvm`, `raid1`, `crypt`, `rom`, `loop`, `mpath`, … */
  readonly type: string;
  readonly majMin: string | null;
  readonly sizeBytes: number;
  readonly rotational: boolean | null;
  readonly removable: boolean;
  readonly readOnly: boolean;
  readonly transport: string | null;
  /** `block:scsi:pci`, `block:nvme:pci`, `block:virtio:pci`. */
  readonly subsystems: string | null;
  readonly model: string | null;
  readonly serial: string | null;
  readonly wwn: string | null;
  readonly vendor: string | null;
  readonly logicalSectorBytes: number | null;
  readonly physicalSectorBytes: number | null;
  readonly partitionTable: string | null;
  readonly partitionLabel: string | null;
  readonly partitionTypeName: string | null;
  readonly fsType: string | null;
  readonly label: string | null;
  readonly mountpoints: readonly string[];
  readonly children: readonly BlockDevice[];
}

function toDevice(raw: unknown): BlockDevice {
  if (!isRecord(raw)) throw new FactParseError('lsblk entry is not an object');
  const name = str(raw.name);
  if (!name) throw new FactParseError('lsblk entry has no name');
  // util-linux ≥ 2.37 prints "mountpoints" (all of them); older ones only "mountpoint".
  const mountpoints = Array.isArray(raw.mountpoints)
    ? raw.mountpoints.map(str).filter((m): m is string => m !== null)
    : [str(raw.mountpoint)].filter((m): m is string => m !== null);
  return {
    name,
    kname: str(raw.kname) ?? name,
    path: str(raw.path) ?? `/dev/${name}`,
    type: str(raw.type) ?? 'unknown',
    majMin: str(raw['maj:min']),
    sizeBytes: num(raw.size) ?? 0,
    rotational: bool(raw.rota),
    removable: bool(raw.rm) ?? false,
    readOnly: bool(raw.ro) ?? false,
    transport: str(raw.tran),
    subsystems: str(raw.subsystems),
    model: str(raw.model),
    serial: str(raw.serial),
    wwn: str(raw.wwn),
    vendor: str(raw.vendor),
    logicalSectorBytes: num(raw['log-sec']),
    physicalSectorBytes: num(raw['phy-sec']),
    partitionTable: str(raw.pttype),
    partitionLabel: str(raw.partlabel),
    partitionTypeName: str(raw.parttypename),
    fsType: str(raw.fstype),
    label: str(raw.label),
    mountpoints: [...new Set(mountpoints)],
    children: Array.isArray(raw.children) ? raw.children.map(toDevice) : [],
  };
}

/** The block device tree: disks at the top, partitions/LVs/md arrays as children. */
export const blockDevicesFact: Fact<BlockDevice[]> = {
  id: 'block-devices',
  command: 'lsblk -J -b -O',
  parse(stdout) {
    const root = parseJson(stdout, 'lsblk -J');
    if (!isRecord(root) || !Array.isArray(root.blockdevices))
      throw new FactParseError('lsblk -J has no "blockdevices" array');
    return root.blockdevices.map(toDevice);
  },
};
