import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  COLO_FEATURES,
  conflictsFact,
  drbdFact,
  packageSourceFact,
  qemuFact,
  sessionFact,
} from '../../../provisioning/checks/extras';

const here = dirname(fileURLToPath(import.meta.url));
const captured = (fact: string, target: string): string =>
  readFileSync(join(here, 'fixtures', 'extras', fact, `${target}.txt`), 'utf8');
const OK = { code: 0, stderr: '' } as const;

describe('session fact ($SSH_CONNECTION)', () => {
  it('reads the client and server address of the lab session', () => {
    expect(sessionFact.parse(captured('session', 'lab-a'), OK)).toEqual({
      clientAddress: '10.211.0.1',
      serverAddress: '10.211.0.11',
    });
  });

  it('is null outside an SSH session (this machine, run locally)', () => {
    expect(sessionFact.parse(captured('session', 'dev-machine'), OK)).toBeNull();
  });
});

describe('drbd fact', () => {
  it('finds no module on the lab’s or this machine’s kernel', () => {
    for (const target of ['lab-a', 'lab-b', 'dev-machine'])
      expect(drbdFact.parse(captured('drbd', target), OK)).toEqual({ moduleVersion: null, loaded: false });
  });
});

describe('qemu fact', () => {
  it('reads the version and every COLO building block of this machine’s QEMU 7.2', () => {
    const qemu = qemuFact.parse(captured('qemu', 'dev-machine'), OK);
    expect(qemu.version).toBe('7.2.22');
    expect(qemu.coloFeatures).toEqual([...COLO_FEATURES]);
  });

  it('reads Debian 12’s QEMU in the lab once the stack is installed', () => {
    expect(qemuFact.parse(captured('qemu', 'lab-a'), OK)).toEqual({ version: '7.2.22', coloFeatures: [...COLO_FEATURES] });
  });

  it('reports no QEMU when the command prints nothing (not installed)', () => {
    expect(qemuFact.parse('', OK)).toEqual({ version: null, coloFeatures: [] });
  });
});

describe('package-source fact', () => {
  it('reads three reachable indexes on this machine', () => {
    const source = packageSourceFact.parse(captured('package-source', 'dev-machine'), OK);
    expect(source.sources).toEqual([
      'http://deb.debian.org/debian-security/dists/bookworm-security/InRelease',
      'http://deb.debian.org/debian/dists/bookworm/InRelease',
      'http://deb.debian.org/debian/dists/bookworm-updates/InRelease',
    ]);
    expect(source.unreachable).toEqual([]);
  });

  it('reads the unreachable mirror of the lab with apt’s error', () => {
    const source = packageSourceFact.parse(captured('package-source', 'lab-a'), OK);
    // The lab uses Lockstep's offline bundle (a file: source) besides its unreachable mirror.
    expect(source.sources).toEqual(['file:/var/lib/lockstep/bundle/', 'http://deb.debian.org/debian/dists/bookworm/InRelease']);
    expect(source.unreachable).toHaveLength(1);
    expect(source.unreachable[0]?.url).toBe('http://deb.debian.org/debian/dists/bookworm/InRelease');
    expect(source.unreachable[0]?.error).toContain('E: Failed to fetch');
    expect(source.unreachable[0]?.error).toContain('Temporary failure resolving');
    expect(source.unreachable[0]?.error).not.toContain('unsandboxed');
  });
});

describe('conflicts fact', () => {
  it('finds nothing on the lab servers or this machine', () => {
    for (const target of ['lab-a', 'lab-b', 'dev-machine'])
      expect(conflictsFact.parse(captured('conflicts', target), OK)).toEqual({
        corosyncConfig: false,
        lockstepPair: null,
        pacemakerCib: false,
        xenDom0: false,
        drbdResources: [],
        virtualMachines: [],
      });
  });
});
