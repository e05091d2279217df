import { describe, expect, it } from 'vitest';
import {
  diskInUse,
  diskMediaMismatch,
  diskNoneAvailable,
  diskSizeMismatch,
  diskTooSmall,
} from '../../../provisioning/checks/disks';
import type { CheckContext } from '../../../provisioning/checks/types';
import {
  LAB,
  devMachineInventory,
  expectFinding,
  expectOne,
  forNode,
  labContext,
  labSite,
  mapInventory,
  run,
  vmInventory,
  withDiskSize,
  withSection,
} from './context';

const GiB = 1024 ** 3;

/** Both nodes are the QEMU guest (blank sdd HDD and nvme0n1, plus disks with data), under `siteYaml`. */
function vmPair(
  siteYaml = '',
  change: (inv: ReturnType<typeof vmInventory>) => ReturnType<typeof vmInventory> = (inv) => inv,
): CheckContext {
  const context = labContext({ site: labSite(siteYaml) });
  return mapInventory(
    mapInventory(context, 'a', () => change(vmInventory())),
    'b',
    () => change(vmInventory()),
  );
}

/** The blank disks grown to a usable size (one field each). */
const grown = (inv: ReturnType<typeof vmInventory>) =>
  withDiskSize(withDiskSize(inv, 'sdd', 500 * GiB), 'nvme0n1', 500 * GiB);

describe('disk.none-available', () => {
  it('passes with the blank disks of the QEMU guest, named by path, size, model and serial', () => {
    expectFinding(forNode(run(diskNoneAvailable, vmPair()), LAB.a)[0], {
      id: 'disk.none-available',
      severity: 'pass',
      node: LAB.a,
      words: [
        '/dev/sdd (1 GiB, LS-SPARE-HDD LSHDD0003)',
        '/dev/nvme0n1 (1 GiB, QEMU NVMe Ctrl LSNVME0000)',
      ],
    });
  });

  it('fails in a container, which sees its host’s disks (the lab: systemd-nspawn)', () => {
    const finding = expectFinding(forNode(run(diskNoneAvailable, labContext()), LAB.a)[0], {
      id: 'disk.none-available',
      severity: 'fail',
      node: LAB.a,
      words: ['systemd-nspawn container', 'cannot own a disk'],
    });
    expect(finding.remedy).toContain('--kind vm');
  });

  it('fails when the only disk is the system disk (this machine, were it not a container)', () => {
    // This machine runs in a docker container; as if it did not, its only disk is the system disk.
    const withoutContainer = mapInventory(labContext(), 'b', () =>
      withSection(devMachineInventory(), 'virtualization', {
        vm: 'kvm',
        container: null,
        hypervisorVendor: 'KVM',
      }),
    );
    expectFinding(forNode(run(diskNoneAvailable, withoutContainer), LAB.b)[0], {
      id: 'disk.none-available',
      severity: 'fail',
      node: LAB.b,
      words: ['No empty disk besides the system disk'],
    });
  });

  it('fails when the disks the site file names cannot be used', () => {
    const context = vmPair('storage:\n  disks:\n    a: [/dev/nvme1n1]\n');
    expectFinding(forNode(run(diskNoneAvailable, context), LAB.a)[0], {
      id: 'disk.none-available',
      severity: 'fail',
      node: LAB.a,
      words: ['No empty disk'],
    });
  });

  it('counts a disk already in the pair’s own volume group as the pool’s (a rerun after install)', () => {
    // nvme2n1 of the QEMU guest is a PV of VG vmdata: as if the site's pool were that VG.
    expectFinding(forNode(run(diskNoneAvailable, vmPair('storage:\n  volumeGroup: vmdata\n')), LAB.a)[0], {
      id: 'disk.none-available',
      severity: 'pass',
      node: LAB.a,
      words: ['/dev/nvme2n1', 'LVM physical volume of VG vmdata'],
    });
    const other = forNode(run(diskNoneAvailable, vmPair()), LAB.a)[0];
    expect(other?.message).not.toContain('/dev/nvme2n1');
  });

  it('does not apply when no VM is protected (availability none)', () => {
    expect(run(diskNoneAvailable, vmPair('availability:\n  default: none\n'))).toEqual([]);
  });
});

