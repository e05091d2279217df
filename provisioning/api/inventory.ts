import { z } from 'zod';

/**
 * The inventory of one server (PRODUCT.md step 4): what `lockstep probe --json` prints,
 * what the wizard's inventory screen shows side by side, and what the checks read.
 *
 * Every section is either its value or a `FactError` saying which read-only command
 * failed and why: one missing tool never hides the rest of the server. Sizes are in
 * bytes, speeds in Mb/s, `null` means "the server did not say".
 */

/** A section that could not be read: the fact id, and what went wrong. */
export const FactErrorSchema = z.object({
  error: z.string(),
  fact: z.string(),
  /** Exit status of the command, when it ran; null when it was killed or never reported. */
  code: z.number().int().nullable().optional(),
});
export type FactError = z.infer<typeof FactErrorSchema>;

/** A section of the inventory: its value, or why it is missing. */
export function orError<T extends z.ZodType>(schema: T) {
  return z.union([schema, FactErrorSchema]);
}

/** Narrows a section to its error form. Values never have an `error` key. */
export function isFactError(value: unknown): value is FactError {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    'error' in value &&
    'fact' in value
  );
}

export const HostInfoSchema = z.object({
  hostname: z.string(),
  kernel: z.string(),
  /** `uname -m`: x86_64 is the only supported one (`cpu.arch`). */
  architecture: z.string(),
  /** The server's clock (Unix seconds) when probed; compare with the admin's for `time.skew`. */
  clockEpochSeconds: z.number().nullable(),
});
export type HostInfo = z.infer<typeof HostInfoSchema>;

/** From /etc/os-release. */
export const OsInfoSchema = z.object({
  /** `debian`, `ubuntu`, … */
  id: z.string(),
  idLike: z.array(z.string()),
  /** `12`, `13`; null on testing/sid. */
  versionId: z.string().nullable(),
  /** `bookworm`, `trixie`. */
  codename: z.string().nullable(),
  prettyName: z.string(),
});
export type OsInfo = z.infer<typeof OsInfoSchema>;

export const CpuInfoSchema = z.object({
  architecture: z.string().nullable(),
  /** `GenuineIntel`, `AuthenticAMD`. */
  vendor: z.string().nullable(),
  model: z.string().nullable(),
  sockets: z.number().int().nullable(),
  coresPerSocket: z.number().int().nullable(),
  threadsPerCore: z.number().int().nullable(),
  /** Online logical CPUs. */
  logicalCpus: z.number().int().nullable(),
  /** Hardware virtualization the CPU offers to this OS: Intel VT-x (`vmx`), AMD-V (`svm`), or none. */
  virtualization: z.enum(['vmx', 'svm']).nullable(),
  /** CPU flags as the kernel reports them (`/proc/cpuinfo`), for `cpu.mismatch`. */
  flags: z.array(z.string()),
});
export type CpuInfo = z.infer<typeof CpuInfoSchema>;

/** Whether this server itself runs inside a VM or container (a nested setup: `cpu.nested`). */
export const VirtualizationInfoSchema = z.object({
  /** systemd-detect-virt's VM id (`kvm`, `vmware`, `microsoft`, …); null on bare metal. */
  vm: z.string().nullable(),
  /** systemd-detect-virt's container id (`docker`, `lxc`, `systemd-nspawn`, …); null when none. */
  container: z.string().nullable(),
  /** lscpu's "Hypervisor vendor", when the CPU reports one. */
  hypervisorVendor: z.string().nullable(),
});
export type VirtualizationInfo = z.infer<typeof VirtualizationInfoSchema>;

export const MemoryInfoSchema = z.object({
  totalBytes: z.number(),
  availableBytes: z.number().nullable(),
  swapTotalBytes: z.number(),
  hugePagesTotal: z.number().nullable(),
  hugePageSizeBytes: z.number().nullable(),
  /**
   * On a Xen host: what dom0 itself has. `totalBytes` is then the host's memory as Xen
   * reports it (`xl info`), since dom0's /proc/meminfo shows only dom0's share.
   */
  dom0Bytes: z.number().optional(),
});
export type MemoryInfo = z.infer<typeof MemoryInfoSchema>;

