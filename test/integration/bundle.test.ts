import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../provisioning/bundle/manifest';
import { runLockstep } from '../helpers/lab';

/**
 * `lockstep bundle build` as a user runs it: the closure of the whole stack from
 * Debian's mirror, with apt state of its own, written as a flat repository. Needs a
 * Debian computer that reaches its mirror (this machine does).
 */
const debian = existsSync('/usr/bin/apt-get');

describe.skipIf(!debian)('lockstep bundle build', () => {
  const out = mkdtempSync(join(tmpdir(), 'lockstep-bundle-it-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes a flat apt repository with the closure, then reuses it', { timeout: 600_000 }, async () => {
    const first = await runLockstep(['bundle', 'build', '--out', out, '--release', 'bookworm']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Bundle for Debian bookworm: \d+ packages/);
    const manifest = parseManifest(readFileSync(join(out, 'lockstep-bundle.json'), 'utf8'));
    const names = manifest.files.map((file) => file.name);
    for (const wanted of [
      'corosync_',
      'pacemaker_',
      'qemu-system-x86_',
      'libvirt-daemon-system_',
      'drbd-utils_',
      'fence-agents_',
      'ipmitool_',
      'corosync-qdevice_',
    ]) {
      expect(
        names.some((name) => name.startsWith(wanted)),
        wanted,
      ).toBe(true);
    }
    expect(names).toEqual(expect.arrayContaining(['Packages', 'Packages.gz', 'Release']));
    expect(names.filter((name) => name.endsWith('.deb')).length).toBeGreaterThan(250);
    expect(readFileSync(join(out, 'Packages'), 'utf8')).toMatch(/^Filename: \.\/corosync_.*\.deb$/m);
    const corosync = names.find((name) => name.startsWith('corosync_')) ?? '';
    const before = statSync(join(out, corosync)).mtimeMs;
    const second = await runLockstep(['bundle', 'build', '--out', out, '--release', 'bookworm', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ release: 'bookworm' });
    expect(statSync(join(out, corosync)).mtimeMs).toBe(before);
  });
});
