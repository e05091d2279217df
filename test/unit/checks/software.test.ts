import { describe, expect, it } from 'vitest';
import { RELEVANT_PACKAGES } from '../../../provisioning/facts/packages';
import {
  ftColoUnsupported,
  kmodDrbdUnavailable,
  pkgConflict,
  pkgSourceUnreachable,
} from '../../../provisioning/checks/software';
import {
  LAB,
  capturedExtras,
  expectFinding,
  forNode,
  labContext,
  labSite,
  mapInventory,
  run,
  withExtra,
  withNode,
  withPackageInstalled,
} from './context';

const ft = 'availability:\n  default: ft\n';
const dev = capturedExtras('dev-machine');

describe('pkg.source-unreachable', () => {
  it('passes a reachable mirror (this machine reads deb.debian.org)', () => {
    const context = withExtra(labContext(), 'a', 'packageSource', dev.packageSource);
    expectFinding(forNode(run(pkgSourceUnreachable, context), LAB.a)[0], {
      id: 'pkg.source-unreachable',
      severity: 'pass',
      node: LAB.a,
      words: ['Package source reachable (3 indexes)'],
    });
  });

  it('passes with an offline bundle without looking at the mirror', () => {
    const context = labContext({
      site: labSite('packages:\n  source: bundle\n  bundle: /srv/lockstep-bundle.tar\n'),
    });
    expectFinding(forNode(run(pkgSourceUnreachable, context), LAB.b)[0], {
      id: 'pkg.source-unreachable',
      severity: 'pass',
      node: LAB.b,
      words: ['offline bundle /srv/lockstep-bundle.tar'],
    });
  });

  it('fails when the mirror does not answer (the lab has no route out)', () => {
    expectFinding(forNode(run(pkgSourceUnreachable, labContext()), LAB.a)[0], {
      id: 'pkg.source-unreachable',
      severity: 'fail',
      node: LAB.a,
      words: ['does not answer', 'http://deb.debian.org/debian/dists/bookworm/InRelease'],
    });
  });

  it('fails when apt has no sources', () => {
    const context = withExtra(labContext(), 'b', 'packageSource', { sources: [], unreachable: [] });
    expectFinding(forNode(run(pkgSourceUnreachable, context), LAB.b)[0], {
      id: 'pkg.source-unreachable',
      severity: 'fail',
      node: LAB.b,
      words: ['No Debian package source is configured'],
    });
  });

  it('warns when it could not be checked', () => {
    const context = withNode(labContext(), 'a', { extras: undefined });
    expectFinding(forNode(run(pkgSourceUnreachable, context), LAB.a)[0], {
      id: 'pkg.source-unreachable',
      severity: 'warn',
      node: LAB.a,
      words: ['could not be checked'],
    });
  });

  // BUG (confusing message): the captured failure starts with apt-helper's sandbox warning
  // "W: Download is performed unsandboxed as root…" and the 200-character cut
  // (extras.ts `cut -c1-200`) ends inside "E: Failed to fetch http://deb.debian.or", so the
  // user never sees why the mirror failed.
  it('tells why the mirror failed, without apt’s sandbox warning', () => {
    const [finding] = forNode(run(pkgSourceUnreachable, labContext()), LAB.a);
    expect(finding?.message).not.toContain('unsandboxed');
    expect(finding?.message).toMatch(/Could not (resolve|connect)|timed out|Temporary failure/);
  });
});

