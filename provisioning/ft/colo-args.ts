/**
 * The QEMU command lines of a COLO pair (QEMU's docs/COLO-FT.txt, "Startup qemu"): the
 * primary with its disk under a quorum and the COLO proxy (filter-mirror,
 * filter-redirector, colo-compare), the secondary waiting for the migration stream
 * (`-incoming`) with the replication block driver (active and hidden disks over its copy of
 * the disk) and the proxy's other half (filter-redirector, filter-rewriter). Pure: the
 * driver (`colo.ts`) and the tests use the same lists.
 */

/** Where a COLO channel listens: a unix socket (one host, tests) or TCP (the private link). */
export type Endpoint =
  | { readonly type: 'unix'; readonly path: string }
  | { readonly type: 'inet'; readonly host: string; readonly port: number };

/** The VM both sides run: identical hardware is what makes checkpoints loadable. */
export interface ColoGuest {
  /** `-name` of both QEMUs (suffixed with the role). */
  readonly name: string;
  readonly memoryMiB: number;
  readonly cpus: number;
  /** KVM where it works; TCG (emulation) elsewhere. */
  readonly accel: 'kvm' | 'tcg';
  /** Direct kernel boot (`-kernel/-initrd/-append`); absent: boot from the disk. */
  readonly kernel?: { readonly kernel: string; readonly initrd: string; readonly append: string };
  /** The guest NIC's MAC (the same on both sides: the SVM must answer as the PVM). */
  readonly mac: string;
  /**
   * The network backend of `hn0` without its id, e.g. `tap,ifname=vnet0,script=no,downscript=no,vhost=off`
   * or `user,restrict=on`. vhost must be off: the filters need packets in QEMU.
   */
  readonly netdev: string;
  /** Format of the disk images (`raw` or `qcow2`). */
  readonly diskFormat: 'raw' | 'qcow2';
  /** Where QEMU finds its firmware (`-L`, in order), for a QEMU that is not installed (a build tree). */
  readonly firmwareDirs?: readonly string[];
}

/** One side's files. */
export interface ColoSideFiles {
  /** Primary: its disk. Secondary: its copy of the disk (the NBD export, synced before COLO starts). */
  readonly disk: string;
  /** The serial console's log. */
  readonly serialLog: string;
  /** This QEMU's QMP socket (unix). */
  readonly qmp: string;
}

/** The secondary also needs the replication driver's two empty overlays (qcow2, the disk's size). */
export interface ColoSecondaryFiles extends ColoSideFiles {
  readonly active: string;
  readonly hidden: string;
}

/** The channels between the two QEMUs, and the primary's two internal loops. */
export interface ColoWiring {
  /** Primary → secondary: packets the primary's netdev receives, mirrored to the SVM. */
  readonly mirror: Endpoint;
  /** Secondary → primary: the SVM's outgoing packets, into colo-compare. */
  readonly compareSecondary: Endpoint;
  /** Primary internal: the PVM's outgoing packets into colo-compare. */
  readonly comparePrimary: Endpoint;
  /** Primary internal: packets colo-compare releases, back to the netdev. */
  readonly compareOut: Endpoint;
  /** The secondary's NBD server (block replication and the initial disk sync). */
  readonly nbd: Endpoint;
  /** The secondary's migration listener (checkpoints). */
  readonly migration: Endpoint;
}

/** Both QEMUs on one host (tests, QEMU's own COLO docs): every channel a unix socket in `dir`. */
export function unixWiring(dir: string): ColoWiring {
  const socket = (file: string): Endpoint => ({ type: 'unix', path: `${dir}/${file}` });
  return {
    mirror: socket('mirror.sock'),
    compareSecondary: socket('compare-sec.sock'),
    comparePrimary: socket('compare-pri.sock'),
    compareOut: socket('compare-out.sock'),
    nbd: socket('nbd.sock'),
    migration: socket('migration.sock'),
  };
}

