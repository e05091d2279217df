/** One address of an interface as `ip -j addr` shows it. */
export interface IpAddress {
  readonly family: 'inet' | 'inet6';
  readonly local: string;
  readonly prefixlen: number;
  readonly scope: string;
}

/** What the network recipes read about an interface. */
export interface NetDevice {
  readonly name: string;
  readonly mtu: number;
  /** Administratively up (`UP` flag). */
  readonly up: boolean;
  readonly master: string | null;
  /** `bridge`, `veth`, `vlan`…; null for plain NICs. */
  readonly kind: string | null;
  readonly addresses: readonly IpAddress[];
}

/** A route of the main table as `ip -j route` shows it. */
export interface IpRoute {
  readonly dst: string;
  readonly gateway?: string;
  readonly dev?: string;
  readonly protocol?: string;
  readonly metric?: number;
  readonly prefsrc?: string;
}

/** The command `parseIpAddr` reads. */
export const IP_ADDR_COMMAND = 'ip -j -d addr show';

/** Parses `ip -j -d addr show` into devices by name. */
export function parseIpAddr(stdout: string): Map<string, NetDevice> {
  const raw = JSON.parse(stdout.trim() || '[]') as Array<{
    ifname: string;
    mtu: number;
    flags?: string[];
    master?: string;
    linkinfo?: { info_kind?: string };
    addr_info?: Array<{ family?: string; local?: string; prefixlen?: number; scope?: string }>;
  }>;
  const devices = new Map<string, NetDevice>();
  for (const entry of raw) {
    devices.set(entry.ifname, {
      name: entry.ifname,
      mtu: entry.mtu,
      up: (entry.flags ?? []).includes('UP'),
      master: entry.master ?? null,
      kind: entry.linkinfo?.info_kind ?? null,
      addresses: (entry.addr_info ?? [])
        .filter((addr) => (addr.family === 'inet' || addr.family === 'inet6') && addr.local !== undefined)
        .map((addr) => ({
          family: addr.family as 'inet' | 'inet6',
          local: addr.local ?? '',
          prefixlen: addr.prefixlen ?? 0,
          scope: addr.scope ?? 'global',
        })),
    });
  }
  return devices;
}

/** Parses `ip -j route show` (one family). */
export function parseIpRoutes(stdout: string): IpRoute[] {
  const raw = JSON.parse(stdout.trim() || '[]') as Array<Record<string, unknown>>;
  return raw.map((entry) => ({
    dst: String(entry.dst),
    ...(typeof entry.gateway === 'string' && { gateway: entry.gateway }),
    ...(typeof entry.dev === 'string' && { dev: entry.dev }),
    ...(typeof entry.protocol === 'string' && { protocol: entry.protocol }),
    ...(typeof entry.metric === 'number' && { metric: entry.metric }),
    ...(typeof entry.prefsrc === 'string' && { prefsrc: entry.prefsrc }),
  }));
}
