import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  entryMatchesHost,
  hashHostName,
  KnownHostsStore,
  knownHostsName,
  lookupHostKey,
  parseKnownHosts,
  pinnedKeyTypes,
  wildcardMatch,
} from '../../../provisioning/ssh/known-hosts';
import { hostKeyAlgorithms } from '../../../provisioning/ssh/connect';

const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
const keyOf = (name: string): { keyType: string; key: string } => {
  const [keyType = '', key = ''] = fixture(name).trim().split(/\s+/);
  return { keyType, key };
};
const hostA = keyOf('host-a_ed25519.pub');
const hostB = keyOf('host-b_ecdsa.pub');
const at = (host: string, port = 22) => ({ host, port });

describe('known_hosts parsing', () => {
  it('reads the plain file and keeps every line verbatim', () => {
    const text = fixture('plain_known_hosts');
    const file = parseKnownHosts(text, 'plain');
    expect(file.lines).toEqual(text.replace(/\n$/, '').split('\n'));
    expect(file.lines[0]).toBe('# Lockstep test hosts');
    expect(file.lines[1]).toBe('');
    expect(file.entries.map((entry) => [entry.line, entry.hosts, entry.keyType])).toEqual([
      [3, 'node1.example.org', 'ssh-ed25519'],
      [4, '[node2.example.org]:2222', 'ecdsa-sha2-nistp256'],
      [5, '10.0.0.11,10.0.0.12', 'ssh-ed25519'],
    ]);
    expect(file.problems).toEqual([]);
  });

  it('reads markers, comments after the key, and reports bad lines without throwing', () => {
    const file = parseKnownHosts(
      [
        `@revoked * ${hostA.keyType} ${hostA.key} old key`,
        `@cert-authority *.example.org ${hostB.keyType} ${hostB.key}`,
        '@bogus host ssh-ed25519 AAAA',
        'lonely-host',
        'host ssh-ed25519 not*base64',
      ].join('\n'),
    );
    expect(file.entries.map((entry) => entry.marker)).toEqual(['revoked', 'cert-authority']);
    expect(file.entries[0]?.comment).toBe('old key');
    expect(file.problems.map((problem) => problem.line)).toEqual([3, 4, 5]);
  });
});