/** Ids shared by the argument lists and the QMP sequences. */
export const COLO_IDS = {
  netdev: 'hn0',
  disk: 'colo-disk0',
  /** The secondary's copy of the disk: also the NBD export name. */
  secondaryParent: 'parent0',
  secondaryChild: 'childs0',
  /** The primary's replication child of the quorum (added over QMP). */
  replication: 'replication0',
  mirror: 'mirror0',
  compareSecondary: 'compare1',
  comparePrimaryOut: 'compare0',
  comparePrimaryIn: 'compare0-0',
  compareOutIn: 'compare_out',
  compareOutOut: 'compare_out0',
  filterMirror: 'm0',
  redirectorIn: 'redire0',
  redirectorOut: 'redire1',
  compare: 'comp0',
  iothread: 'iothread1',
  /** Secondary: its ends of the mirror and compare channels. */
  secondaryMirror: 'red0',
  secondaryCompare: 'red1',
  secondaryRedirectorIn: 'f1',
  secondaryRedirectorOut: 'f2',
  rewriter: 'rew0',
  resyncJob: 'resync',
} as const;

/** `path=…` or `host=…,port=…` for a `-chardev socket`. */
export function chardevAddress(endpoint: Endpoint): string {
  return endpoint.type === 'unix'
    ? `path=${commaSafe(endpoint.path)}`
    : `host=${endpoint.host},port=${endpoint.port}`;
}

/** `unix:/p` or `tcp:h:p` (migration URIs). */
export function migrationUri(endpoint: Endpoint): string {
  return endpoint.type === 'unix' ? `unix:${endpoint.path}` : `tcp:${endpoint.host}:${endpoint.port}`;
}

/** The QAPI SocketAddress of an endpoint (nbd-server-start, blockdev-add). */
export function socketAddress(endpoint: Endpoint): Record<string, unknown> {
  return endpoint.type === 'unix'
    ? { type: 'unix', path: endpoint.path }
    : { type: 'inet', host: endpoint.host, port: String(endpoint.port) };
}

/** The legacy SocketAddress (`{type, data}`) that nbd-server-start takes. */
export function legacySocketAddress(endpoint: Endpoint): Record<string, unknown> {
  return endpoint.type === 'unix'
    ? { type: 'unix', data: { path: endpoint.path } }
    : { type: 'inet', data: { host: endpoint.host, port: String(endpoint.port) } };
}

/** An NBD URI for drive-mirror's target. */
export function nbdUri(endpoint: Endpoint, exportName: string): string {
  return endpoint.type === 'unix'
    ? `nbd+unix:///${exportName}?socket=${endpoint.path}`
    : `nbd://${endpoint.host}:${endpoint.port}/${exportName}`;
}

/** QEMU's option parser splits on commas; a literal comma is written twice. */
function commaSafe(value: string): string {
  return value.replaceAll(',', ',,');
}

function common(guest: ColoGuest, role: 'primary' | 'secondary', files: ColoSideFiles): string[] {
  return [
    '-name',
    `${guest.name}-${role}`,
    '-machine',
    'pc',
    ...(guest.accel === 'kvm'
      ? ['-accel', 'kvm', '-cpu', 'host']
      : ['-accel', 'tcg,tb-size=64', '-cpu', 'max']),
    '-smp',
    String(guest.cpus),
    '-m',
    `${guest.memoryMiB}M`,
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    ...(guest.firmwareDirs ?? []).flatMap((dir) => ['-L', dir]),
    ...(guest.kernel
      ? ['-kernel', guest.kernel.kernel, '-initrd', guest.kernel.initrd, '-append', guest.kernel.append]
      : []),
    '-serial',
    `file:${files.serialLog}`,
    '-qmp',
    `unix:${commaSafe(files.qmp)},server=on,wait=off`,
    '-netdev',
    `${guest.netdev},id=${COLO_IDS.netdev}`,
    '-device',
    `virtio-net-pci,id=e0,netdev=${COLO_IDS.netdev},mac=${guest.mac},addr=3`,
  ];
}

function diskDevice(): string[] {
  return ['-device', `virtio-blk-pci,id=vd0,drive=${COLO_IDS.disk},addr=4`];
}

/**
 * The primary: the disk is the only child of a quorum (vote-threshold 1, read from the
 * local disk first) so that the replication child can be added at COLO start; the proxy
 * mirrors incoming packets to the secondary and sends outgoing packets through
 * colo-compare, which releases them when both VMs sent the same (else a checkpoint).
 */
