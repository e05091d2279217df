import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../../provisioning/api/inventory';
import type { ProbeNode } from '../../../provisioning/api/contract';
import {
  deviceName,
  disksView,
  withAutomaticDisks,
  withDiskChosen,
  withWipeConfirmed,
  wipeConfirmationMatches,
} from '../../../renderer/src/model/disks';
import { serversOf } from '../../../renderer/src/model/servers';
import { draftProblems, newDraft, type SiteDraft } from '../../../renderer/src/model/site-draft';
import { qemuInventory } from '../facts/sample-inventories';
import { labProbeNodes } from './role-fixtures';

/**
 * Disk candidacy on the real QEMU capture (test/unit/facts/fixtures, PROVENANCE.md):
 * sda is the system disk, sdb/sdc a RAID 1, nvme1n1 mounted at /srv, nvme2n1 a PV of
 * VG vmdata; sdd (HDD) and nvme0n1 (NVMe) are empty. Node b is the same machine
 * without nvme0n1, so the two pools differ in size and in media.
 */
function qemuPair(): ProbeNode[] {
  const a = qemuInventory();
  const b = qemuInventory();
  const withoutNvme0: Inventory = {
    ...b,
    disks: Array.isArray(b.disks) ? b.disks.filter((disk) => disk.name !== 'nvme0n1') : b.disks,
  };
  return [
    { ok: true, endpoint: { host: '10.0.0.11', port: 22 }, inventory: a },
    { ok: true, endpoint: { host: '10.0.0.12', port: 22 }, inventory: withoutNvme0 },
  ];
}

const endpoints = [
  { host: '10.0.0.11', port: 22 },
  { host: '10.0.0.12', port: 22 },
];
const GiB = 1024 ** 3;

/** What the site format says about the draft's storage section (the rest of a new draft is not filled in yet). */
const storageProblems = (draft: SiteDraft) =>
  draftProblems(draft).filter((problem) => problem.field.startsWith('storage'));

