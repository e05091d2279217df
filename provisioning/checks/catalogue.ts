/**
 * The check catalogue: the stable ids of PRODUCT.md with the rule, threshold and
 * remedy of each. Checks take their remedy text from here and `docs/checks.md` is
 * generated from here, so the documentation cannot drift from the code.
 */

/** The product's thresholds, in one place, with the reason for each value. */
export const Thresholds = {
  /** Below this a pair cannot host even a small protected VM next to the host's own needs. */
  memoryFailBytes: 4 * 1024 ** 3,
  /** everRun and Proxmox guidance: 8 GiB is the practical floor for a virtualization host. */
  memoryWarnBytes: 8 * 1024 ** 3,
  /** Memory differing by more than this is flagged: capacity is the smaller node's. */
  memoryMismatchRatio: 0.1,
  /** A pool disk smaller than this cannot hold a useful VM disk and its DRBD metadata. */
  diskMinBytes: 10 * 1024 ** 3,
  /** Pools differing by more than this waste the larger node's space. */
  diskMismatchRatio: 0.1,
  /** Private link: below 1 Gb/s synchronous replication stalls every VM write. */
  privateLinkFailMbps: 1000,
  /** Private link: everRun and vSphere FT recommend 10 Gb/s. */
  privateLinkWarnMbps: 10_000,
  /** Private link round trip: protocol C waits for it on every write (sub-millisecond). */
  latencyWarnMs: 1,
  latencyFailMs: 5,
  /** Clock difference: Corosync and logs need agreement; TLS and Kerberos fail beyond minutes. */
  timeSkewWarnMs: 500,
  timeSkewFailMs: 5000,
} as const;

export type CheckArea = 'ssh' | 'host' | 'disks' | 'network' | 'software' | 'safety';

/** One catalogue entry: what the check proves, when it fails or warns, and what to do. */
export interface CatalogueEntry {
  readonly id: string;
  readonly area: CheckArea;
  readonly title: string;
  /** The severity rule in words, with the threshold. */
  readonly rule: string;
  readonly remedy: string;
}

const gib = (bytes: number): string => `${bytes / 1024 ** 3} GiB`;

