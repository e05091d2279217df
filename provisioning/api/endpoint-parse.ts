import { LockstepError } from './errors';
import type { Endpoint } from './endpoint';

/**
 * One strict reading of the addresses users type (`HOST`, `HOST:PORT`, `[V6]:PORT`,
 * a bare IPv6 literal), shared by the CLI commands, the site file and discovery so
 * that the same text means the same server everywhere.
 */
export function parseEndpoint(text: string, defaultPort = 22, field = 'host'): Endpoint {
  const trimmed = text.trim();
  if (trimmed === '') throw usage(field, 'is empty', 'Give a hostname, an IPv4 address, or an IPv6 address, optionally with :PORT.');
  if (trimmed.includes('@')) {
    throw usage(field, `"${trimmed}" contains a user name`, 'Give the user with -u/--user (or ssh.user in the site file), and only the address here.');
  }
  if (/\s/.test(trimmed)) throw usage(field, `"${trimmed}" contains a space`, 'Give one address per argument.');

  if (trimmed.startsWith('[')) {
    const match = /^\[([^\]]+)\](?::(.*))?$/.exec(trimmed);
    if (!match?.[1]) {
      throw usage(field, `"${trimmed}" is not of the form [IPV6]:PORT`, 'Write IPv6 addresses with a port as [2001:db8::1]:2222.');
    }
    if (!isIPv6(match[1])) throw usage(field, `"${match[1]}" is not an IPv6 address`, 'Brackets are only for IPv6 literals, e.g. [2001:db8::1]:22.');
    const port = match[2] === undefined ? defaultPort : parsePort(match[2], field);
    return { host: lowerAddress(match[1]), port };
  }

  const colons = trimmed.split(':').length - 1;
  if (colons > 1) {
    if (isIPv6(trimmed)) return { host: lowerAddress(trimmed), port: defaultPort };
    throw usage(field, `"${trimmed}" is not a valid address`, 'An IPv6 address with a port is written [2001:db8::1]:2222.');
  }
  let host = trimmed;
  let port = defaultPort;
  if (colons === 1) {
    const at = trimmed.lastIndexOf(':');
    host = trimmed.slice(0, at);
    port = parsePort(trimmed.slice(at + 1), field);
  }
  checkHost(host, field);
  return { host: host.toLowerCase().replace(/\.$/, ''), port };
}

/** A TCP port as typed by a user (`22`, `2222`): digits only, 1–65535. */
export function parsePort(text: string, field = 'port'): number {
  const trimmed = text.trim();
  if (!/^\d{1,5}$/.test(trimmed)) throw usage(field, `port "${text}" is not a number`, 'Give a port between 1 and 65535, e.g. 22.');
  const port = Number(trimmed);
  if (port < 1 || port > 65535) throw usage(field, `port ${port} is out of range`, 'Give a port between 1 and 65535, e.g. 22.');
  return port;
}

/** Writes an endpoint back the way `parseEndpoint` reads it (port omitted when it is 22). */
export function formatEndpoint(endpoint: Endpoint): string {
  const v6 = endpoint.host.includes(':');
  if (endpoint.port === 22) return endpoint.host;
  return v6 ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}

/** True for an IPv6 literal (with an optional `%zone` and an optional trailing IPv4). */
export function isIPv6(text: string): boolean {
  const [address, zone, extra] = text.split('%');
  if (extra !== undefined || address === undefined || address === '') return false;
  if (zone !== undefined && !/^[A-Za-z0-9_.-]+$/.test(zone)) return false;
  const halves = address.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (part: string | undefined): string[] | undefined => (part === undefined || part === '' ? [] : part.split(':'));
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  if (!head || !tail) return false;
  const all = [...head, ...tail];
  let width = 0;
  for (let index = 0; index < all.length; index++) {
    const group = all[index] ?? '';
    if (index === all.length - 1 && group.includes('.')) {
      if (!isIPv4(group)) return false;
      width += 2;
    } else if (/^[0-9A-Fa-f]{1,4}$/.test(group)) {
      width += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? width < 8 : width === 8;
}

/** True for a dotted-quad IPv4 address with each part 0–255 and no leading zeros. */
export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255);
}

/** Lower-cases an IPv6 address but not its zone (interface names are case-sensitive). */
function lowerAddress(text: string): string {
  const at = text.indexOf('%');
  return at < 0 ? text.toLowerCase() : `${text.slice(0, at).toLowerCase()}${text.slice(at)}`;
}

function checkHost(host: string, field: string): void {
  if (host === '') throw usage(field, 'has a port but no host', 'Write HOST:PORT, e.g. 10.0.0.11:22.');
  if (/^[\d.]+$/.test(host)) {
    if (!isIPv4(host)) throw usage(field, `"${host}" is not a valid IPv4 address`, 'Give four numbers 0–255 separated by dots, e.g. 10.0.0.11.');
    return;
  }
  const name = host.replace(/\.$/, '');
  const label = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
  if (name.length > 253 || !name.split('.').every((part) => label.test(part))) {
    throw usage(
      field,
      `"${host}" is not a valid hostname`,
      'Hostnames use letters, digits and hyphens in dot-separated labels (e.g. node1.example.org); IPv6 addresses with a port are written [2001:db8::1]:22.',
    );
  }
}

function usage(field: string, what: string, remedy: string): LockstepError {
  return new LockstepError({ code: 'usage', field, message: `${field} ${what}.`, remedy });
}
