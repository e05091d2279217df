import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile, chmod } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Endpoint } from '../api/endpoint';
import { keyTypeOf, sha256Fingerprint } from './fingerprint';

/**
 * Pinned host keys in OpenSSH's known_hosts format, so that an admin can read,
 * diff and edit Lockstep's file with the tools they know (`ssh-keygen -F/-R/-H`) and
 * so that Lockstep can also honour the user's own ~/.ssh/known_hosts.
 */

/** One key line of a known_hosts file. */
export interface KnownHostsEntry {
  /** The file it came from and its 1-based line number: what an error points the admin to. */
  readonly source: string;
  readonly line: number;
  readonly marker?: 'revoked' | 'cert-authority';
  /** The host field as written: a comma list of patterns, or one `|1|salt|hmac` hash. */
  readonly hosts: string;
  readonly keyType: string;
  /** The key blob, base64 (as written in the file). */
  readonly key: string;
  readonly comment?: string;
}

/** A parsed file: every line kept verbatim (comments, blanks, lines we do not understand). */
export interface KnownHostsFile {
  readonly source: string;
  readonly lines: readonly string[];
  readonly entries: readonly KnownHostsEntry[];
  /** Lines that are neither comments nor valid entries; kept when writing, ignored for lookups. */
  readonly problems: readonly { line: number; reason: string }[];
}

/** A key offered by a server: its type and base64 blob. */
export interface OfferedKey {
  readonly keyType: string;
  readonly key: string;
}

/** What the store says about a host and the key it offers. */
export type HostKeyLookup =
  | { readonly status: 'match'; readonly entry: KnownHostsEntry }
  | {
      readonly status: 'mismatch';
      /** `changed`: a key of the same type is pinned; `other-type`: only other key types are. */
      readonly reason: 'changed' | 'other-type';
      readonly pinned: readonly PinnedKey[];
    }
  | { readonly status: 'unknown' }
  | { readonly status: 'revoked'; readonly entry: KnownHostsEntry };

/** A pinned key as shown to a user: where it is written and its fingerprint. */
export interface PinnedKey {
  readonly keyType: string;
  readonly fingerprint: string;
  readonly source: string;
  readonly line: number;
}

/** Parses known_hosts text; never throws (bad lines are reported in `problems` and kept). */
export function parseKnownHosts(text: string, source = 'known_hosts'): KnownHostsFile {
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  const entries: KnownHostsEntry[] = [];
  const problems: { line: number; reason: string }[] = [];
  lines.forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const parsed = parseLine(trimmed, source, index + 1);
    if (typeof parsed === 'string') problems.push({ line: index + 1, reason: parsed });
    else entries.push(parsed);
  });
  return { source, lines, entries, problems };
}

function parseLine(text: string, source: string, line: number): KnownHostsEntry | string {
  const fields = text.split(/[ \t]+/);
  let marker: KnownHostsEntry['marker'];
  if (fields[0]?.startsWith('@')) {
    const name = fields.shift();
    if (name === '@revoked') marker = 'revoked';
    else if (name === '@cert-authority') marker = 'cert-authority';
    else return `unknown marker ${name}`;
  }
  const [hosts, keyType, key, ...rest] = fields;
  if (!hosts || !keyType || !key) return 'expected: [marker] hosts key-type base64-key [comment]';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key)) return 'the key is not base64';
  if (hosts.startsWith('|') && !parseHashed(hosts)) return 'malformed hashed host (expected |1|salt|hash)';
  const comment = rest.join(' ');
  return { source, line, hosts, keyType, key, ...(marker && { marker }), ...(comment && { comment }) };
}

function parseHashed(hosts: string): { salt: Buffer; hash: Buffer } | undefined {
  const match = /^\|1\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/.exec(hosts);
  if (!match?.[1] || !match[2]) return undefined;
  const salt = Buffer.from(match[1], 'base64');
  const hash = Buffer.from(match[2], 'base64');
  return salt.length === 20 && hash.length === 20 ? { salt, hash } : undefined;
}