describe('pkg.conflict', () => {
  it('passes servers without another hypervisor, cluster or VMs (the lab)', () => {
    expectFinding(forNode(run(pkgConflict, labContext()), LAB.a)[0], {
      id: 'pkg.conflict',
      severity: 'pass',
      node: LAB.a,
      words: ['No other hypervisor, cluster or VMs'],
    });
  });

  it('passes a re-run on servers of this very pair', () => {
    const context = withExtra(labContext(), 'a', 'conflicts', {
      ...capturedExtras('lab-a').conflicts,
      corosyncConfig: true,
      lockstepPair: 'lab',
    });
    expectFinding(forNode(run(pkgConflict, context), LAB.a)[0], {
      id: 'pkg.conflict',
      severity: 'pass',
      node: LAB.a,
      words: ['Already part of pair "lab"'],
    });
  });

  it('fails another hypervisor package', () => {
    const context = mapInventory(labContext(), 'b', (inv) =>
      withPackageInstalled(inv, 'xen-hypervisor-common', '4.17.5'),
    );
    expectFinding(forNode(run(pkgConflict, context), LAB.b)[0], {
      id: 'pkg.conflict',
      severity: 'fail',
      node: LAB.b,
      words: ['another hypervisor is installed (xen-hypervisor-common)'],
    });
  });

  it('fails a foreign Corosync cluster, another Lockstep pair, a Pacemaker CIB, DRBD resources and VMs', () => {
    const base = capturedExtras('lab-a').conflicts;
    const cases = [
      [{ corosyncConfig: true }, 'a Corosync cluster is already configured'],
      [{ corosyncConfig: true, lockstepPair: 'other' }, 'another Lockstep pair ("other")'],
      [{ pacemakerCib: true }, 'Pacemaker cluster configuration exists'],
      [{ drbdResources: ['/etc/drbd.d/r0.res'] }, 'DRBD resources exist (/etc/drbd.d/r0.res)'],
      [{ virtualMachines: ['web1'] }, 'virtual machines exist (web1)'],
      [{ xenDom0: true }, 'runs as a Xen dom0'],
    ] as const;
    for (const [patch, words] of cases) {
      const context = withExtra(labContext(), 'a', 'conflicts', { ...base, ...patch });
      expectFinding(forNode(run(pkgConflict, context), LAB.a)[0], {
        id: 'pkg.conflict',
        severity: 'fail',
        node: LAB.a,
        words: ['Conflicting software', words],
      });
    }
  });

  // BUG: Proxmox VE is another hypervisor and cluster; the packages fact asks dpkg about
  // proxmox-ve and pve-manager, but pkg.conflict does not look at them.
  it('fails a Proxmox VE server', () => {
    const context = mapInventory(labContext(), 'a', (inv) =>
      withPackageInstalled(inv, 'proxmox-ve', '8.2.0'),
    );
    expect(forNode(run(pkgConflict, context), LAB.a)[0]?.severity).toBe('fail');
  });

  // BUG: pkg.conflict looks for virtualbox, virtualbox-dkms and vmware-workstation, but the
  // packages fact (RELEVANT_PACKAGES) never asks dpkg about them, so they can never be seen.
  it('asks dpkg about every hypervisor package it treats as a conflict', () => {
    for (const name of ['virtualbox', 'virtualbox-dkms', 'vmware-workstation'])
      expect(RELEVANT_PACKAGES).toContain(name);
  });

  // BUG: without the validation facts (cluster, DRBD, VMs not looked at) the check still
  // says "No other hypervisor, cluster or VMs", where its siblings warn "could not be checked".
  it('does not claim "no cluster or VMs" when they were not looked for', () => {
    const context = withNode(labContext(), 'b', { extras: undefined });
    expect(forNode(run(pkgConflict, context), LAB.b)[0]?.severity).not.toBe('pass');
  });
});

describe('kmod.drbd-unavailable', () => {
  it('passes when modinfo knows a drbd module', () => {
    const context = withExtra(labContext(), 'a', 'drbd', { moduleVersion: '8.4.11', loaded: false });
    expectFinding(forNode(run(kmodDrbdUnavailable, context), LAB.a)[0], {
      id: 'kmod.drbd-unavailable',
      severity: 'pass',
      node: LAB.a,
      words: ['DRBD 8.4.11 is available'],
    });
  });

  it('fails when the running kernel has none (the lab’s 6.18 kernel)', () => {
    expectFinding(forNode(run(kmodDrbdUnavailable, labContext()), LAB.b)[0], {
      id: 'kmod.drbd-unavailable',
      severity: 'fail',
      node: LAB.b,
      words: ['kernel 6.18.44-fc-v769 has no DRBD module'],
    });
  });

  it('warns when it could not look', () => {
    const context = withNode(labContext(), 'a', { extras: undefined });
    expectFinding(forNode(run(kmodDrbdUnavailable, context), LAB.a)[0], {
      id: 'kmod.drbd-unavailable',
      severity: 'warn',
      node: LAB.a,
      words: ['Could not look for the DRBD module'],
    });
  });

  it('does not apply without protected VMs', () => {
    expect(
      run(kmodDrbdUnavailable, labContext({ site: labSite('availability:\n  default: none\n') })),
    ).toEqual([]);
  });
});