export const Catalogue = [
  // SSH
  {
    id: 'ssh.unreachable',
    area: 'ssh',
    title: 'Server answers SSH',
    rule: 'fail when no TCP connection or SSH key exchange completes within the timeout',
    remedy:
      'Check the address and port, that the server is on, that sshd runs, and that no firewall blocks the port.',
  },
  {
    id: 'ssh.host-key-unknown',
    area: 'ssh',
    title: 'Host key pinned',
    rule: 'fail when the server offers a host key that Lockstep has not pinned',
    remedy:
      'Compare the fingerprint with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the server console, then run `lockstep trust HOST --fingerprint SHA256:…`.',
  },
  {
    id: 'ssh.host-key-mismatch',
    area: 'ssh',
    title: 'Host key unchanged',
    rule: 'fail when the offered host key differs from the pinned one',
    remedy:
      'If the server was reinstalled, verify its new fingerprint on its console, remove the old pin from Lockstep’s known_hosts and trust it again; otherwise treat the connection as intercepted.',
  },
  {
    id: 'ssh.auth-failed',
    area: 'ssh',
    title: 'Login works',
    rule: 'fail when every configured authentication method is refused',
    remedy:
      'Check the user name, the key file (and its passphrase) or the password, and that the key is in the user’s authorized_keys.',
  },
  {
    id: 'ssh.sudo-unavailable',
    area: 'ssh',
    title: 'Administrator rights',
    rule: 'fail when the user is not root and sudo refuses (not in sudoers, or wrong or missing password)',
    remedy:
      'Log in as root, or add the user to the sudo group (`usermod -aG sudo USER`) and give the sudo password.',
  },
  // Host
  {
    id: 'os.unsupported',
    area: 'host',
    title: 'Supported operating system',
    rule: 'fail unless Debian 12 (bookworm) or 13 (trixie) on amd64',
    remedy: 'Install Debian 12 or 13 (amd64) on the server.',
  },
  {
    id: 'cpu.arch',
    area: 'host',
    title: 'x86-64 processor',
    rule: 'fail unless the CPU architecture is x86_64',
    remedy: 'Use x86-64 servers: the hypervisor profiles are built for amd64.',
  },
  {
    id: 'cpu.virt-missing',
    area: 'host',
    title: 'Hardware virtualization',
    rule: 'fail when the CPU flags show neither vmx (Intel VT-x) nor svm (AMD-V)',
    remedy:
      'Enable Intel VT-x or AMD-V (often called "Virtualization Technology") in the server’s BIOS/UEFI setup.',
  },
  {
    id: 'cpu.nested',
    area: 'host',
    title: 'Bare metal',
    rule: 'warn when the server itself runs under a hypervisor (nested virtualization is slow and not fault tolerant)',
    remedy: 'Use physical servers for production; a nested setup is fine for practice.',
  },
  {
    id: 'cpu.mismatch',
    area: 'host',
    title: 'Matching processors',
    rule: 'warn when vendor, model or virtualization flags differ (VMs may not move freely); fail when the default level is ft',
    remedy: 'Use two servers with the same CPU model, or choose the ha level (restart, not lockstep).',
  },
  {
    id: 'mem.insufficient',
    area: 'host',
    title: 'Enough memory',
    rule: `fail below ${gib(Thresholds.memoryFailBytes)}, warn below ${gib(Thresholds.memoryWarnBytes)} of RAM`,
    remedy: 'Add memory: protected VMs need their full memory on both servers (no overcommit).',
  },
  {
    id: 'mem.mismatch',
    area: 'host',
    title: 'Matching memory',
    rule: `warn when the servers’ memory differs by more than ${Thresholds.memoryMismatchRatio * 100}% (capacity is the smaller one’s)`,
    remedy: 'Give both servers the same amount of memory; until then only the smaller amount is usable.',
  },
  {
    id: 'host.name-duplicate',
    area: 'host',
    title: 'Distinct host names',
    rule: 'fail when both servers have the same host name (the cluster names its members by it)',
    remedy: 'Give each server its own name: `hostnamectl set-hostname NAME` and update /etc/hosts.',
  },
  {
    id: 'time.skew',
    area: 'host',
    title: 'Clocks agree',
    rule: `warn above ${Thresholds.timeSkewWarnMs} ms, fail above ${Thresholds.timeSkewFailMs} ms of difference between the servers`,
    remedy: 'Run an NTP client on both servers (`apt install chrony`) against the same time source.',
  },
  {
    id: 'time.unsynced',
    area: 'host',
    title: 'Clock synchronised',
    rule: 'warn when the server reports no NTP synchronisation',
    remedy:
      'Install and enable an NTP client (`apt install chrony`) and check `timedatectl` shows "System clock synchronized: yes".',
  },
  // Disks
  {
    id: 'disk.none-available',
    area: 'disks',
    title: 'A disk for the mirrored pool',
    rule: 'fail when a server has no empty, unmounted disk besides the system disk, and none is named for wiping',
    remedy:
      'Add an empty disk to each server, or name a disk for wiping in the site file (storage.wipe) with its model and serial.',
  },
  {
    id: 'disk.in-use',
    area: 'disks',
    title: 'Disk holds data',
    rule: 'info for each disk that has partitions, a filesystem, a mount or LVM/RAID membership (with the reason); fail when such a disk is chosen without an explicit wipe',
    remedy:
      'Leave it alone, or name it under storage.wipe with its model and serial to let Lockstep erase it.',
  },
  {
    id: 'disk.too-small',
    area: 'disks',
    title: 'Disk large enough',
    rule: `fail when the pool on a server is smaller than ${gib(Thresholds.diskMinBytes)}`,
    remedy: 'Use a larger disk, or add another empty disk to the pool.',
  },
  {
    id: 'disk.size-mismatch',
    area: 'disks',
    title: 'Matching pool sizes',
    rule: `warn when the two pools differ by more than ${Thresholds.diskMismatchRatio * 100}% (usable size is the smaller)`,
    remedy: 'Give both servers the same disk sizes; until then only the smaller pool size is usable.',
  },
  {
    id: 'disk.media-mismatch',
    area: 'disks',
    title: 'Matching disk media',
    rule: 'warn when one pool is on SSDs and the other on spinning disks (writes wait for the slower one)',
    remedy: 'Use the same kind of disk on both servers.',
  },
  // Network
  {
    id: 'net.mgmt-missing',
    area: 'network',
    title: 'Management network',
    rule: 'fail when the NIC that carries the SSH session cannot be identified',
    remedy:
      'Connect to the servers by an address configured on one of their NICs (not through NAT or a jump host).',
  },
  {
    id: 'net.no-private-link',
    area: 'network',
    title: 'Direct private link',
    rule: 'fail when no NIC pair is cabled directly between the two servers (found by probing the wire)',
    remedy:
      'Connect a free NIC of each server with a direct cable (no switch), ideally 10 Gb/s, and bring both NICs up.',
  },
  {
    id: 'net.link-down',
    area: 'network',
    title: 'Private link up',
    rule: 'fail when a private-link NIC has no carrier or is administratively down',
    remedy:
      'Check the cable and both NICs (`ip link set DEV up`), and that the cable is plugged into the NICs you expect.',
  },
  {
    id: 'net.speed-low',
    area: 'network',
    title: 'Private link speed',
    rule: `fail below ${Thresholds.privateLinkFailMbps / 1000} Gb/s, warn below ${Thresholds.privateLinkWarnMbps / 1000} Gb/s`,
    remedy:
      'Use 10 Gb/s NICs for the private link: every protected write crosses it before it is acknowledged.',
  },
  {
    id: 'net.mtu-mismatch',
    area: 'network',
    title: 'Private link MTU',
    rule: 'fail when the two ends’ MTU differ, or the path does not carry the configured MTU unfragmented',
    remedy:
      'Set the same MTU on both private NICs (`ip link set DEV mtu 9000` and in /etc/network/interfaces), and on any device in between.',
  },
  {
    id: 'net.latency-high',
    area: 'network',
    title: 'Private link latency',
    rule: `warn above ${Thresholds.latencyWarnMs} ms, fail above ${Thresholds.latencyFailMs} ms round trip`,
    remedy: 'Cable the servers directly; remove switches, bridges or distance between them.',
  },
  {
    id: 'net.address-conflict',
    area: 'network',
    title: 'Free private addresses',
    rule: 'fail when the private-link subnet overlaps an address or route already on a server',
    remedy: 'Choose another private subnet in the site file (network.private.subnet).',
  },
  // Software
  {
    id: 'pkg.source-unreachable',
    area: 'software',
    title: 'Package source',
    rule: 'fail when the server cannot read its Debian mirror’s index (and no offline bundle is chosen)',
    remedy:
      'Fix the server’s apt sources or proxy, or build an offline bundle (`lockstep bundle build`) and choose packages.source: bundle.',
  },
  {
    id: 'pkg.conflict',
    area: 'software',
    title: 'No conflicting software',
    rule: 'fail when another hypervisor, an existing cluster configuration or existing VMs are present',
    remedy: 'Use servers without another hypervisor or cluster; move existing VMs away first.',
  },
  {
    id: 'kmod.drbd-unavailable',
    area: 'software',
    title: 'DRBD kernel module',
    rule: 'fail when the running kernel has no drbd module (mirrored storage needs it)',
    remedy:
      'Boot a Debian kernel (linux-image-amd64), which ships DRBD; custom kernels need CONFIG_BLK_DEV_DRBD.',
  },
  {
    id: 'ft.colo-unsupported',
    area: 'software',
    title: 'Fault tolerance (COLO)',
    rule: 'fail when the default level is ft and COLO is known not to work with this QEMU: a COLO building block (colo-compare, filter-mirror, filter-redirector, filter-rewriter, replication) is missing, or the server has no KVM (QEMU 7.2 under TCG hangs at a checkpoint); warn when the default level is ft and COLO has not been proven with this QEMU (KVM); info otherwise. See docs/ft-colo.md',
    remedy:
      'Choose the ha level; for ft, run the servers with KVM (/dev/kvm) and a QEMU with every COLO building block (Debian 12’s QEMU 7.2 has them).',
  },
  // Safety
  {
    id: 'quorum.witness-unreachable',
    area: 'safety',
    title: 'Quorum witness',
    rule: 'fail when a quorum witness is configured and Lockstep cannot log into it over SSH with administrator rights, or a node cannot reach its port 5403 (no answer, no route, or refused while corosync-qnetd runs)',
    remedy:
      'Check the witness address, that it runs SSH with its host key pinned (`lockstep trust`), and that nothing between the nodes and the witness drops TCP port 5403; Lockstep installs corosync-qnetd there.',
  },
  {
    id: 'fence.bmc-unreachable',
    area: 'safety',
    title: 'Fencing device',
    rule: 'fail when a BMC does not answer `fence_ipmilan -o status` with the given user and password, asked from the other node (the one that fences through it); warn while it cannot be asked (no password given, or before the first apply installs the agent)',
    remedy: 'Check the BMC address, that IPMI over LAN is enabled, and the BMC user and password.',
  },
  {
    id: 'fence.none',
    area: 'safety',
    title: 'Fencing configured',
    rule: 'warn when no fencing is configured and the risk is acknowledged; fail when it is not acknowledged',
    remedy:
      'Give each server’s BMC address and credentials, or acknowledge the risk (fencing.acknowledgeNoFencing: true).',
  },
] as const satisfies readonly CatalogueEntry[];

/** A catalogue id: the type system refuses an id that PRODUCT.md does not promise. */
export type CheckId = (typeof Catalogue)[number]['id'];

const byId = new Map<string, CatalogueEntry>(Catalogue.map((entry) => [entry.id, entry]));

/** The catalogue entry of an id (every CheckId has one). */
export function catalogueEntry(id: CheckId): CatalogueEntry {
  const entry = byId.get(id);
  if (!entry) throw new Error(`check ${id} is not in the catalogue`);
  return entry;
}