describe('host matching', () => {
  it('names non-22 ports as [host]:port, like OpenSSH', () => {
    expect(knownHostsName(at('Node1.Example.org'))).toBe('node1.example.org');
    expect(knownHostsName(at('10.0.0.11', 2222))).toBe('[10.0.0.11]:2222');
    expect(knownHostsName(at('::1', 2222))).toBe('[::1]:2222');
    expect(knownHostsName(at('fe80::1'))).toBe('fe80::1');
  });

  it('matches wildcards * and ? as OpenSSH match_pattern does', () => {
    expect(wildcardMatch('node1.example.org', '*.example.org')).toBe(true);
    expect(wildcardMatch('node1.example.org', 'node?.example.org')).toBe(true);
    expect(wildcardMatch('node10.example.org', 'node?.example.org')).toBe(false);
    expect(wildcardMatch('[10.0.0.1]:2222', '[10.0.0.*]:2222')).toBe(true);
    expect(wildcardMatch('anything', '*')).toBe(true);
    expect(wildcardMatch('abc', 'a*c*')).toBe(true);
    expect(wildcardMatch('abd', 'a*c')).toBe(false);
  });

  it('honours comma lists and negation', () => {
    const entry = { hosts: '10.0.0.*,!10.0.0.13,node1' };
    expect(entryMatchesHost(entry, '10.0.0.12')).toBe(true);
    expect(entryMatchesHost(entry, '10.0.0.13')).toBe(false);
    expect(entryMatchesHost(entry, 'NODE1')).toBe(true);
    expect(entryMatchesHost(entry, 'node2')).toBe(false);
    expect(entryMatchesHost({ hosts: '!10.0.0.13' }, '10.0.0.12')).toBe(false);
  });

  it('matches the hashed entries written by the real ssh-keygen -H', () => {
    const file = parseKnownHosts(fixture('hashed_known_hosts'), 'hashed');
    expect(file.lines[0]).toBe('# Lockstep test hosts');
    expect(file.entries).toHaveLength(4);
    expect(file.entries.every((entry) => entry.hosts.startsWith('|1|'))).toBe(true);
    const lines = (name: string): number[] =>
      file.entries.filter((entry) => entryMatchesHost(entry, name)).map((entry) => entry.line);
    expect(lines('node1.example.org')).toEqual([3]);
    expect(lines('[node2.example.org]:2222')).toEqual([4]);
    expect(lines('node2.example.org')).toEqual([]);
    expect(lines('10.0.0.11')).toEqual([5]);
    expect(lines('10.0.0.12')).toEqual([6]);
    expect(lines('10.0.0.13')).toEqual([]);
  });

  it.skipIf(!existsSync('/usr/bin/ssh-keygen'))('hashes names so that OpenSSH finds them (ssh-keygen -F)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-kh-'));
    try {
      const file = join(dir, 'known_hosts');
      writeFileSync(file, `${hashHostName('[10.1.2.3]:2222')} ${hostA.keyType} ${hostA.key}\n`);
      const found = execFileSync('ssh-keygen', ['-F', '[10.1.2.3]:2222', '-f', file], { encoding: 'utf8' });
      expect(found).toContain('found: line 1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('lookup', () => {
  const plain = parseKnownHosts(fixture('plain_known_hosts'), 'plain').entries;
  const hashed = parseKnownHosts(fixture('hashed_known_hosts'), 'hashed').entries;

  it.each([
    ['plain', plain],
    ['hashed', hashed],
  ])('finds match, changed key and unknown in the %s file', (_name, entries) => {
    expect(lookupHostKey(entries, at('node1.example.org'), hostA).status).toBe('match');
    expect(lookupHostKey(entries, at('node2.example.org', 2222), hostB).status).toBe('match');
    expect(lookupHostKey(entries, at('10.0.0.12'), hostA).status).toBe('match');
    expect(lookupHostKey(entries, at('node2.example.org'), hostB).status).toBe('unknown');
    expect(lookupHostKey(entries, at('node1.example.org', 2222), hostA).status).toBe('unknown');
  });

  it('reports a different key of the same type as changed, with the pinned fingerprint', () => {
    const entries = parseKnownHosts(`node1.example.org ${hostA.keyType} ${hostA.key}\n`, 'f').entries;
    const changedKey = { keyType: 'ssh-ed25519', key: replaceLastBytes(hostA.key) };
    const result = lookupHostKey(entries, at('node1.example.org'), changedKey);
    expect(result.status).toBe('mismatch');
    if (result.status !== 'mismatch') return;
    expect(result.reason).toBe('changed');
    expect(result.pinned).toEqual([
      { keyType: 'ssh-ed25519', fingerprint: 'SHA256:Sn0HQIGrD1qsiBh1WN1U4j8gqQ5HKXhLxubkCLQaAIA', source: 'f', line: 1 },
    ]);
  });

  it('reports a host known only by other key types as a mismatch of type', () => {
    const result = lookupHostKey(plain, at('node1.example.org'), hostB);
    expect(result).toMatchObject({ status: 'mismatch', reason: 'other-type' });
  });

  it('refuses a @revoked key even where it is also pinned, and ignores @cert-authority lines', () => {
    const entries = parseKnownHosts(
      [
        `node1.example.org ${hostA.keyType} ${hostA.key}`,
        `@revoked * ${hostA.keyType} ${hostA.key}`,
        `@cert-authority * ${hostB.keyType} ${hostB.key}`,
      ].join('\n'),
    ).entries;
    expect(lookupHostKey(entries, at('node1.example.org'), hostA).status).toBe('revoked');
    expect(lookupHostKey(entries, at('other'), hostB).status).toBe('unknown');
    expect(pinnedKeyTypes(entries, at('node1.example.org'))).toEqual(['ssh-ed25519']);
  });

  it('lists pinned types and the host-key algorithms that verify them', () => {
    expect(pinnedKeyTypes(plain, at('node2.example.org', 2222))).toEqual(['ecdsa-sha2-nistp256']);
    expect(hostKeyAlgorithms(['ssh-rsa', 'ssh-ed25519'])).toEqual(['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(hostKeyAlgorithms([])).toEqual([]);
  });
});

describe('the store on disk', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('creates the file 0600 in a 0700 folder, appends pins, never duplicates', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lockstep-kh-'));
    const path = join(dir, 'state', 'known_hosts');
    const store = await KnownHostsStore.load(path);
    expect(store.lookup(at('10.0.0.11'), hostA).status).toBe('unknown');
    expect(await store.pin(at('10.0.0.11'), hostA)).toBe(true);
    expect(await store.pin(at('10.0.0.11'), hostA)).toBe(false);
    expect(await store.pin(at('10.0.0.11', 2222), hostB)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'state')).mode & 0o777).toBe(0o700);
    expect(readFileSync(path, 'utf8')).toBe(
      `10.0.0.11 ${hostA.keyType} ${hostA.key}\n[10.0.0.11]:2222 ${hostB.keyType} ${hostB.key}\n`,
    );
    const reloaded = await KnownHostsStore.load(path);
    expect(reloaded.lookup(at('10.0.0.11', 2222), hostB).status).toBe('match');
  });

  it('keeps comments, blank lines and unknown lines when writing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lockstep-kh-'));
    const path = join(dir, 'known_hosts');
    const original = `${fixture('hashed_known_hosts')}some line we do not understand\n# trailing comment\n`;
    writeFileSync(path, original);
    const store = await KnownHostsStore.load(path);
    expect(store.lookup(at('node1.example.org'), hostA).status).toBe('match');
    await store.pin(at('new.example.org'), hostB);
    expect(readFileSync(path, 'utf8')).toBe(`${original}new.example.org ${hostB.keyType} ${hostB.key}\n`);
  });

  it('unpins a host (plain, hashed and in comma lists) and leaves the rest', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lockstep-kh-'));
    const path = join(dir, 'known_hosts');
    writeFileSync(path, `${fixture('plain_known_hosts')}${fixture('hashed_known_hosts')}`);
    const store = await KnownHostsStore.load(path);
    expect(await store.unpin(at('10.0.0.11'))).toBe(2);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain(`10.0.0.12 ${hostA.keyType}`);
    expect(text).not.toMatch(/10\.0\.0\.11/);
    const after = await KnownHostsStore.load(path);
    expect(after.lookup(at('10.0.0.11'), hostA).status).toBe('unknown');
    expect(after.lookup(at('10.0.0.12'), hostA).status).toBe('match');
    expect(after.lookup(at('node1.example.org'), hostA).status).toBe('match');
    expect(text.startsWith('# Lockstep test hosts\n\n')).toBe(true);
  });

  it('can also read another file (the user known_hosts) without writing it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lockstep-kh-'));
    const own = join(dir, 'own');
    const user = join(dir, 'user');
    writeFileSync(user, fixture('plain_known_hosts'));
    const store = await KnownHostsStore.load(own, { alsoRead: [user] });
    expect(store.lookup(at('node1.example.org'), hostA).status).toBe('match');
    await store.pin(at('x.example.org'), hostA);
    expect(readFileSync(user, 'utf8')).toBe(fixture('plain_known_hosts'));
    expect(readFileSync(own, 'utf8')).toBe(`x.example.org ${hostA.keyType} ${hostA.key}\n`);
  });
});

/** A valid-looking ed25519 blob with a different key: same header, other last bytes. */
function replaceLastBytes(base64: string): string {
  const blob = Buffer.from(base64, 'base64');
  blob[blob.length - 1] = (blob[blob.length - 1] ?? 0) ^ 0xff;
  return blob.toString('base64');
}