describe('disk.in-use', () => {
  it('gives info for each disk with data, with the reason, and leaves it alone', () => {
    const findings = forNode(run(diskInUse, vmPair()), LAB.a);
    expect(findings.map((finding) => [finding.subject, finding.severity])).toEqual([
      ['/dev/sda', 'info'],
      ['/dev/sdb', 'info'],
      ['/dev/sdc', 'info'],
      ['/dev/nvme1n1', 'info'],
      ['/dev/nvme2n1', 'info'],
    ]);
    const words: Record<string, string> = {
      '/dev/sda': 'system disk: holds /boot/efi, /boot, /',
      '/dev/sdb': 'RAID member of md0 (raid1)',
      '/dev/nvme1n1': 'mounted at /srv',
      '/dev/nvme2n1': 'LVM physical volume of VG vmdata',
    };
    for (const [subject, word] of Object.entries(words)) {
      const finding = findings.find((candidate) => candidate.subject === subject);
      expectFinding(finding, {
        id: 'disk.in-use',
        severity: 'info',
        node: LAB.a,
        words: ['will not be touched', word],
      });
    }
    expect(findings[0]?.remedy).toBe('Nothing to do: this is the system disk.');
  });

  it('fails a named disk with data that is not named for wiping', () => {
    const context = vmPair('storage:\n  disks:\n    a: [/dev/disk/by-id/nvme-QEMU_NVMe_Ctrl_LSNVME0002]\n');
    const finding = expectFinding(
      run(diskInUse, context).find((candidate) => candidate.severity === 'fail'),
      {
        id: 'disk.in-use',
        severity: 'fail',
        node: LAB.a,
        words: ['cannot be used', 'holds data (LVM physical volume of VG vmdata)', 'not named for wiping'],
      },
    );
    expect(finding.subject).toBe('/dev/disk/by-id/nvme-QEMU_NVMe_Ctrl_LSNVME0002');
  });

  it('fails a wipe consent whose serial does not match the disk', () => {
    const context = vmPair(
      'storage:\n  disks:\n    a: [/dev/nvme2n1]\n  wipe:\n    - { node: a, device: /dev/nvme2n1, model: QEMU NVMe Ctrl, serial: LSNVME9999 }\n',
    );
    expectFinding(
      run(diskInUse, context).find((candidate) => candidate.severity === 'fail'),
      {
        id: 'disk.in-use',
        severity: 'fail',
        node: LAB.a,
        words: ['serial "LSNVME9999"', 'serial "LSNVME0002"'],
      },
    );
  });

  it('fails the system disk and a disk that does not exist', () => {
    const context = vmPair('storage:\n  disks:\n    b: [/dev/sda, /dev/sdz]\n');
    const failed = run(diskInUse, context).filter((candidate) => candidate.severity === 'fail');
    expect(failed.map((finding) => [finding.node, finding.subject])).toEqual([
      [LAB.b, '/dev/sda'],
      [LAB.b, '/dev/sdz'],
    ]);
    expect(failed[0]?.message).toContain('it is the system disk');
    expect(failed[1]?.message).toContain('no such disk on this server');
  });

  it('takes a disk with data into the pool when the wipe consent matches, without an in-use finding', () => {
    const context = vmPair(
      'storage:\n  wipe:\n    - { node: a, device: /dev/nvme2n1, model: QEMU NVMe Ctrl, serial: LSNVME0002 }\n',
    );
    expect(forNode(run(diskInUse, context), LAB.a).map((finding) => finding.subject)).not.toContain(
      '/dev/nvme2n1',
    );
    expect(forNode(run(diskNoneAvailable, context), LAB.a)[0]?.message).toContain('/dev/nvme2n1');
  });

  // Questionable: in automatic mode a wipe consent that does not match its disk is ignored
  // silently (the disk shows as "will not be touched", info), while naming the disk fails.
  it('reports a wipe consent that matches no disk in automatic mode', () => {
    const context = vmPair(
      'storage:\n  wipe:\n    - { node: a, device: /dev/nvme2n1, model: QEMU NVMe Ctrl, serial: LSNVME9999 }\n',
    );
    expect(run(diskInUse, context).some((finding) => finding.severity === 'fail')).toBe(true);
  });
});

describe('disk.too-small', () => {
  it('passes a pool of 10 GiB or more', () => {
    expectFinding(forNode(run(diskTooSmall, vmPair('', grown)), LAB.a)[0], {
      id: 'disk.too-small',
      severity: 'pass',
      node: LAB.a,
      words: ['Pool of 1000 GiB'],
    });
  });

  it('fails a pool below 10 GiB (the QEMU guest’s 1 GiB disks)', () => {
    expectFinding(forNode(run(diskTooSmall, vmPair()), LAB.b)[0], {
      id: 'disk.too-small',
      severity: 'fail',
      node: LAB.b,
      words: ['The pool would be 2 GiB', 'at least 10 GiB'],
    });
  });

  it('says nothing for a container or an empty pool (disk.none-available speaks)', () => {
    expect(run(diskTooSmall, labContext())).toEqual([]);
  });
});

describe('disk.size-mismatch', () => {
  it('passes equal pools', () => {
    expectOne(run(diskSizeMismatch, vmPair('', grown)), {
      id: 'disk.size-mismatch',
      severity: 'pass',
      words: ['Usable mirrored capacity: 1000 GiB'],
    });
  });

  it('warns above 10% and names the usable size', () => {
    const context = mapInventory(vmPair('', grown), 'b', (inv) => withDiskSize(inv, 'nvme0n1', 100 * GiB));
    expectOne(run(diskSizeMismatch, context), {
      id: 'disk.size-mismatch',
      severity: 'warn',
      words: ['1000 GiB on 10.211.0.11', '600 GiB on 10.211.0.12', 'usable mirrored capacity is 600 GiB'],
    });
  });
});

describe('disk.media-mismatch', () => {
  it('passes pools of the same kind (both with the spinning sdd)', () => {
    expectOne(run(diskMediaMismatch, vmPair('', grown)), {
      id: 'disk.media-mismatch',
      severity: 'pass',
      words: ['Both pools use spinning disks'],
    });
  });

  it('warns when one pool spins and the other is solid state', () => {
    const context = vmPair('storage:\n  disks:\n    b: [/dev/nvme0n1]\n', grown);
    expectOne(run(diskMediaMismatch, context), {
      id: 'disk.media-mismatch',
      severity: 'warn',
      words: ['10.211.0.11 pools spinning disks', '10.211.0.12 solid-state disks', 'slower one'],
    });
  });
});
