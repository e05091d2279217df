import { lookup } from 'node:dns/promises';
import { isIPv4, isIPv6 } from 'node:net';
import type { Endpoint } from '../api/endpoint';
import { parseEndpoint } from '../api/endpoint-parse';
import { LockstepError } from '../api/errors';
import { assertNever } from '../util/assert-never';

/**
 * What `discover` accepts on its command line, parsed before anything is sent on the
 * network: a bad argument is a usage error (exit 2) that names it, says what was
 * expected and shows an example, so that a typo never turns into a surprise scan.
 */

/** The largest IPv4 range one argument may name: a /16 (65,536 addresses). */
export const MIN_IPV4_PREFIX = 16;
/** IPv6 prefixes are only expanded when tiny: a /120 is 256 addresses. */
export const MIN_IPV6_PREFIX = 120;
/** The most addresses one `discover` run will try, all arguments together. */
export const MAX_ADDRESSES = 65_536;

/** One command-line argument, understood. */
export type Target =
  /** A single IPv4 or IPv6 literal (an IPv6 literal may carry a `%zone`). */
  | { readonly kind: 'address'; readonly text: string; readonly address: string; readonly port: number }
  /** An IPv4 CIDR or a tiny IPv6 prefix; `count` addresses are scanned. */
  | {
      readonly kind: 'range';
      readonly text: string;
      readonly family: 4 | 6;
      readonly network: string;
      readonly prefix: number;
      readonly port: number;
      readonly count: number;
    }
  /** A name, resolved at scan time (all its addresses are scanned). */
  | { readonly kind: 'name'; readonly text: string; readonly name: string; readonly port: number };

/** One address to try, with where it came from (the argument, and the name when there was one). */
export interface ScanEndpoint extends Endpoint {
  /** The argument as the user wrote it. */
  readonly target: string;
  /** The hostname this address was resolved from, when the argument was a name. */
  readonly name?: string;
  /** Whether the argument named this one host (always reported) or a range (reported when it answers). */
  readonly single: boolean;
}

/** A name that did not resolve: reported as a row, not thrown. */
export interface Unresolved {
  readonly target: string;
  readonly name: string;
  readonly port: number;
  readonly reason: string;
}

const EXAMPLES =
  'e.g. `lockstep discover 10.0.0.0/24`, `lockstep discover 10.0.0.11:2222 server2.example.net`, ' +
  '`lockstep discover ::1 [2001:db8::5]:2222`';

function usage(argument: string, position: number, message: string, remedy?: string): LockstepError {
  return new LockstepError({
    code: 'usage',
    field: `argument ${position + 1}`,
    message,
    remedy:
      remedy ??
      `Give an IPv4 address or CIDR range (at most a /${MIN_IPV4_PREFIX}), an IPv6 address (in brackets with a port), ` +
        `an IPv6 prefix of /${MIN_IPV6_PREFIX} or longer, or a hostname, each optionally with :PORT; ${EXAMPLES}.`,
  });
}

/** Parses every argument, or throws a usage error naming the first bad one. */
export function parseTargets(args: readonly string[], defaultPort = 22): Target[] {
  if (args.length === 0) {
    throw new LockstepError({
      code: 'usage',
      field: 'CIDR|HOST',
      message: 'No address, range or hostname given to discover.',
      remedy: `Name what to scan, ${EXAMPLES}.`,
    });
  }
  const targets = args.map((argument, position) => parseTarget(argument, position, defaultPort));
  const total = targets.reduce((sum, target) => sum + (target.kind === 'range' ? target.count : 1), 0);
  if (total > MAX_ADDRESSES) {
    throw new LockstepError({
      code: 'usage',
      field: 'CIDR|HOST',
      message: `The arguments name ${total.toLocaleString('en')} addresses; one run scans at most ${MAX_ADDRESSES.toLocaleString('en')}.`,
      remedy:
        'Split the scan into several runs of at most a /16 each, or name smaller ranges (e.g. `10.0.0.0/24`).',
    });
  }
  return targets;
}

/**
 * Parses one argument. Ranges (`CIDR[:PORT]`, `V6/PREFIX`, `[V6/PREFIX]:PORT`) are read
 * here; a single endpoint (`HOST[:PORT]`, `[V6[%ZONE]]:PORT`, a bare IPv6 literal) by the
 * shared `parseEndpoint`, so that an address means the same in `discover` as elsewhere.
 */
