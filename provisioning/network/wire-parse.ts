/**
 * Pure parsers of the wire probe's outputs (iproute2 JSON, iputils ping), tested on
 * outputs captured in the practice lab.
 */

/** Link-layer addresses of the neighbours in `ip -j -6 neigh show dev X`. */
export function parseNeighbourMacs(stdout: string): string[] {
  const text = stdout.trim();
  if (text === '') return [];
  const entries: unknown = JSON.parse(text);
  if (!Array.isArray(entries)) return [];
  const macs = entries
    .map((entry: unknown) =>
      typeof entry === 'object' && entry !== null && 'lladdr' in entry
        ? String((entry as { lladdr: unknown }).lladdr)
        : '',
    )
    .filter((mac) => /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac))
    .map((mac) => mac.toLowerCase());
  return [...new Set(macs)];
}

/** Link state read during the probe. */
export interface LinkState {
  readonly carrier: boolean | null;
  readonly speedMbps: number | null;
  readonly mtu: number | null;
  readonly operState: string | null;
  /** The NIC's own IPv6 link-local address (without scope). */
  readonly linkLocal: string | null;
}

/** Parses `linkStateScript` output: `ip -j link` JSON, ethtool's Speed line, `ip -j addr` JSON. */
export function parseLinkState(stdout: string): LinkState {
  const jsonLines = stdout.split('\n').filter((line) => line.trim().startsWith('['));
  const link = firstEntry(jsonLines[0] ?? '');
  const flags = Array.isArray(link?.flags) ? (link.flags as string[]) : [];
  const speed = /Speed:\s*(\d+)\s*Mb\/s/.exec(stdout);
  const up = flags.includes('UP');
  return {
    carrier: link ? (up ? flags.includes('LOWER_UP') : null) : null,
    speedMbps: speed ? Number(speed[1]) : null,
    mtu: typeof link?.mtu === 'number' ? link.mtu : null,
    operState: typeof link?.operstate === 'string' ? link.operstate.toLowerCase() : null,
    linkLocal: firstLinkLocal(jsonLines[1] ?? ''),
  };
}

function firstEntry(json: string): Record<string, unknown> | undefined {
  if (!json) return undefined;
  const parsed: unknown = JSON.parse(json);
  return Array.isArray(parsed) && typeof parsed[0] === 'object' && parsed[0] !== null
    ? (parsed[0] as Record<string, unknown>)
    : undefined;
}

function firstLinkLocal(json: string): string | null {
  if (!json) return null;
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed)) return null;
  for (const link of parsed) {
    const infos =
      (link as { addr_info?: { family?: string; local?: string; scope?: string }[] }).addr_info ?? [];
    const found = infos.find((info) => info.family === 'inet6' && info.scope === 'link' && info.local);
    if (found?.local) return found.local;
  }
  return null;
}

/** Ping summary: packets sent/received and the average round trip. */
export interface PingSummary {
  readonly transmitted: number;
  readonly received: number;
  readonly averageMs: number | null;
  readonly maxMs: number | null;
}

/** Parses iputils ping's summary lines. */
export function parsePing(stdout: string): PingSummary {
  const counts = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(stdout);
  const rtt = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(stdout);
  return {
    transmitted: counts ? Number(counts[1]) : 0,
    received: counts ? Number(counts[2]) : 0,
    averageMs: rtt ? Number(rtt[2]) : null,
    maxMs: rtt ? Number(rtt[3]) : null,
  };
}

/** `up|down disable_ipv6` printed by the prepare step: whether the link was up and IPv6 off. */
export function parsePriorState(stdout: string): { wasUp: boolean; ipv6WasDisabled: boolean } {
  const [state, disabled] = stdout.trim().split(/\s+/);
  return { wasUp: state === 'up', ipv6WasDisabled: disabled === '1' };
}