describe('disk candidacy and the pool', () => {
  const servers = serversOf(qemuPair())!;
  const draft = newDraft(endpoints, { user: 'root' }, 'pair1');

  it('takes every empty disk automatically and says why each other one is in use', () => {
    const view = disksView(draft, servers);
    const a = view.servers[0];
    const status = Object.fromEntries(a.rows.map((row) => [row.disk.name, [row.status, row.chosen]]));
    expect(status).toEqual({
      sda: ['system', false],
      sdb: ['data', false],
      sdc: ['data', false],
      sdd: ['free', true],
      nvme1n1: ['data', false],
      nvme2n1: ['data', false],
      nvme0n1: ['free', true],
    });
    expect(a.rows.find((row) => row.disk.name === 'nvme1n1')?.reason).toBe(
      'Holds data: 1 partition (gpt); nvme1n1p1: ext4 filesystem "data"; mounted at /srv',
    );
    expect(a.rows.find((row) => row.disk.name === 'sda')?.reason).toMatch(/^System disk: system disk: holds \/boot\/efi/);
    expect(a.automatic).toBe(true);
    expect(a.chosenBytes).toBe(2 * GiB);
    expect(view.servers[1].chosenBytes).toBe(1 * GiB);
  });

  it('sizes the pool by the smaller server and warns about size and too-small pools', () => {
    const view = disksView(draft, servers);
    expect(view.poolBytes).toBe(1 * GiB);
    expect(view.warnings).toEqual([
      'The pools differ: 2 GiB on 10.0.0.11, 1 GiB on 10.0.0.12. Usable mirrored capacity is 1 GiB; the rest of the larger one is unused.',
      'The pool would be 1 GiB; at least 10 GiB is needed for a useful VM disk.',
    ]);
    expect(view.problems).toEqual([]);
  });

  it('warns when one pool spins and the other does not', () => {
    const base = disksView(draft, servers);
    const ssdOnlyOnA = withDiskChosen(draft, base, 'a', deviceName(base.servers[0].rows.find((row) => row.disk.name === 'sdd')!.disk), false);
    const view = disksView(ssdOnlyOnA, servers);
    expect(view.servers[0].automatic).toBe(false);
    expect(ssdOnlyOnA.storage.disks.a).toEqual(['/dev/disk/by-id/nvme-QEMU_NVMe_Ctrl_LSNVME0000']);
    expect(view.warnings).toContain('10.0.0.11 pools solid-state disks, 10.0.0.12 spinning disks: every write waits for the slower one.');
    // Same size now: no size warning.
    expect(view.warnings.some((warning) => warning.startsWith('The pools differ'))).toBe(false);
  });

  it('asks for a disk when a server with candidates has none chosen', () => {
    let next = draft;
    for (const name of ['sdd', 'nvme0n1']) {
      const view = disksView(next, servers);
      next = withDiskChosen(next, view, 'a', deviceName(view.servers[0].rows.find((row) => row.disk.name === name)!.disk), false);
    }
    const view = disksView(next, servers);
    expect(view.poolBytes).toBeNull();
    expect(view.problems).toEqual([{ field: 'storage.disks.a', message: 'Choose at least one disk of 10.0.0.11 for the pool.' }]);
    // An empty choice is written as `auto`, never as an empty list the format refuses.
    expect(storageProblems(next)).toEqual([]);
  });

  it('uses a disk holding data only after its model and serial are typed exactly', () => {
    const view = disksView(draft, servers);
    const nvme1 = view.servers[0].rows.find((row) => row.disk.name === 'nvme1n1')!;
    expect(nvme1.wipeBlocked).toBeUndefined();
    const wrong = withWipeConfirmed(draft, view, 'a', nvme1.disk, { model: 'QEMU NVMe Ctrl', serial: 'LSNVME0000' });
    expect(wrong).toBe(draft);
    expect(wipeConfirmationMatches(nvme1.disk, { model: 'qemu nvme ctrl', serial: 'LSNVME0001' })).toBe(false);
    const wiped = withWipeConfirmed(draft, view, 'a', nvme1.disk, { model: 'QEMU NVMe Ctrl', serial: 'LSNVME0001' });
    expect(wiped.storage.wipe).toEqual([
      { node: 'a', device: '/dev/disk/by-id/nvme-QEMU_NVMe_Ctrl_LSNVME0001', model: 'QEMU NVMe Ctrl', serial: 'LSNVME0001' },
    ]);
    expect(wiped.storage.disks.a).toContain('/dev/disk/by-id/nvme-QEMU_NVMe_Ctrl_LSNVME0001');
    const after = disksView(wiped, servers);
    expect(after.servers[0].rows.find((row) => row.disk.name === 'nvme1n1')).toMatchObject({ chosen: true, status: 'data' });
    expect(after.servers[0].chosenBytes).toBe(3 * GiB);
    // The site format accepts the consent (the disk is in the node's list).
    expect(storageProblems(wiped)).toEqual([]);
    // Taking it out again withdraws the consent.
    const kept = withDiskChosen(wiped, after, 'a', '/dev/disk/by-id/nvme-QEMU_NVMe_Ctrl_LSNVME0001', false);
    expect(kept.storage.wipe).toEqual([]);
    expect(withAutomaticDisks(wiped).storage).toEqual(draft.storage);
  });

  it('names a PV by its hardware id, not by the id of the volume on it', () => {
    const pv = disksView(draft, servers).servers[0].rows.find((row) => row.disk.name === 'nvme2n1')!;
    expect(pv.device).toBe('/dev/disk/by-id/nvme-QEMU_NVMe_Ctrl_LSNVME0002');
  });

  it('counts a disk of the pair’s own volume group as the pool’s (a rerun after install)', () => {
    const own = { ...draft, storage: { ...draft.storage, volumeGroup: 'vmdata' } };
    const pv = disksView(own, servers).servers[0].rows.find((row) => row.disk.name === 'nvme2n1')!;
    expect(pv).toMatchObject({ status: 'pool', chosen: true, reason: "Already in this pair's pool (volume group vmdata)" });
  });

  it('says a container cannot own disks instead of listing its host’s', () => {
    const lab = serversOf(labProbeNodes())!;
    const view = disksView(newDraft([{ host: '10.211.0.11', port: 22 }, { host: '10.211.0.12', port: 22 }], { user: 'root' }, 'lab'), lab);
    expect(view.servers[0].blocked).toBe(
      'lockstep-a is a systemd-nspawn container: it sees its host\'s disks and cannot own a disk for the mirrored pool.',
    );
    expect(view.servers[0].rows).toEqual([]);
    expect(view.poolBytes).toBeNull();
    expect(view.problems).toEqual([]);
  });
});
