import { createHmac } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HostPublicKey } from './host-keys';

/** The host-key pins of one lab server. */
export interface LabPin {
  readonly address: string;
  readonly port: number;
  readonly keys: readonly HostPublicKey[];
}

/** How OpenSSH names a host in known_hosts: `addr`, or `[addr]:port` off port 22. */
function hostField(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** Whether a hashed host field (`|1|salt|hmac`, as `ssh-keygen -H` writes) names `host`. */
function hashedMatches(field: string, host: string): boolean {
  const [, , salt = '', hash = ''] = field.split('|');
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(host).digest('base64') === hash;
}

/**
 * A known_hosts line without the lab's hosts: `undefined` when it pinned only them, the
 * line with them taken out of its host list when it also names others, unchanged
 * otherwise. Marker lines (`@revoked`, `@cert-authority`) are not pins and stay as they are.
 */
function withoutLabHosts(line: string, hosts: ReadonlySet<string>): string | undefined {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('@')) return line;
  const [field = '', ...rest] = trimmed.split(/\s+/);
  if (field.startsWith('|1|'))
    return [...hosts].some((host) => hashedMatches(field, host)) ? undefined : line;
  const patterns = field.split(',');
  const others = patterns.filter((pattern) => !hosts.has(pattern));
  if (others.length === patterns.length) return line;
  return others.length === 0 ? undefined : [others.join(','), ...rest].join(' ');
}

/**
 * Pins the lab servers' host keys (which the lab generated itself) into Lockstep's
 * known_hosts: lines for the lab's own addresses are replaced, every other line is kept.
 * Writes only when something changes; the file is created 0600. Returns whether it wrote.
 */
export function pinLabHostKeys(knownHostsPath: string, pins: readonly LabPin[]): boolean {
  const hosts = new Set(pins.map((pin) => hostField(pin.address, pin.port)));
  const before = existsSync(knownHostsPath) ? readFileSync(knownHostsPath, 'utf8') : '';
  const kept = before
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => withoutLabHosts(line, hosts))
    .filter((line): line is string => line !== undefined);
  const ours = pins.flatMap((pin) =>
    pin.keys.map((key) => `${hostField(pin.address, pin.port)} ${key.algorithm} ${key.base64}`),
  );
  const after = `${[...kept, ...ours].join('\n')}\n`;
  if (after === before) return false;
  mkdirSync(dirname(knownHostsPath), { recursive: true, mode: 0o700 });
  const temporary = `${knownHostsPath}.tmp-${process.pid}`;
  writeFileSync(temporary, after, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, knownHostsPath);
  return true;
}