describe('ft.colo-unsupported', () => {
  // This machine's QEMU 7.2.22 has every building block, and its servers have no working
  // KVM: under TCG a checkpoint of the COLO primary never ends (test/lab/ft-colo.test.ts).
  const withKvm = (context: ReturnType<typeof labContext>, key: 'a' | 'b') =>
    mapInventory(context, key, (inventory) => ({ ...inventory, kvm: { devKvm: true, nested: null } }));

  it('fails at the ft level for QEMU 7.2 without KVM (this machine’s QEMU, measured to hang)', () => {
    const context = withExtra(labContext({ site: labSite(ft) }), 'a', 'qemu', dev.qemu);
    expectFinding(forNode(run(ftColoUnsupported, context), LAB.a)[0], {
      id: 'ft.colo-unsupported',
      severity: 'fail',
      node: LAB.a,
      words: ['QEMU 7.2.22 cannot run COLO here', 'under TCG a checkpoint of the primary never ends'],
    });
  });

  it('gives info at the ha level for the lab’s installed QEMU 7.2 (no KVM in the lab)', () => {
    expectFinding(forNode(run(ftColoUnsupported, labContext()), LAB.a)[0], {
      id: 'ft.colo-unsupported',
      severity: 'info',
      node: LAB.a,
      words: ['cannot run COLO here'],
    });
  });

  it('warns at the ft level for QEMU 7.2 with KVM: not proven, experimental', () => {
    const context = withKvm(withExtra(labContext({ site: labSite(ft) }), 'b', 'qemu', dev.qemu), 'b');
    expectFinding(forNode(run(ftColoUnsupported, context), LAB.b)[0], {
      id: 'ft.colo-unsupported',
      severity: 'warn',
      node: LAB.b,
      words: ['QEMU 7.2.22 with KVM', 'has not run COLO under KVM', 'experimental'],
    });
  });

  it('warns at the ft level when it is unknown whether KVM works', () => {
    const context = mapInventory(labContext({ site: labSite(ft) }), 'a', (inventory) => ({
      ...inventory,
      kvm: { error: 'no answer', fact: 'kvm', code: null },
    }));
    expectFinding(forNode(run(ftColoUnsupported, context), LAB.a)[0], {
      id: 'ft.colo-unsupported',
      severity: 'warn',
      node: LAB.a,
      words: ['unknown whether KVM works'],
    });
  });

  const noQemu = { version: null, coloFeatures: [] };

  it('gives info at the ha level when QEMU is not installed yet', () => {
    expectFinding(forNode(run(ftColoUnsupported, withExtra(labContext(), 'a', 'qemu', noQemu)), LAB.a)[0], {
      id: 'ft.colo-unsupported',
      severity: 'info',
      node: LAB.a,
      words: ['QEMU is not installed yet', 'checked again after installation'],
    });
  });

  it('warns at the ft level when QEMU is not installed yet', () => {
    const context = withExtra(labContext({ site: labSite(ft) }), 'b', 'qemu', noQemu);
    expectFinding(forNode(run(ftColoUnsupported, context), LAB.b)[0], {
      id: 'ft.colo-unsupported',
      severity: 'warn',
      node: LAB.b,
      words: ['QEMU is not installed yet'],
    });
  });

  const withoutReplication = {
    ...dev.qemu,
    coloFeatures: dev.qemu.coloFeatures.filter((f) => f !== 'replication'),
  };

  it('fails at the ft level when a building block is missing', () => {
    const context = withExtra(labContext({ site: labSite(ft) }), 'a', 'qemu', withoutReplication);
    expectFinding(forNode(run(ftColoUnsupported, context), LAB.a)[0], {
      id: 'ft.colo-unsupported',
      severity: 'fail',
      node: LAB.a,
      words: ['QEMU 7.2.22 lacks COLO building blocks: replication'],
    });
  });

  it('gives info at the ha level when a building block is missing', () => {
    const context = withExtra(labContext(), 'a', 'qemu', withoutReplication);
    expectFinding(forNode(run(ftColoUnsupported, context), LAB.a)[0], {
      id: 'ft.colo-unsupported',
      severity: 'info',
      node: LAB.a,
      words: ['lacks COLO building blocks: replication'],
    });
  });
});
