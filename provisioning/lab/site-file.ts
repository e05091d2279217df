import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { LabNodeSpec } from './constants';

/** `<lab dir>/site.yaml`. */
export function siteFilePath(labDirectory: string): string {
  return join(labDirectory, 'site.yaml');
}

/**
 * Where the practice lab takes its packages from: its servers have no internet, so
 * the pair is installed from an offline bundle built on this computer
 * (`lockstep bundle build --out LAB_BUNDLE_DIR`), as a site without internet would.
 */
export const LAB_BUNDLE_DIR = '/var/cache/lockstep/bundles/bookworm';

/** What tells one lab's site file from another's: the pair's name and how its servers are described. */
export interface LabSiteKind {
  readonly name: string;
  /** What the servers are (`containers`, `QEMU VMs`). */
  readonly servers: string;
  /** The same, starting a sentence. */
  readonly noBmc: string;
  /** The command that brings the lab up. */
  readonly command: string;
  /** Written out only when not the default (kvm). */
  readonly hypervisor?: 'kvm' | 'xen';
}

/** The container lab's site file (`lockstep lab up`). */
export const CONTAINER_LAB_SITE: LabSiteKind = {
  name: 'lab',
  servers: 'containers',
  noBmc: 'Containers',
  command: 'lockstep lab up',
};

/**
 * The lab pair's site file: what a user would write for two servers without BMCs and
 * without internet. Everything else stays automatic, found by probing.
 */
export function siteFileText(
  nodes: readonly Pick<LabNodeSpec, 'address'>[],
  identityFile: string,
  kind: LabSiteKind = CONTAINER_LAB_SITE,
): string {
  const body = stringify({
    name: kind.name,
    nodes: nodes.map((node) => ({ address: node.address })),
    ssh: { user: 'root', identityFile },
  });
  return [
    `# The practice lab: two Debian 12 ${kind.servers} on this computer (\`${kind.command}\`).`,
    body.trimEnd(),
    ...(kind.hypervisor === 'xen' ? ['# Xen instead of KVM: the install reboots both servers into Xen (dom0).', 'hypervisor: xen'] : []),
    `# ${kind.noBmc} have no BMC to fence with: the risk is acknowledged, and the console shows it.`,
    'fencing:',
    '  mode: none',
    '  acknowledgeNoFencing: true',
    `# The lab servers have no internet: packages come from an offline bundle built here`,
    `# with \`lockstep bundle build --out ${LAB_BUNDLE_DIR}\`.`,
    'packages:',
    '  source: bundle',
    `  bundle: ${LAB_BUNDLE_DIR}`,
    '',
  ].join('\n');
}

/** Writes the lab's site file and returns its path. */
export function writeSiteFile(
  labDirectory: string,
  nodes: readonly Pick<LabNodeSpec, 'address'>[],
  identityFile: string,
  kind: LabSiteKind = CONTAINER_LAB_SITE,
): string {
  const file = siteFilePath(labDirectory);
  writeFileSync(file, siteFileText(nodes, identityFile, kind), { mode: 0o644 });
  return file;
}
