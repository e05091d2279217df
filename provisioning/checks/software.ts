import { isFactError } from '../api/inventory';
import { coloSupport } from '../ft/support';
import { assertNever } from '../util/assert-never';
import { finding, reachedNodes, type Check } from './types';

/** Software checks: package source, conflicts, DRBD and COLO (PRODUCT.md "Software"). */

export const pkgSourceUnreachable: Check = {
  id: 'pkg.source-unreachable',
  applicable: () => true,
  run: (context) =>
    reachedNodes(context).map((node) => {
      if (context.site.packages.source === 'bundle') {
        const bundle = context.site.packages.bundle;
        return context.bundle && !context.bundle.ready
          ? finding(
              'pkg.source-unreachable',
              'fail',
              `The offline bundle ${bundle} is not built: ${context.bundle.detail}.`,
              {
                node: node.label,
                remedy: `Build it on this computer: lockstep bundle build --out ${bundle}`,
              },
            )
          : finding('pkg.source-unreachable', 'pass', `Packages come from the offline bundle ${bundle}.`, {
              node: node.label,
            });
      }
      const source = node.extras?.packageSource;
      if (!source)
        return finding('pkg.source-unreachable', 'warn', 'The package source could not be checked.', {
          node: node.label,
        });
      if (source.sources.length === 0)
        return finding(
          'pkg.source-unreachable',
          'fail',
          'No Debian package source is configured (apt has no sources).',
          { node: node.label },
        );
      if (source.unreachable.length > 0)
        return finding(
          'pkg.source-unreachable',
          'fail',
          `The package source does not answer: ${source.unreachable.map((entry) => `${entry.url} (${entry.error})`).join('; ')}.`,
          { node: node.label },
        );
      return finding(
        'pkg.source-unreachable',
        'pass',
        `Package source reachable (${source.sources.length} index${source.sources.length === 1 ? '' : 'es'}).`,
        {
          node: node.label,
        },
      );
    }),
};

/** Packages of hypervisors that cannot share a server with the chosen profile. */
const FOREIGN = ['proxmox-ve', 'pve-manager', 'virtualbox', 'virtualbox-dkms', 'vmware-workstation'];
const OTHER_HYPERVISORS: Record<'kvm' | 'xen', readonly string[]> = {
  kvm: ['xen-hypervisor-common', ...FOREIGN],
  xen: FOREIGN,
};

export const pkgConflict: Check = {
  id: 'pkg.conflict',
  applicable: () => true,
  run: (context) =>
    reachedNodes(context).map((node) => {
      const problems: string[] = [];
      const packages = isFactError(node.inventory.packages) ? [] : node.inventory.packages;
      const installed = new Set(packages.filter((entry) => entry.installed).map((entry) => entry.name));
      const hypervisors = OTHER_HYPERVISORS[context.site.hypervisor].filter((name) => installed.has(name));
      if (hypervisors.length > 0)
        problems.push(`another hypervisor is installed (${hypervisors.join(', ')})`);
      const conflicts = node.extras?.conflicts;
      if (!conflicts && hypervisors.length === 0)
        return finding(
          'pkg.conflict',
          'warn',
          'Could not look for an existing cluster, DRBD resources or VMs.',
          { node: node.label },
        );
      const ours = conflicts?.lockstepPair === context.site.name;
      if (conflicts?.xenDom0 && context.site.hypervisor === 'kvm')
        problems.push('the server runs as a Xen dom0');
      if (conflicts?.corosyncConfig && !ours)
        problems.push(
          conflicts.lockstepPair
            ? `it belongs to another Lockstep pair ("${conflicts.lockstepPair}")`
            : 'a Corosync cluster is already configured (/etc/corosync/corosync.conf)',
        );
      if (conflicts?.pacemakerCib && !ours)
        problems.push('a Pacemaker cluster configuration exists (/var/lib/pacemaker/cib/cib.xml)');
      if (conflicts && conflicts.drbdResources.length > 0 && !ours)
        problems.push(`DRBD resources exist (${conflicts.drbdResources.join(', ')})`);
      if (conflicts && conflicts.virtualMachines.length > 0 && !ours)
        problems.push(`virtual machines exist (${conflicts.virtualMachines.join(', ')})`);
      if (problems.length > 0)
        return finding('pkg.conflict', 'fail', `Conflicting software: ${problems.join('; ')}.`, {
          node: node.label,
        });
      return finding(
        'pkg.conflict',
        'pass',
        ours
          ? `Already part of pair "${context.site.name}" (a re-run).`
          : 'No other hypervisor, cluster or VMs.',
        {
          node: node.label,
        },
      );
    }),
};

export const kmodDrbdUnavailable: Check = {
  id: 'kmod.drbd-unavailable',
  applicable: (context) => context.site.availability.default !== 'none',
  run: (context) =>
    reachedNodes(context).map((node) => {
      const drbd = node.extras?.drbd;
      if (!drbd)
        return finding('kmod.drbd-unavailable', 'warn', 'Could not look for the DRBD module.', {
          node: node.label,
        });
      if (drbd.moduleVersion)
        return finding(
          'kmod.drbd-unavailable',
          'pass',
          `DRBD ${drbd.moduleVersion} is available${drbd.loaded ? ' and loaded' : ''}.`,
          { node: node.label },
        );
      const kernel = isFactError(node.inventory.host)
        ? 'the running kernel'
        : `kernel ${node.inventory.host.kernel}`;
      return finding(
        'kmod.drbd-unavailable',
        'fail',
        `${kernel} has no DRBD module: mirrored storage cannot work.`,
        { node: node.label },
      );
    }),
};

/**
 * COLO (`ft`) needs more than the building blocks QEMU lists: the decision is
 * `coloSupport` (provisioning/ft/support.ts), which knows what was measured — e.g. QEMU
 * 7.2 under TCG hangs at a checkpoint, so a server without KVM is refused.
 */
export const ftColoUnsupported: Check = {
  id: 'ft.colo-unsupported',
  applicable: () => true,
  run: (context) => {
    const ft = context.site.availability.default === 'ft';
    return reachedNodes(context).map((node) => {
      const qemu = node.extras?.qemu;
      if (!qemu)
        return finding(
          'ft.colo-unsupported',
          ft ? 'warn' : 'info',
          'Could not look for QEMU and its COLO support.',
          { node: node.label },
        );
      if (!qemu.version)
        return finding(
          'ft.colo-unsupported',
          ft ? 'warn' : 'info',
          'QEMU is not installed yet: COLO support is checked again after installation.',
          { node: node.label },
        );
      const kvm = node.inventory.kvm;
      const verdict = coloSupport({
        version: qemu.version,
        features: qemu.coloFeatures,
        accel: isFactError(kvm) ? null : kvm.devKvm ? 'kvm' : 'tcg',
      });
      switch (verdict.status) {
        case 'proven':
          return finding('ft.colo-unsupported', 'pass', verdict.reason, { node: node.label });
        case 'unproven':
          return finding('ft.colo-unsupported', ft ? 'warn' : 'info', verdict.reason, { node: node.label });
        case 'refused':
          return finding('ft.colo-unsupported', ft ? 'fail' : 'info', verdict.reason, { node: node.label });
        default:
          return assertNever(verdict);
      }
    });
  },
};

export const softwareChecks: readonly Check[] = [
  pkgSourceUnreachable,
  pkgConflict,
  kmodDrbdUnavailable,
  ftColoUnsupported,
];