/** Why a disk cannot be taken for the pool as it is (`disk.in-use`). */
export const DiskUseReasonSchema = z.enum([
  'system',
  'partitioned',
  'filesystem',
  'mounted',
  'swap',
  'lvm-member',
  'raid-member',
  'holder',
  'read-only',
]);
export type DiskUseReason = z.infer<typeof DiskUseReasonSchema>;

export const DiskUseSchema = z.object({
  reason: DiskUseReasonSchema,
  /** For people: "LVM physical volume of VG vmdata", "mounted at /srv". */
  detail: z.string(),
  /** For an LVM physical volume: its volume group (the pair's own pool is not "in use"). */
  volumeGroup: z.string().optional(),
});
export type DiskUse = z.infer<typeof DiskUseSchema>;

export const PartitionSchema = z.object({
  name: z.string(),
  path: z.string(),
  sizeBytes: z.number(),
  /** GPT partition name (PARTLABEL). */
  label: z.string().nullable(),
  /** Partition type, e.g. "EFI System", "Linux LVM". */
  typeName: z.string().nullable(),
  filesystem: z.string().nullable(),
  mountpoints: z.array(z.string()),
});
export type Partition = z.infer<typeof PartitionSchema>;

export const DiskSchema = z.object({
  /** Kernel name: `nvme0n1`, `sda`, `vda`. */
  name: z.string(),
  path: z.string(),
  /** Stable names (`/dev/disk/by-id/nvme-…`), as a site file should name the disk; empty without udev. */
  byId: z.array(z.string()),
  sizeBytes: z.number(),
  /** Spinning (true), solid state (false), or not reported. */
  rotational: z.boolean().nullable(),
  /** What a person calls it: `hdd`, `ssd` (incl. SATA/SAS SSDs), `nvme`; `unknown` for virtual disks that do not say. */
  media: z.enum(['hdd', 'ssd', 'nvme', 'unknown']),
  /** Bus: `nvme`, `sata`, `sas`, `usb`, `virtio`, `ata`, `scsi`, `iscsi`, `fc`, …; null when the kernel does not say. */
  transport: z.string().nullable(),
  model: z.string().nullable(),
  serial: z.string().nullable(),
  wwn: z.string().nullable(),
  removable: z.boolean(),
  readOnly: z.boolean(),
  logicalSectorBytes: z.number().nullable(),
  physicalSectorBytes: z.number().nullable(),
  /** `gpt`, `dos`, or null when there is no partition table. */
  partitionTable: z.string().nullable(),
  /** A filesystem or signature on the whole disk (`ext4`, `LVM2_member`, `linux_raid_member`). */
  filesystem: z.string().nullable(),
  partitions: z.array(PartitionSchema),
  /** Holds /, /boot, /boot/efi, /usr, /var or active swap, directly or through LVM/RAID/crypt. */
  system: z.boolean(),
  /** Empty when the disk is free for the pool. */
  inUse: z.array(DiskUseSchema),
});
export type Disk = z.infer<typeof DiskSchema>;

export const NicAddressSchema = z.object({
  family: z.enum(['inet', 'inet6']),
  address: z.string(),
  prefixLength: z.number().int(),
  /** `global`, `link`, `host`. */
  scope: z.string(),
});
export type NicAddress = z.infer<typeof NicAddressSchema>;

export const NicKindSchema = z.enum([
  'physical',
  'bond',
  'bridge',
  'vlan',
  'veth',
  'loopback',
  'dummy',
  'tun',
  'virtual',
]);
export type NicKind = z.infer<typeof NicKindSchema>;

