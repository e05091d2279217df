/**
 * DRBD as each node sees it, in one shape for both kernels: DRBD 8.4 (Debian's own
 * kernel) through `/proc/drbd`, DRBD 9 through `drbdsetup status --json` and the
 * `drbdsetup events2` stream. Sizes are KiB in every DRBD output; they become bytes here.
 */

/** One DRBD device (a resource's volume) from one node's point of view. */
export interface DrbdDevice {
  readonly resource: string | null;
  readonly minor: number | null;
  /** `Connected`, `StandAlone`, `WFConnection`, `SyncSource`… (8.4 cs / DRBD 9 connection). */
  readonly connection: string;
  /** DRBD 9 replication state (`Established`, `SyncSource`…); 8.4: sync states of cs. */
  readonly replication: string | null;
  readonly role: string | null;
  readonly peerRole: string | null;
  readonly disk: string | null;
  readonly peerDisk: string | null;
  readonly outOfSyncBytes: number | null;
  readonly syncPercent: number | null;
  readonly syncBytesPerSecond: number | null;
}

export interface DrbdReport {
  /** `8.4.11`, `9.2.4`; null when no module is loaded. */
  readonly version: string | null;
  readonly devices: readonly DrbdDevice[];
}

const SYNCING = /^(SyncSource|SyncTarget|PausedSyncS|PausedSyncT|StartingSyncS|StartingSyncT|WFBitMapS|WFBitMapT|WFSyncUUID|VerifyS|VerifyT)$/;

/** True when a replication/connection state means a resync is running (or about to). */
export function isSyncing(state: string | null): boolean {
  return state !== null && SYNCING.test(state);
}

function kib(text: string | undefined): number | null {
  if (text === undefined) return null;
  const value = Number(text.replaceAll(',', ''));
  return Number.isFinite(value) ? value * 1024 : null;
}

/** The kernel module's version line of `/proc/drbd` (both 8.4 and 9 print it). */
export function drbdVersion(procDrbd: string): string | null {
  return /^version:\s*(\S+)/m.exec(procDrbd)?.[1] ?? null;
}

/**
 * `/proc/drbd` of DRBD 8.4: one block per minor. `names` maps minors to resource names
 * (from `drbdadm sh-minor`), since 8.4's /proc/drbd knows only minors.
 */
export function parseProcDrbd84(text: string, names: ReadonlyMap<number, string> = new Map()): DrbdReport {
  const devices: DrbdDevice[] = [];
  const blocks = text.split(/^(?=\s*\d+: cs:)/m).slice(1);
  for (const block of blocks) {
    const head = /^\s*(\d+): cs:(\S+)(?: ro:(\S+)\/(\S+))?(?: ds:(\S+)\/(\S+))?/.exec(block);
    if (!head) continue;
    const connection = head[2] ?? '';
    if (connection === 'Unconfigured') continue;
    const minor = Number(head[1]);
    const oos = /\boos:(\d+)/.exec(block)?.[1];
    const percent = /sync'ed:\s*([\d.]+)%/.exec(block)?.[1];
    const speed = /speed:\s*([\d,]+)/.exec(block)?.[1];
    devices.push({
      resource: names.get(minor) ?? null,
      minor,
      connection,
      replication: connection,
      role: head[3] ?? null,
      peerRole: head[4] ?? null,
      disk: head[5] ?? null,
      peerDisk: head[6] ?? null,
      outOfSyncBytes: kib(oos),
      syncPercent: percent === undefined ? null : Number(percent),
      syncBytesPerSecond: kib(speed),
    });
  }
  return { version: drbdVersion(text), devices };
}

/** `drbdadm sh-minor` lines collected as `NAME MINOR` (see the collector's script). */
export function parseMinorMap(text: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const line of text.split('\n')) {
    const match = /^(\S+)\s+(\d+)\s*$/.exec(line);
    if (match) map.set(Number(match[2]), match[1] ?? '');
  }
  return map;
}

interface Json9PeerDevice {
  volume?: number;
  'replication-state'?: string;
  'peer-disk-state'?: string;
  'out-of-sync'?: number;
  'percent-in-sync'?: number;
}
interface Json9Resource {
  name?: string;
  role?: string;
  devices?: { volume?: number; minor?: number; 'disk-state'?: string }[];
  connections?: {
    'connection-state'?: string;
    'peer-role'?: string;
    peer_devices?: Json9PeerDevice[];
  }[];
}

/** `drbdsetup status --json` (DRBD 9): the first peer connection is the pair's peer. */
export function parseDrbd9StatusJson(text: string, version: string | null = null): DrbdReport {
  const parsed = JSON.parse(text) as Json9Resource[];
  const devices: DrbdDevice[] = [];
  for (const resource of parsed) {
    const connection = resource.connections?.[0];
    for (const device of resource.devices ?? []) {
      const peer = connection?.peer_devices?.find((p) => p.volume === device.volume);
      const replication = peer?.['replication-state'] ?? null;
      const percent = peer?.['percent-in-sync'];
      devices.push({
        resource: resource.name ?? null,
        minor: device.minor ?? null,
        connection: connection?.['connection-state'] ?? 'StandAlone',
        replication,
        role: resource.role ?? null,
        peerRole: connection?.['peer-role'] ?? null,
        disk: device['disk-state'] ?? null,
        peerDisk: peer?.['peer-disk-state'] ?? null,
        outOfSyncBytes: peer?.['out-of-sync'] === undefined ? null : peer['out-of-sync'] * 1024,
        syncPercent: isSyncing(replication) && percent !== undefined ? percent : null,
        syncBytesPerSecond: null,
      });
    }
  }
  return { version, devices };
}

/** One line of `drbdsetup events2 [--timestamps]`. */
export interface Drbd9Event {
  readonly timestamp: string | null;
  /** `exists`, `create`, `change`, `destroy`, `call`, `response`. */
  readonly verb: string;
  /** `resource`, `connection`, `device`, `peer-device`, `helper`, or `-` (end of the initial dump). */
  readonly object: string;
  readonly fields: ReadonlyMap<string, string>;
}

/** Parses one events2 line; null for blank or unrecognised lines. */
export function parseEvents2Line(line: string): Drbd9Event | null {
  const words = line.trim().split(/\s+/).filter(Boolean);
  let timestamp: string | null = null;
  if (words[0] && /^\d{4}-\d\d-\d\dT/.test(words[0])) timestamp = words.shift() ?? null;
  const verb = words.shift();
  const object = words.shift();
  if (!verb || !object || !/^(exists|create|change|destroy|call|response)$/.test(verb)) return null;
  const fields = new Map<string, string>();
  for (const word of words) {
    const at = word.indexOf(':');
    if (at > 0) fields.set(word.slice(0, at), word.slice(at + 1));
  }
  return { timestamp, verb, object, fields };
}

/**
 * True when an events2 line is worth an immediate re-poll: any state change (not the
 * statistics-only updates that `--statistics` would add) or a helper call such as
 * `split-brain`.
 */
export function events2Significant(event: Drbd9Event): boolean {
  if (event.object === '-') return false;
  if (event.verb === 'call' || event.verb === 'create' || event.verb === 'destroy') return true;
  if (event.verb !== 'change') return false;
  return ['role', 'connection', 'disk', 'peer-disk', 'replication'].some((key) => event.fields.has(key));
}