export function parseTarget(argument: string, position: number, defaultPort = 22): Target {
  const text = argument.trim();
  if (text === '')
    throw usage(argument, position, 'An empty argument is not an address, a range or a hostname.');

  if (text.includes('/')) {
    const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
    if (bracketed) {
      const port = bracketed[2] === undefined ? defaultPort : parsePort(bracketed[2], argument, position);
      return parseV6Range(bracketed[1] ?? '', port, argument, position);
    }
    if ((text.match(/:/g) ?? []).length >= 2) return parseV6Range(text, defaultPort, argument, position);
    const colon = text.lastIndexOf(':');
    const port = colon >= 0 ? parsePort(text.slice(colon + 1), argument, position) : defaultPort;
    return parseV4Range(colon >= 0 ? text.slice(0, colon) : text, port, argument, position);
  }

  const endpoint = parseEndpoint(text, defaultPort, `argument ${position + 1}`);
  if (isIPv4(endpoint.host))
    return { kind: 'address', text: argument, address: endpoint.host, port: endpoint.port };
  if (isIPv6(endpoint.host))
    return { kind: 'address', text: argument, address: canonicalV6(endpoint.host), port: endpoint.port };
  return { kind: 'name', text: argument, name: endpoint.host, port: endpoint.port };
}

function parsePort(text: string, argument: string, position: number): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw usage(
      argument,
      position,
      `'${text}' in '${argument}' is not a TCP port: expected a number from 1 to 65535.`,
      `Write the port after a colon, e.g. \`10.0.0.11:2222\`, \`[2001:db8::5]:2222\`, or use \`--port 2222\` for every target.`,
    );
  }
  return port;
}

function parseV4Range(text: string, port: number, argument: string, position: number): Target {
  const [address = '', prefixText = ''] = text.split('/', 2);
  if (!isIPv4(address)) {
    throw usage(argument, position, `'${address}' in '${argument}' is not an IPv4 network address.`);
  }
  const prefix = /^\d{1,2}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= 32)) {
    throw usage(
      argument,
      position,
      `'/${prefixText}' in '${argument}' is not an IPv4 prefix length: expected /0 to /32.`,
    );
  }
  if (prefix < MIN_IPV4_PREFIX) {
    throw usage(
      argument,
      position,
      `'${argument}' is too large a range to scan: a /${prefix} is ${(2 ** (32 - prefix)).toLocaleString('en')} addresses; ` +
        `discover scans at most a /${MIN_IPV4_PREFIX} (65,536) per argument.`,
      `Scan the subnet the servers are on, e.g. \`lockstep discover ${v4Network(address, 24)}/24\`, or name the servers.`,
    );
  }
  const size = 2 ** (32 - prefix);
  // A /30 or larger has a network and a broadcast address that no server answers on.
  const count = prefix <= 30 ? size - 2 : size;
  return {
    kind: 'range',
    text: argument,
    family: 4,
    network: v4Network(address, prefix),
    prefix,
    port,
    count,
  };
}

function parseV6Range(text: string, port: number, argument: string, position: number): Target {
  const [address = '', prefixText = ''] = text.split('/', 2);
  if (!isIPv6(address) || address.includes('%')) {
    throw usage(argument, position, `'${address}' in '${argument}' is not an IPv6 network address.`);
  }
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= 128)) {
    throw usage(
      argument,
      position,
      `'/${prefixText}' in '${argument}' is not an IPv6 prefix length: expected /0 to /128.`,
    );
  }
  if (prefix < MIN_IPV6_PREFIX) {
    throw usage(
      argument,
      position,
      `'${argument}' is too large to scan: IPv6 prefixes are scanned only from /${MIN_IPV6_PREFIX} (256 addresses) upward.`,
      'Name the servers by address or hostname instead (e.g. `lockstep discover [2001:db8::11]:22 server2`), ' +
        `or give a /${MIN_IPV6_PREFIX} or longer prefix.`,
    );
  }
  const bits = 128 - prefix;
  const network = (v6ToBigInt(address) >> BigInt(bits)) << BigInt(bits);
  return {
    kind: 'range',
    text: argument,
    family: 6,
    network: v6FromBigInt(network),
    prefix,
    port,
    count: 2 ** bits,
  };
}

/** The addresses a range stands for, in order (IPv4 without network and broadcast addresses). */
export function* rangeAddresses(target: Extract<Target, { kind: 'range' }>): Generator<string> {
  if (target.family === 4) {
    const base = v4ToNumber(target.network);
    const size = 2 ** (32 - target.prefix);
    const [first, last] = target.prefix <= 30 ? [1, size - 2] : [0, size - 1];
    for (let offset = first; offset <= last; offset += 1) yield v4FromNumber(base + offset);
    return;
  }
  const base = v6ToBigInt(target.network);
  for (let offset = 0n; offset < BigInt(target.count); offset += 1n) yield v6FromBigInt(base + offset);
}