export const NicSchema = z.object({
  name: z.string(),
  kind: NicKindSchema,
  /** The kernel's link kind (`bond`, `bridge`, `vlan`, `veth`, …); null for plain hardware NICs. */
  linkKind: z.string().nullable(),
  mac: z.string().nullable(),
  /** Kernel driver of the device (`ixgbe`, `virtio_net`); null for virtual links. */
  driver: z.string().nullable(),
  /** Cable plugged and link negotiated; null when unknown (interface administratively down). */
  carrier: z.boolean().nullable(),
  /** `up`, `down`, `unknown`, `lowerlayerdown`, … */
  operState: z.string(),
  /** Negotiated speed; null when down or not reported (virtual NICs). */
  speedMbps: z.number().nullable(),
  mtu: z.number().int(),
  addresses: z.array(NicAddressSchema),
  /** The bond or bridge this NIC belongs to. */
  master: z.string().nullable(),
  masterKind: z.string().nullable(),
  /** Lower link of a VLAN or macvlan. */
  parent: z.string().nullable(),
  vlanId: z.number().int().nullable(),
  bond: z
    .object({ mode: z.string().nullable(), slaves: z.array(z.string()), activeSlave: z.string().nullable() })
    .nullable(),
  bridgePorts: z.array(z.string()).nullable(),
});
export type Nic = z.infer<typeof NicSchema>;

export const ChronyTrackingSchema = z.object({
  referenceId: z.string().nullable(),
  stratum: z.number().int().nullable(),
  /** System time minus true time, seconds (positive: the clock is ahead). */
  offsetSeconds: z.number().nullable(),
  leapStatus: z.string().nullable(),
});
export type ChronyTracking = z.infer<typeof ChronyTrackingSchema>;

export const TimeInfoSchema = z.object({
  timezone: z.string().nullable(),
  /** An NTP client is enabled (timedatectl `NTP`). */
  ntpEnabled: z.boolean().nullable(),
  /** The kernel clock is synchronised (timedatectl `NTPSynchronized`, or chrony's leap status). */
  synchronized: z.boolean().nullable(),
  /** chrony's view when chronyc is installed and chronyd answers; null otherwise. */
  chrony: ChronyTrackingSchema.nullable(),
});
export type TimeInfo = z.infer<typeof TimeInfoSchema>;

export const PackageInfoSchema = z.object({
  name: z.string(),
  version: z.string().nullable(),
  /** dpkg's abbreviated status (`ii`, `rc`, `un`). */
  status: z.string(),
  installed: z.boolean(),
});
export type PackageInfo = z.infer<typeof PackageInfoSchema>;

export const KvmInfoSchema = z.object({
  /** /dev/kvm exists: the kvm module is loaded and the CPU's virtualization is enabled. */
  devKvm: z.boolean(),
  /** kvm_intel/kvm_amd `nested` parameter; null when the module is not loaded. */
  nested: z.boolean().nullable(),
});
export type KvmInfo = z.infer<typeof KvmInfoSchema>;

export const InventorySchema = z.object({
  schemaVersion: z.literal(1),
  /** ISO time on the admin's computer when the probe finished. */
  collectedAt: z.string(),
  /** Wall time of the probe's single remote command. */
  durationMs: z.number(),
  host: orError(HostInfoSchema),
  os: orError(OsInfoSchema),
  cpu: orError(CpuInfoSchema),
  virtualization: orError(VirtualizationInfoSchema),
  memory: orError(MemoryInfoSchema),
  disks: orError(z.array(DiskSchema)),
  nics: orError(z.array(NicSchema)),
  time: orError(TimeInfoSchema),
  /** The relevant packages dpkg knows about (installed or with config left); absent = never installed. */
  packages: orError(z.array(PackageInfoSchema)),
  kvm: orError(KvmInfoSchema),
  /** Every fact that failed, including ones that only made a section less complete. */
  problems: z.array(FactErrorSchema),
});
export type Inventory = z.infer<typeof InventorySchema>;

/** What `lockstep probe --json` prints. */
export const ProbeReportSchema = z.object({
  nodes: z.array(
    z.object({
      host: z.string(),
      inventory: InventorySchema.optional(),
      /** Set when the server could not be reached at all. */
      error: z.object({ code: z.string(), message: z.string(), remedy: z.string() }).optional(),
    }),
  ),
});
export type ProbeReport = z.infer<typeof ProbeReportSchema>;
