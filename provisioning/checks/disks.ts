import { isFactError, type Disk } from '../api/inventory';
import { AUTO, type WipeConsent } from '../api/site';
import { Thresholds } from './catalogue';
import { formatBytes } from '../api/units';
import { finding, reachedNodes, type Check, type CheckContext, type NodeState } from './types';

/**
 * Disk checks. The pool of a server is the disks the site file names, or by default
 * every empty candidate; a disk that holds data is only ever part of it when the site
 * file names it for wiping with its model and serial (PRODUCT.md "No silent data loss").
 */
export interface PoolChoice {
  readonly node: NodeState;
  readonly disks: readonly Disk[];
  /** Disks named in the site file that cannot be used, with the reason. */
  readonly refused: readonly { readonly device: string; readonly reason: string }[];
  /** A container cannot own disks: it sees its host's. */
  readonly container: string | null;
}

const matches = (disk: Disk, device: string): boolean =>
  disk.path === device || disk.name === device.replace(/^\/dev\//, '') || (disk.byId ?? []).includes(device);

/**
 * A disk whose only use is being a physical volume of the pair's own volume group is
 * already the pool's (a rerun after install), not someone's data.
 */
export function inOwnPool(disk: Disk, volumeGroup: string): boolean {
  return disk.inUse.length > 0 && disk.inUse.every((use) => use.reason === 'lvm-member' && use.volumeGroup === volumeGroup);
}

/** What keeps a disk from the pool, once its membership of the pair's own pool is set aside. */
const otherUses = (disk: Disk, volumeGroup: string): Disk['inUse'] => (inOwnPool(disk, volumeGroup) ? [] : disk.inUse);

function consentFor(disk: Disk, consents: readonly WipeConsent[]): WipeConsent | undefined {
  return consents.find((consent) => matches(disk, consent.device));
}

function consentValid(disk: Disk, consent: WipeConsent): boolean {
  return consent.model === (disk.model ?? '') && consent.serial === (disk.serial ?? '');
}

/** The disks each reached server would give to the pool. */
export function choosePools(context: CheckContext): PoolChoice[] {
  return reachedNodes(context).map((node) => {
    const disks = isFactError(node.inventory.disks) ? [] : node.inventory.disks;
    const virt = node.inventory.virtualization;
    const container = isFactError(virt) ? null : virt.container;
    const wanted = context.site.storage.disks[node.key];
    const consents = context.site.storage.wipe.filter((consent) => consent.node === node.key);
    const volumeGroup = context.site.storage.volumeGroup;
    if (wanted === AUTO) {
      const free = disks.filter(
        (disk) => otherUses(disk, volumeGroup).length === 0 && !disk.removable && !disk.readOnly,
      );
      const wiped: Disk[] = [];
      const refused: { device: string; reason: string }[] = [];
      for (const consent of consents) {
        const disk = disks.find((candidate) => matches(candidate, consent.device));
        if (!disk)
          refused.push({
            device: consent.device,
            reason: 'storage.wipe names it, but there is no such disk on this server',
          });
        else if (disk.system)
          refused.push({
            device: consent.device,
            reason: 'storage.wipe names it, but it is the system disk',
          });
        else if (!consentValid(disk, consent))
          refused.push({ device: consent.device, reason: wipeMismatch(disk, consent) });
        else if (otherUses(disk, volumeGroup).length > 0) wiped.push(disk);
      }
      return { node, disks: [...free, ...wiped], refused, container };
    }
    const chosen: Disk[] = [];
    const refused: { device: string; reason: string }[] = [];
    for (const device of wanted) {
      const disk = disks.find((candidate) => matches(candidate, device));
      if (!disk) {
        refused.push({ device, reason: 'no such disk on this server' });
        continue;
      }
      if (disk.system) {
        refused.push({ device, reason: 'it is the system disk' });
        continue;
      }
      const consent = consentFor(disk, consents);
      if (otherUses(disk, volumeGroup).length > 0 && !consent) {
        refused.push({
          device,
          reason: `it holds data (${disk.inUse.map((use) => use.detail).join('; ')}) and is not named for wiping`,
        });
        continue;
      }
      if (consent && !consentValid(disk, consent)) {
        refused.push({ device, reason: wipeMismatch(disk, consent) });
        continue;
      }
      chosen.push(disk);
    }
    return { node, disks: chosen, refused, container };
  });
}

function wipeMismatch(disk: Disk, consent: WipeConsent): string {
  return `the wipe consent names model "${consent.model}" serial "${consent.serial}", but the disk is model "${disk.model ?? ''}" serial "${disk.serial ?? ''}"`;
}

const poolSize = (pool: PoolChoice): number => pool.disks.reduce((sum, disk) => sum + disk.sizeBytes, 0);
const describe = (disk: Disk): string =>
  `${disk.path} (${formatBytes(disk.sizeBytes)}${disk.model ? `, ${disk.model}` : ''}${disk.serial ? ` ${disk.serial}` : ''}${disk.inUse.length > 0 ? `, ${disk.inUse.map((use) => use.detail).join('; ')}` : ''})`;

export const diskNoneAvailable: Check = {
  id: 'disk.none-available',
  applicable: (context) => context.site.availability.default !== 'none',
  run: (context) =>
    choosePools(context).map((pool) => {
      const node = pool.node.label;
      if (pool.container)
        return finding(
          'disk.none-available',
          'fail',
          `The server is a ${pool.container} container: it sees its host's disks and cannot own a disk for the mirrored pool.`,
          {
            node,
            remedy:
              'Use real servers or virtual machines for mirrored storage (`lockstep lab up --kind vm` gives a practice pair with its own disks).',
          },
        );
      if (pool.disks.length === 0)
        return finding(
          'disk.none-available',
          'fail',
          'No empty disk besides the system disk is available for the mirrored pool.',
          { node },
        );
      return finding('disk.none-available', 'pass', `Pool disks: ${pool.disks.map(describe).join(', ')}.`, {
        node,
      });
    }),
};

export const diskInUse: Check = {
  id: 'disk.in-use',
  applicable: () => true,
  run: (context) =>
    choosePools(context).flatMap((pool) => {
      const findings = pool.refused.map((refusal) =>
        finding('disk.in-use', 'fail', `${refusal.device} cannot be used: ${refusal.reason}.`, {
          node: pool.node.label,
          subject: refusal.device,
        }),
      );
      const disks = isFactError(pool.node.inventory!.disks) ? [] : pool.node.inventory!.disks;
      for (const disk of disks) {
        if (
          disk.inUse.length === 0 ||
          pool.disks.includes(disk) ||
          pool.refused.some((r) => matches(disk, r.device))
        )
          continue;
        findings.push(
          finding(
            'disk.in-use',
            'info',
            `${describe(disk)} is in use and will not be touched: ${disk.inUse.map((use) => use.detail).join('; ')}.`,
            {
              node: pool.node.label,
              subject: disk.path,
              remedy: disk.system ? 'Nothing to do: this is the system disk.' : undefined,
            },
          ),
        );
      }
      return findings;
    }),
};

export const diskTooSmall: Check = {
  id: 'disk.too-small',
  applicable: (context) => context.site.availability.default !== 'none',
  run: (context) =>
    choosePools(context)
      .filter((pool) => pool.disks.length > 0 && !pool.container)
      .map((pool) => {
        const size = poolSize(pool);
        return size < Thresholds.diskMinBytes
          ? finding(
              'disk.too-small',
              'fail',
              `The pool would be ${formatBytes(size)}; at least ${formatBytes(Thresholds.diskMinBytes)} is needed.`,
              { node: pool.node.label },
            )
          : finding('disk.too-small', 'pass', `Pool of ${formatBytes(size)}.`, { node: pool.node.label });
      }),
};

export const diskSizeMismatch: Check = {
  id: 'disk.size-mismatch',
  applicable: (context) => context.site.availability.default !== 'none',
  run: (context) => {
    const pools = choosePools(context).filter((pool) => pool.disks.length > 0 && !pool.container);
    const [a, b] = pools;
    if (!a || !b) return [];
    const sizeA = poolSize(a);
    const sizeB = poolSize(b);
    const usable = Math.min(sizeA, sizeB);
    const ratio = Math.abs(sizeA - sizeB) / Math.max(sizeA, sizeB);
    return ratio > Thresholds.diskMismatchRatio
      ? [
          finding(
            'disk.size-mismatch',
            'warn',
            `Pools differ: ${formatBytes(sizeA)} on ${a.node.label}, ${formatBytes(sizeB)} on ${b.node.label}; usable mirrored capacity is ${formatBytes(usable)}.`,
          ),
        ]
      : [finding('disk.size-mismatch', 'pass', `Usable mirrored capacity: ${formatBytes(usable)}.`)];
  },
};

export const diskMediaMismatch: Check = {
  id: 'disk.media-mismatch',
  applicable: (context) => context.site.availability.default !== 'none',
  run: (context) => {
    const pools = choosePools(context).filter((pool) => pool.disks.length > 0 && !pool.container);
    const [a, b] = pools;
    if (!a || !b) return [];
    const spinning = (pool: PoolChoice): boolean => pool.disks.some((disk) => disk.media === 'hdd');
    const kind = (pool: PoolChoice): string => (spinning(pool) ? 'spinning disks' : 'solid-state disks');
    return spinning(a) !== spinning(b)
      ? [
          finding(
            'disk.media-mismatch',
            'warn',
            `${a.node.label} pools ${kind(a)}, ${b.node.label} ${kind(b)}: every write waits for the slower one.`,
          ),
        ]
      : [finding('disk.media-mismatch', 'pass', `Both pools use ${kind(a)}.`)];
  },
};

export const diskChecks: readonly Check[] = [
  diskNoneAvailable,
  diskInUse,
  diskTooSmall,
  diskSizeMismatch,
  diskMediaMismatch,
];