/**
 * Turns targets into the endpoints to try, resolving names with the system resolver
 * (`/etc/hosts`, DNS: every address of every family). A name that does not resolve
 * becomes an `Unresolved` entry, reported as a row, never thrown.
 */
export async function resolveTargets(
  targets: readonly Target[],
  resolve: (name: string) => Promise<string[]> = lookupAll,
): Promise<{ endpoints: ScanEndpoint[]; unresolved: Unresolved[] }> {
  const endpoints: ScanEndpoint[] = [];
  const unresolved: Unresolved[] = [];
  const seen = new Set<string>();
  const add = (endpoint: ScanEndpoint): void => {
    const key = `${endpoint.host}|${endpoint.port}`;
    if (seen.has(key)) return;
    seen.add(key);
    endpoints.push(endpoint);
  };
  const names = await Promise.all(
    targets.map(async (target) => {
      if (target.kind !== 'name') return undefined;
      try {
        return { addresses: await resolve(target.name) };
      } catch (error) {
        return { reason: resolveFailure(error) };
      }
    }),
  );
  targets.forEach((target, index) => {
    switch (target.kind) {
      case 'address':
        add({ host: target.address, port: target.port, target: target.text, single: true });
        return;
      case 'range':
        for (const address of rangeAddresses(target))
          add({ host: address, port: target.port, target: target.text, single: false });
        return;
      case 'name': {
        const outcome = names[index];
        if (!outcome || 'reason' in outcome || !outcome.addresses || outcome.addresses.length === 0) {
          unresolved.push({
            target: target.text,
            name: target.name,
            port: target.port,
            reason: (outcome && 'reason' in outcome && outcome.reason) || 'the name has no addresses',
          });
          return;
        }
        for (const address of outcome.addresses) {
          add({ host: address, port: target.port, target: target.text, name: target.name, single: true });
        }
        return;
      }
      default:
        assertNever(target);
    }
  });
  return { endpoints, unresolved };
}

async function lookupAll(name: string): Promise<string[]> {
  const found = await lookup(name, { all: true, verbatim: true });
  return [
    ...new Set(found.map((entry) => (entry.family === 6 ? canonicalV6(entry.address) : entry.address))),
  ];
}

function resolveFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOTFOUND' || code === 'ENODATA' || code === 'EAI_NONAME') return 'does not resolve';
  if (code === 'EAI_AGAIN' || code === 'ETIMEOUT') return 'does not resolve (the resolver did not answer)';
  return `does not resolve (${code ?? (error instanceof Error ? error.message : String(error))})`;
}

function v4ToNumber(address: string): number {
  return address.split('.').reduce((value, part) => value * 256 + Number(part), 0);
}

function v4FromNumber(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

function v4Network(address: string, prefix: number): string {
  const size = 2 ** (32 - prefix);
  return v4FromNumber(Math.floor(v4ToNumber(address) / size) * size);
}

/** The 128-bit value of an IPv6 literal (a `%zone` is ignored; a trailing dotted IPv4 is allowed). */
function v6ToBigInt(address: string): bigint {
  let text = address.replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const v4 = v4ToNumber(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const [head = '', tail] = text.split('::', 2);
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined
      ? headGroups
      : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return groups.reduce((value, group) => (value << 16n) + BigInt(parseInt(group, 16)), 0n);
}

/** The RFC 5952 text of a 128-bit value: lower case, longest run of zero groups as `::`. */
function v6FromBigInt(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, index) =>
    Number((value >> BigInt(16 * (7 - index))) & 0xffffn),
  );
  let bestStart = -1;
  let bestLength = 0;
  for (let start = 0; start < 8; start += 1) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length += 1;
    if (length > bestLength && length >= 2) [bestStart, bestLength] = [start, length];
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** The canonical spelling of an IPv6 literal, keeping its `%zone`. */
export function canonicalV6(address: string): string {
  const zone = /%.*$/.exec(address)?.[0] ?? '';
  return `${v6FromBigInt(v6ToBigInt(address))}${zone}`;
}

/** `host:port` as a person writes it: `[v6]:port` for IPv6. */
export function endpointText(endpoint: Endpoint): string {
  return endpoint.host.includes(':')
    ? `[${endpoint.host}]:${endpoint.port}`
    : `${endpoint.host}:${endpoint.port}`;
}