/** The name OpenSSH looks up for an endpoint: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(endpoint: Endpoint): string {
  const host = endpoint.host.toLowerCase();
  return endpoint.port === 22 ? host : `[${host}]:${endpoint.port}`;
}

/** Hashes a host name the way `ssh-keygen -H` does (`|1|base64 salt|base64 HMAC-SHA1`). */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const hash = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')}`;
}

/** OpenSSH's `match_pattern`: `*` any run of characters, `?` any one character. */
export function wildcardMatch(name: string, pattern: string): boolean {
  let n = 0;
  let p = 0;
  let starP = -1;
  let starN = 0;
  while (n < name.length) {
    const pc = pattern[p];
    if (pc === '?' || (pc !== undefined && pc !== '*' && pc === name[n])) {
      n++;
      p++;
    } else if (pc === '*') {
      starP = p++;
      starN = n;
    } else if (starP >= 0) {
      p = starP + 1;
      n = ++starN;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * Whether an entry's host field names this host (OpenSSH `match_hostname`): any
 * positive pattern matches and no negated (`!pattern`) one does; a hashed field
 * matches when the HMAC of the name with its salt is equal.
 */
export function entryMatchesHost(entry: Pick<KnownHostsEntry, 'hosts'>, name: string): boolean {
  const lower = name.toLowerCase();
  if (entry.hosts.startsWith('|')) {
    const hashed = parseHashed(entry.hosts);
    return hashed !== undefined && createHmac('sha1', hashed.salt).update(lower).digest().equals(hashed.hash);
  }
  let positive = false;
  for (const raw of entry.hosts.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).toLowerCase();
    if (pattern === '' || !wildcardMatch(lower, pattern)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

/** The algorithm name in a key blob; falls back to the type written on the line. */
function blobType(entry: Pick<KnownHostsEntry, 'key' | 'keyType'>): string {
  try {
    return keyTypeOf(Buffer.from(entry.key, 'base64'));
  } catch {
    return entry.keyType;
  }
}

function sameKey(a: string, b: string): boolean {
  return Buffer.from(a, 'base64').equals(Buffer.from(b, 'base64'));
}

function pinnedKey(entry: KnownHostsEntry): PinnedKey {
  return {
    keyType: blobType(entry),
    fingerprint: sha256Fingerprint(Buffer.from(entry.key, 'base64')),
    source: entry.source,
    line: entry.line,
  };
}

/**
 * Looks a host and its offered key up in some entries, the way OpenSSH's
 * `check_key_in_hostkeys` does: a revoked key wins, then an equal pinned key; any
 * other pin for the host is a mismatch; no pin is unknown.
 */
export function lookupHostKey(
  entries: readonly KnownHostsEntry[],
  endpoint: Endpoint,
  offered: OfferedKey,
): HostKeyLookup {
  const name = knownHostsName(endpoint);
  const matching = entries.filter((entry) => entryMatchesHost(entry, name));
  const revoked = matching.find((entry) => entry.marker === 'revoked' && sameKey(entry.key, offered.key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const pins = matching.filter((entry) => entry.marker === undefined);
  const equal = pins.find((entry) => sameKey(entry.key, offered.key));
  if (equal) return { status: 'match', entry: equal };
  if (pins.length === 0) return { status: 'unknown' };
  const sameType = pins.some((entry) => blobType(entry) === offered.keyType);
  return { status: 'mismatch', reason: sameType ? 'changed' : 'other-type', pinned: pins.map(pinnedKey) };
}

/** The key types pinned (and not revoked) for a host: what the key exchange may offer. */
export function pinnedKeyTypes(entries: readonly KnownHostsEntry[], endpoint: Endpoint): string[] {
  const name = knownHostsName(endpoint);
  const types = entries
    .filter((entry) => entry.marker === undefined && entryMatchesHost(entry, name))
    .map((entry) => blobType(entry));
  return [...new Set(types)];
}

/**
 * Lockstep's host-key store: one writable file (its own), plus optionally other
 * files read but never written (the user's ~/.ssh/known_hosts).
 */
export class KnownHostsStore {
  private constructor(
    readonly path: string,
    private own: KnownHostsFile,
    private readonly extra: readonly KnownHostsFile[],
  ) {}

  /** Loads the store; a missing file is an empty store (it is created on the first pin). */
  static async load(path: string, options: { alsoRead?: readonly string[] } = {}): Promise<KnownHostsStore> {
    const own = await readKnownHosts(path);
    const extra = await Promise.all(
      (options.alsoRead ?? []).filter((other) => other !== path).map(readKnownHosts),
    );
    return new KnownHostsStore(path, own, extra);
  }

  get entries(): readonly KnownHostsEntry[] {
    return [...this.own.entries, ...this.extra.flatMap((file) => file.entries)];
  }

  lookup(endpoint: Endpoint, offered: OfferedKey): HostKeyLookup {
    return lookupHostKey(this.entries, endpoint, offered);
  }

  pinnedKeyTypes(endpoint: Endpoint): string[] {
    return pinnedKeyTypes(this.entries, endpoint);
  }

  /**
   * Pins a key for a host by appending one line to Lockstep's file (created 0600 in a
   * 0700 folder). Returns false when that exact pin is already there.
   */
  async pin(
    endpoint: Endpoint,
    offered: OfferedKey,
    options: { hash?: boolean; comment?: string } = {},
  ): Promise<boolean> {
    this.own = await readKnownHosts(this.path);
    const current = lookupHostKey(this.own.entries, endpoint, offered);
    if (current.status === 'match') return false;
    const name = knownHostsName(endpoint);
    const host = options.hash ? hashHostName(name) : name;
    const comment = options.comment ? ` ${options.comment.replace(/[\r\n]/g, ' ')}` : '';
    const line = `${host} ${offered.keyType} ${offered.key}${comment}`;
    await writeKnownHosts(this.path, [...this.own.lines, line]);
    this.own = parseKnownHosts([...this.own.lines, line].join('\n'), this.path);
    return true;
  }

  /**
   * Removes this host's pins from Lockstep's file (what `ssh-keygen -R` does): a line
   * naming only this host goes, a comma list loses this name. Wildcard lines stay.
   * Returns how many pins were removed.
   */
  async unpin(endpoint: Endpoint): Promise<number> {
    this.own = await readKnownHosts(this.path);
    const name = knownHostsName(endpoint);
    const byLine = new Map(this.own.entries.map((entry) => [entry.line, entry]));
    let removed = 0;
    const lines: string[] = [];
    this.own.lines.forEach((raw, index) => {
      const entry = byLine.get(index + 1);
      if (!entry || entry.marker !== undefined || !entryMatchesHost(entry, name)) {
        lines.push(raw);
        return;
      }
      if (entry.hosts.startsWith('|')) {
        removed++;
        return;
      }
      const names = entry.hosts.split(',');
      const rest = names.filter((pattern) => pattern.toLowerCase() !== name);
      if (rest.length === names.length) {
        lines.push(raw);
        return;
      }
      removed++;
      if (rest.some((pattern) => !pattern.startsWith('!')))
        lines.push(raw.replace(entry.hosts, rest.join(',')));
    });
    if (removed > 0) {
      await writeKnownHosts(this.path, lines);
      this.own = parseKnownHosts(lines.join('\n'), this.path);
    }
    return removed;
  }
}

async function readKnownHosts(path: string): Promise<KnownHostsFile> {
  try {
    return parseKnownHosts(await readFile(path, 'utf8'), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return parseKnownHosts('', path);
    throw error;
  }
}

/** Writes the whole file atomically (temp + rename), 0600, in a 0700 folder. */
async function writeKnownHosts(path: string, lines: readonly string[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, lines.length ? `${lines.join('\n')}\n` : '', { mode: 0o600, flag: 'wx' });
  await chmod(temp, 0o600);
  await rename(temp, path);
}
