import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInSync, parseProcDrbd } from '../../../provisioning/recipes/parse/drbd';
import { checkVmDiskSpec, vmDiskSteps } from '../../../provisioning/recipes/vm-disk';

const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', 'vm-lab', name), 'utf8');

describe('/proc/drbd (DRBD 8.4.11, Debian 12 kernel, VM lab)', () => {
  it('reads a synced resource: Connected, Secondary/Secondary, UpToDate/UpToDate, protocol C', () => {
    const device = parseProcDrbd(fixture('proc-drbd-synced.txt')).get(1);
    expect(device).toEqual({ minor: 1, cstate: 'Connected', role: 'Secondary', peerRole: 'Secondary', disk: 'UpToDate', peerDisk: 'UpToDate', protocol: 'C', outOfSyncKiB: 0, syncedPercent: null });
    expect(isInSync(device)).toBe(true);
  });
  it('reads a resync in progress: SyncSource, Primary/Secondary, UpToDate/Inconsistent, progress and out-of-sync', () => {
    const device = parseProcDrbd(fixture('proc-drbd-resync.txt')).get(1);
    expect(device).toMatchObject({ cstate: 'SyncSource', role: 'Primary', peerRole: 'Secondary', disk: 'UpToDate', peerDisk: 'Inconsistent', protocol: 'C', outOfSyncKiB: 3584, syncedPercent: 100 });
    expect(isInSync(device)).toBe(false);
  });
  it('no device lines when the module is loaded but nothing is up', () => {
    expect(parseProcDrbd('version: 8.4.11 (api:1/proto:86-101)\nsrcversion: B536C32A3EADA868561EFD9 \n').size).toBe(0);
    expect(isInSync(undefined)).toBe(false);
  });
});

describe('vm-disk', () => {
  it('three steps in order: LV, resource, first sync', () => {
    expect(vmDiskSteps({ name: 'vm1-disk0', sizeMiB: 1024, minor: 3 }).map((step) => step.id)).toEqual(['vm-disk.volume', 'vm-disk.drbd-resource', 'vm-disk.initial-sync']);
  });
  it('refuses names that are not safe for LVM, DRBD and paths', () => {
    expect(() => checkVmDiskSpec({ name: '../etc', sizeMiB: 64, minor: 1 })).toThrow(/not a usable disk name/);
    expect(() => checkVmDiskSpec({ name: 'ok', sizeMiB: 1, minor: 1 })).toThrow(/too small/);
  });
});
