/**
 * DRBD 8.4 (Debian's kernel) has no `drbdsetup status --json`: the state of each device
 * is read from `/proc/drbd`, whose per-device line is
 * ` 0: cs:Connected ro:Secondary/Secondary ds:UpToDate/UpToDate C r-----`,
 * followed by counters and, while syncing, a progress line (`sync'ed: 42.1% …`).
 */

/** One DRBD device as `/proc/drbd` shows it (roles and disk states: local/peer). */
export interface ProcDrbdDevice {
  readonly minor: number;
  /** Connection state: `Connected`, `SyncSource`, `WFConnection`, `StandAlone`, `Unconfigured`… */
  readonly cstate: string;
  readonly role: string;
  readonly peerRole: string;
  readonly disk: string;
  readonly peerDisk: string;
  /** Replication protocol letter (`C`), when the device is configured. */
  readonly protocol: string | null;
  /** Out-of-sync KiB (`oos:`), when shown. */
  readonly outOfSyncKiB: number | null;
  /** Resync progress in percent while a sync runs. */
  readonly syncedPercent: number | null;
}

/** Parses the whole of `/proc/drbd` (DRBD 8.4); devices by minor. */
export function parseProcDrbd(text: string): Map<number, ProcDrbdDevice> {
  const devices = new Map<number, ProcDrbdDevice>();
  const blocks = text.split(/\n(?=\s*\d+: cs:)/);
  for (const block of blocks) {
    const head = /^\s*(\d+): cs:(\S+)(?: ro:(\S+?)\/(\S+))?(?: ds:(\S+?)\/(\S+))?(?: ([ABC]))?/m.exec(block);
    if (!head) continue;
    const [, minor = '', cstate = '', role = 'Unknown', peerRole = 'Unknown', disk = 'Unknown', peerDisk = 'Unknown', protocol] = head;
    const oos = /\boos:(\d+)/.exec(block);
    const synced = /sync'ed:\s*([\d.]+)%/.exec(block);
    devices.set(Number(minor), {
      minor: Number(minor),
      cstate,
      role,
      peerRole,
      disk,
      peerDisk,
      protocol: protocol ?? null,
      outOfSyncKiB: oos?.[1] ? Number(oos[1]) : null,
      syncedPercent: synced?.[1] ? Number(synced[1]) : null,
    });
  }
  return devices;
}

/** True when a device mirrors fully: connected, both disks up to date. */
export function isInSync(device: ProcDrbdDevice | undefined): boolean {
  return device?.cstate === 'Connected' && device.disk === 'UpToDate' && device.peerDisk === 'UpToDate';
}
