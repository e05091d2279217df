import type { Disk } from '../../../provisioning/api/inventory';
import { AUTO, type NodeKey, type WipeConsent } from '../../../provisioning/api/site';
import { formatBytes } from '../format';
import type { SiteDraft } from './site-draft';
import type { ServerFacts } from './servers';

/**
 * The Disks screen's view model (pure). A disk can join the mirrored pool when it is
 * empty (no partitions, filesystem, mount, holder), not the system disk, writable and
 * not removable — the rule `checks/disks.ts` applies; a disk already in the pair's own
 * volume group counts as the pool's. A disk that holds data is used only when the user
 * names it for wiping and confirms its model and serial (`storage.wipe`).
 */
export type DiskStatus = 'free' | 'pool' | 'data' | 'system' | 'unusable';

export interface DiskRow {
  readonly disk: Disk;
  /** How the site file names it: the first stable `/dev/disk/by-id/…` name, else its path. */
  readonly device: string;
  readonly status: DiskStatus;
  /** Why it is not free, in the engine's words. */
  readonly reason: string;
  readonly chosen: boolean;
  /** The consent to wipe it, when the user gave one. */
  readonly wipe?: WipeConsent;
  /** Why it cannot be named for wiping (no model or serial to confirm), when it holds data. */
  readonly wipeBlocked?: string;
}

export interface ServerDisks {
  readonly key: NodeKey;
  readonly label: string;
  readonly rows: readonly DiskRow[];
  /** The file says `auto`: every empty candidate is taken. */
  readonly automatic: boolean;
  readonly chosenBytes: number;
  /** Why this server cannot give disks to the pool at all (a container, disks unreadable). */
  readonly blocked?: string;
}

export interface DisksView {
  readonly servers: readonly [ServerDisks, ServerDisks];
  /** Usable mirrored capacity: the smaller server's chosen disks; null until both have some. */
  readonly poolBytes: number | null;
  /** Differences worth knowing before the install (the `disk.size-mismatch`/`disk.media-mismatch` rules). */
  readonly warnings: readonly string[];
  /** What stops the pool from being built as chosen, by field. */
  readonly problems: readonly { readonly field: string; readonly message: string }[];
}

/** Pools differing by more than this waste the larger server's space (`disk.size-mismatch`). */
export const SIZE_MISMATCH_RATIO = 0.1;
/** A pool smaller than this cannot hold a useful VM disk and its metadata (`disk.too-small`). */
export const POOL_MIN_BYTES = 10 * 1024 ** 3;

/** by-id names that follow the disk's contents (a PV, an array, a mapper), not the disk itself. */
const CONTENT_ID = /^\/dev\/disk\/by-id\/(lvm-pv-uuid|dm-|md-)/;

/** The name the site file uses for a disk: a stable hardware name when there is one, else its path. */
export function deviceName(disk: Disk): string {
  return disk.byId.find((id) => !CONTENT_ID.test(id)) ?? disk.path;
}