export function coloPrimaryArgs(guest: ColoGuest, files: ColoSideFiles, wiring: ColoWiring): string[] {
  const id = COLO_IDS;
  return [
    ...common(guest, 'primary', files),
    '-chardev',
    `socket,id=${id.mirror},${chardevAddress(wiring.mirror)},server=on,wait=off`,
    '-chardev',
    `socket,id=${id.compareSecondary},${chardevAddress(wiring.compareSecondary)},server=on,wait=off`,
    '-chardev',
    `socket,id=${id.comparePrimaryOut},${chardevAddress(wiring.comparePrimary)},server=on,wait=off`,
    '-chardev',
    `socket,id=${id.comparePrimaryIn},${chardevAddress(wiring.comparePrimary)}`,
    '-chardev',
    `socket,id=${id.compareOutIn},${chardevAddress(wiring.compareOut)},server=on,wait=off`,
    '-chardev',
    `socket,id=${id.compareOutOut},${chardevAddress(wiring.compareOut)}`,
    '-object',
    `filter-mirror,id=${id.filterMirror},netdev=${id.netdev},queue=tx,outdev=${id.mirror}`,
    '-object',
    `filter-redirector,id=${id.redirectorIn},netdev=${id.netdev},queue=rx,indev=${id.compareOutIn}`,
    '-object',
    `filter-redirector,id=${id.redirectorOut},netdev=${id.netdev},queue=rx,outdev=${id.comparePrimaryOut}`,
    '-object',
    `iothread,id=${id.iothread}`,
    '-object',
    `colo-compare,id=${id.compare},primary_in=${id.comparePrimaryIn},secondary_in=${id.compareSecondary},outdev=${id.compareOutOut},iothread=${id.iothread}`,
    '-drive',
    `if=none,id=${id.disk},driver=quorum,read-pattern=fifo,vote-threshold=1,children.0.driver=${guest.diskFormat},children.0.file.filename=${commaSafe(files.disk)}`,
    ...diskDevice(),
  ];
}

/**
 * The secondary: its copy of the disk (`parent0`, exported over NBD) under the
 * replication driver (writes of the SVM go to the active disk and are dropped at every
 * checkpoint; the hidden disk keeps what the primary's writes overwrote), the proxy's
 * redirectors (the primary's mirrored packets in, the SVM's packets out to colo-compare),
 * the rewriter (TCP sequence numbers), and `-incoming` for the checkpoints.
 */
export function coloSecondaryArgs(guest: ColoGuest, files: ColoSecondaryFiles, wiring: ColoWiring): string[] {
  const id = COLO_IDS;
  return [
    ...common(guest, 'secondary', files),
    '-chardev',
    `socket,id=${id.secondaryMirror},${chardevAddress(wiring.mirror)},reconnect=1`,
    '-chardev',
    `socket,id=${id.secondaryCompare},${chardevAddress(wiring.compareSecondary)},reconnect=1`,
    '-object',
    `filter-redirector,id=${id.secondaryRedirectorIn},netdev=${id.netdev},queue=tx,indev=${id.secondaryMirror}`,
    '-object',
    `filter-redirector,id=${id.secondaryRedirectorOut},netdev=${id.netdev},queue=rx,outdev=${id.secondaryCompare}`,
    '-object',
    `filter-rewriter,id=${id.rewriter},netdev=${id.netdev},queue=all`,
    '-drive',
    `if=none,id=${id.secondaryParent},driver=${guest.diskFormat},file.filename=${commaSafe(files.disk)}`,
    '-drive',
    [
      `if=none,id=${id.secondaryChild},driver=replication,mode=secondary,top-id=${id.disk}`,
      `file.driver=qcow2,file.file.filename=${commaSafe(files.active)}`,
      `file.backing.driver=qcow2,file.backing.file.filename=${commaSafe(files.hidden)}`,
      `file.backing.backing=${id.secondaryParent}`,
    ].join(','),
    '-drive',
    `if=none,id=${id.disk},driver=quorum,read-pattern=fifo,vote-threshold=1,children.0=${id.secondaryChild}`,
    ...diskDevice(),
    '-incoming',
    migrationUri(wiring.migration),
  ];
}

/** The command that makes the replication driver's empty overlays (run before the secondary starts). */
export function overlayCreateArgs(path: string, sizeBytes: number): string[] {
  return ['create', '-f', 'qcow2', path, String(sizeBytes)];
}
