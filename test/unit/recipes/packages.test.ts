import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BundleManifest } from '../../../provisioning/bundle/manifest';
import { nodePackages } from '../../../provisioning/recipes/package-sets';
import { bundleListContent, decideBundle, decideInstall, parseSha256sums } from '../../../provisioning/recipes/packages';
import { parseAptPolicy, parseDpkgQuery } from '../../../provisioning/recipes/parse/dpkg';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const kvm = { hypervisor: 'kvm', quorum: 'two_node', fencing: { mode: 'none', acknowledgeNoFencing: true } } as const;

describe('dpkg and apt parsers (captured outputs)', () => {
  it('reads dpkg-query: installed packages, unknown ones absent', () => {
    const packages = parseDpkgQuery(fixture('dpkg-query-host.txt'));
    expect(packages.get('openssh-server')).toMatchObject({ installed: true, version: '1:9.2p1-2+deb12u10' });
    expect(packages.has('corosync')).toBe(false);
  });
  it('reads apt-cache policy: candidates, and a name apt does not know is absent', () => {
    const policy = parseAptPolicy(fixture('apt-policy-host.txt'));
    expect(policy.get('fence-agents')).toEqual({ installed: null, candidate: '4.12.1-1' });
    expect(policy.has('fence-agents-ipmilan')).toBe(false);
  });
  it('reads the stack as installed in the lab (every package ii)', () => {
    const packages = parseDpkgQuery(fixture('lab/dpkg-query-stack.txt'));
    expect([...packages.values()].every((entry) => entry.installed)).toBe(true);
  });
});

describe('packages.install', () => {
  it('facts in → commands out: a fresh Debian installs the kvm stack without recommends', () => {
    const decision = decideInstall({ wanted: nodePackages(kvm), dpkg: parseDpkgQuery(fixture('dpkg-query-host.txt')), aptKnown: new Set(), source: 'mirror' });
    expect(decision.kind).toBe('change');
    if (decision.kind !== 'change') return;
    expect(decision.changes[0]?.commands).toEqual([
      'DEBIAN_FRONTEND=noninteractive apt-get -q update',
      'DEBIAN_FRONTEND=noninteractive apt-get -q -y --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install -- qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients corosync pacemaker pacemaker-cli-utils resource-agents psmisc lvm2 drbd-utils chrony ifupdown bridge-utils',
    ]);
  });
  it('picks fence-agents on bookworm, where fence-agents-ipmilan does not exist, and ipmitool, which it does not pull in', () => {
    const known = new Set([...parseAptPolicy(fixture('apt-policy-host.txt'))].filter(([, e]) => e.candidate).map(([name]) => name));
    const decision = decideInstall({ wanted: nodePackages({ ...kvm, fencing: { mode: 'ipmi', acknowledgeNoFencing: false } }), dpkg: new Map(), aptKnown: known, source: 'bundle' });
    expect(decision.kind === 'change' && decision.changes[0]?.commands.join(' ')).toMatch(/-o Dir::Etc::SourceList=\/etc\/apt\/sources.list.d\/lockstep-bundle.list .* fence-agents ipmitool$/);
  });
  it('no-op when the lab shows every package installed', () => {
    const decision = decideInstall({ wanted: nodePackages(kvm), dpkg: parseDpkgQuery(fixture('lab/dpkg-query-stack.txt')), aptKnown: new Set(), source: 'bundle' });
    expect(decision).toEqual({ kind: 'noop', reason: 'all 14 packages are installed' });
  });
});

describe('packages.source (offline bundle)', () => {
  const manifest: BundleManifest = JSON.parse(fixture('bundle-manifest.json')) as BundleManifest;
  const sums = new Map(manifest.files.map((file) => [file.name, file.sha256]));
  const packagesSum = manifest.files.find((file) => file.name === 'Packages')?.sha256 ?? null;
  it('uploads only the files whose checksum differs, removes stale ones', () => {
    const remote = new Map(sums);
    const first = manifest.files[0]?.name ?? '';
    remote.set(first, '0'.repeat(64));
    remote.set('old_1.0_amd64.deb', '1'.repeat(64));
    const decision = decideBundle({ pairName: 'p', manifest, remoteSums: remote, listContent: bundleListContent('p'), indexSum: packagesSum });
    expect(decision.kind).toBe('change');
    if (decision.kind !== 'change') return;
    expect(decision.changes[0]?.summary).toMatch(/^upload 1 of \d+ bundle files .* remove 1 stale$/);
    expect(decision.changes[0]?.commands).toContain(`sftp put ${first} /var/lib/lockstep/bundle/${first}`);
    expect(decision.changes.at(-1)?.summary).toBe('read the bundle into apt’s index');
  });
  it('no-op when the server holds the same files, the list and the index', () => {
    expect(decideBundle({ pairName: 'p', manifest, remoteSums: sums, listContent: bundleListContent('p'), indexSum: packagesSum }).kind).toBe('noop');
  });
  it('writes the list with the marker and the trusted flat repository line', () => {
    expect(bundleListContent('p')).toBe('# managed by Lockstep — edits are overwritten\n# lockstep-pair: p\ndeb [trusted=yes] file:/var/lib/lockstep/bundle ./\n');
  });
  it('parses sha256sum output from find ./', () => {
    expect(parseSha256sums(`${'a'.repeat(64)}  ./Packages\n${'b'.repeat(64)}  ./x_1%3a2_amd64.deb\n`)).toEqual(new Map([['Packages', 'a'.repeat(64)], ['x_1%3a2_amd64.deb', 'b'.repeat(64)]]));
  });
});
