/** Small host facts the console shows per node: NIC counters, uptime and load, clock sync. */

export interface NicCounters {
  readonly name: string;
  readonly up: boolean;
  readonly rxBytes: number;
  readonly txBytes: number;
  readonly errors: number;
  /** Its IP addresses (without prefix), when the command listed them (`ip -j -s addr`). */
  readonly addresses: readonly string[];
}

interface IpLinkJson {
  ifname?: string;
  operstate?: string;
  flags?: string[];
  addr_info?: { local?: string }[];
  stats64?: {
    rx?: { bytes?: number; errors?: number; dropped?: number };
    tx?: { bytes?: number; errors?: number; dropped?: number };
  };
}

/** `ip -j -s link`, or `ip -j -s addr` (the same counters, with the addresses). */
export function parseIpLinkStats(stdout: string): NicCounters[] {
  const parsed = JSON.parse(stdout) as IpLinkJson[];
  return parsed
    .filter((link) => link.ifname !== undefined)
    .map((link) => ({
      name: link.ifname ?? '',
      up: link.operstate === 'UP' || (link.operstate === 'UNKNOWN' && (link.flags ?? []).includes('LOWER_UP')),
      rxBytes: link.stats64?.rx?.bytes ?? 0,
      txBytes: link.stats64?.tx?.bytes ?? 0,
      errors: (link.stats64?.rx?.errors ?? 0) + (link.stats64?.tx?.errors ?? 0),
      addresses: (link.addr_info ?? []).flatMap((info) => (info.local ? [info.local] : [])),
    }));
}

/** `cat /proc/uptime /proc/loadavg`. */
export function parseUptimeLoad(stdout: string): { uptimeSeconds: number | null; load1: number | null } {
  const [uptime, load] = stdout.split('\n');
  const up = Number(uptime?.split(/\s+/)[0]);
  const l1 = Number(load?.split(/\s+/)[0]);
  return { uptimeSeconds: Number.isFinite(up) && uptime ? up : null, load1: Number.isFinite(l1) && load ? l1 : null };
}

/**
 * Clock synchronisation: `chronyc -c tracking` (CSV; the last field is the leap status) when
 * chronyd answers, else `timedatectl show`'s NTPSynchronized. null when neither says.
 */
export function parseTimeSync(chrony: string, chronyCode: number | null, timedatectl: string): boolean | null {
  if (chronyCode === 0) {
    const fields = chrony.trim().split(',');
    const leap = fields[fields.length - 1];
    if (leap !== undefined) return leap.trim() !== 'Not synchronised';
  }
  const synced = /^NTPSynchronized=(yes|no)$/m.exec(timedatectl)?.[1];
  return synced === undefined ? null : synced === 'yes';
}

/** The node's clock from `date +%s%N` (nanoseconds) as milliseconds since the epoch. */
export function parseEpochNanos(stdout: string): number | null {
  const text = stdout.trim();
  if (!/^\d{10,}$/.test(text)) return null;
  return Number(BigInt(text) / 1_000_000n);
}