/** Whether a site-file device name means this disk. */
export function namesDisk(device: string, disk: Disk): boolean {
  return device === disk.path || disk.byId.includes(device) || device.replace(/^\/dev\//, '') === disk.name;
}

/** What a disk is to the pool (pure, the engine's rule). */
export function diskStatus(disk: Disk, volumeGroup: string): DiskStatus {
  if (disk.system) return 'system';
  if (disk.readOnly || disk.removable) return 'unusable';
  if (disk.inUse.length === 0) return 'free';
  if (disk.inUse.every((use) => use.reason === 'lvm-member' && use.volumeGroup === volumeGroup)) return 'pool';
  return 'data';
}

function reasonOf(disk: Disk, status: DiskStatus, volumeGroup: string): string {
  switch (status) {
    case 'free':
      return 'Empty';
    case 'pool':
      return `Already in this pair's pool (volume group ${volumeGroup})`;
    case 'system':
      return `System disk: ${disk.inUse.map((use) => use.detail).join('; ') || 'holds the operating system'}`;
    case 'unusable':
      return disk.readOnly ? 'Read-only' : 'Removable';
    case 'data':
      return `Holds data: ${disk.inUse.map((use) => use.detail).join('; ')}`;
  }
}

export function disksView(draft: SiteDraft, servers: readonly [ServerFacts, ServerFacts]): DisksView {
  const volumeGroup = draft.storage.volumeGroup;
  const serverView = (server: ServerFacts): ServerDisks => {
    const wanted = draft.storage.disks[server.key];
    const consents = draft.storage.wipe.filter((consent) => consent.node === server.key);
    const blocked = server.container
      ? `${server.label} is a ${server.container} container: it sees its host's disks and cannot own a disk for the mirrored pool.`
      : server.disks === null
        ? `The disks of ${server.label} could not be read: ${server.disksProblem ?? 'unknown error'}.`
        : undefined;
    const rows = (server.container ? [] : (server.disks ?? [])).map((disk): DiskRow => {
      const status = diskStatus(disk, volumeGroup);
      const wipe = consents.find((consent) => namesDisk(consent.device, disk));
      const usable = status === 'free' || status === 'pool' || (status === 'data' && !!wipe);
      const chosen =
        wanted === AUTO
          ? usable
          : usable && wanted.some((device) => namesDisk(device, disk));
      return {
        disk,
        device: deviceName(disk),
        status,
        reason: reasonOf(disk, status, volumeGroup),
        chosen,
        ...(wipe && { wipe }),
        ...(status === 'data' &&
          (!disk.model || !disk.serial) && {
            wipeBlocked: 'It reports no model or serial number, so it cannot be confirmed for wiping.',
          }),
      };
    });
    return {
      key: server.key,
      label: server.label,
      rows,
      automatic: wanted === AUTO,
      chosenBytes: rows.filter((row) => row.chosen).reduce((sum, row) => sum + row.disk.sizeBytes, 0),
      ...(blocked && { blocked }),
    };
  };
  const pair = [serverView(servers[0]), serverView(servers[1])] as const;
  const [a, b] = pair;
  const poolBytes = a.chosenBytes > 0 && b.chosenBytes > 0 ? Math.min(a.chosenBytes, b.chosenBytes) : null;
  const warnings: string[] = [];
  if (poolBytes !== null) {
    const larger = Math.max(a.chosenBytes, b.chosenBytes);
    if ((larger - poolBytes) / larger > SIZE_MISMATCH_RATIO)
      warnings.push(
        `The pools differ: ${formatBytes(a.chosenBytes)} on ${a.label}, ${formatBytes(b.chosenBytes)} on ${b.label}. Usable mirrored capacity is ${formatBytes(poolBytes)}; the rest of the larger one is unused.`,
      );
    const spinning = (server: ServerDisks): boolean => server.rows.some((row) => row.chosen && row.disk.media === 'hdd');
    if (spinning(a) !== spinning(b)) {
      const kind = (server: ServerDisks): string => (spinning(server) ? 'spinning disks' : 'solid-state disks');
      warnings.push(`${a.label} pools ${kind(a)}, ${b.label} ${kind(b)}: every write waits for the slower one.`);
    }
    if (poolBytes < POOL_MIN_BYTES)
      warnings.push(`The pool would be ${formatBytes(poolBytes)}; at least ${formatBytes(POOL_MIN_BYTES)} is needed for a useful VM disk.`);
  }
  const problems: { field: string; message: string }[] = [];
  for (const server of pair) {
    if (server.blocked || server.chosenBytes > 0) continue;
    const candidates = server.rows.filter((row) => row.status === 'free' || row.status === 'pool');
    if (candidates.length > 0)
      problems.push({ field: `storage.disks.${server.key}`, message: `Choose at least one disk of ${server.label} for the pool.` });
    else
      warnings.push(
        `${server.label} has no empty disk besides the system disk: add one, or name a disk that holds data for wiping (Validate fails with disk.none-available until then).`,
      );
  }
  return { servers: pair, poolBytes, warnings, problems };
}

/** Takes a disk into the pool or out of it (the list becomes explicit). */
export function withDiskChosen(draft: SiteDraft, view: DisksView, node: NodeKey, device: string, chosen: boolean): SiteDraft {
  const server = view.servers.find((each) => each.key === node);
  if (!server) return draft;
  const list = server.rows
    .filter((row) => (row.device === device ? chosen : row.chosen))
    .map((row) => row.device);
  const wipe = chosen ? draft.storage.wipe : draft.storage.wipe.filter((consent) => !(consent.node === node && consent.device === device));
  return { ...draft, storage: { ...draft.storage, disks: { ...draft.storage.disks, [node]: list }, wipe } };
}

/**
 * Names a disk that holds data for wiping, once the user typed its model and serial
 * exactly as the server reports them; anything else leaves the draft as it was.
 */
export function withWipeConfirmed(
  draft: SiteDraft,
  view: DisksView,
  node: NodeKey,
  disk: Disk,
  typed: { readonly model: string; readonly serial: string },
): SiteDraft {
  if (!wipeConfirmationMatches(disk, typed)) return draft;
  const device = deviceName(disk);
  const consent: WipeConsent = { node, device, model: disk.model ?? '', serial: disk.serial ?? '' };
  const wipe = [...draft.storage.wipe.filter((each) => !(each.node === node && each.device === device)), consent];
  const withConsent = { ...draft, storage: { ...draft.storage, wipe } };
  return withDiskChosen(withConsent, view, node, device, true);
}

/** The type-to-confirm rule: model and serial exactly as `lockstep probe` shows them. */
export function wipeConfirmationMatches(disk: Disk, typed: { readonly model: string; readonly serial: string }): boolean {
  return !!disk.model && !!disk.serial && typed.model.trim() === disk.model && typed.serial.trim() === disk.serial;
}

/** Every server back to `auto` (every empty disk) and no wipe consents. */
export function withAutomaticDisks(draft: SiteDraft): SiteDraft {
  return { ...draft, storage: { ...draft.storage, disks: { a: AUTO, b: AUTO }, wipe: [] } };
}
