import { isFactError } from '../api/inventory';
import { choosePools } from './disks';
import type { CheckContext } from './types';

/**
 * What the pair can host, computed from the smaller node as everRun does: a protected
 * VM must fit on either server alone, so the smaller one decides.
 */
export interface Capacity {
  /** Mirrored pool usable for VM disks (the smaller pool, less DRBD metadata ~0.1%). */
  readonly poolBytes: number | null;
  /** Logical CPUs for VMs, leaving one per node for the host and the cluster. */
  readonly vcpus: number | null;
  /** Memory for VMs, leaving the host 2 GiB plus 5% (no overcommit of protected VMs). */
  readonly memoryBytes: number | null;
}

const HOST_RESERVED_CPUS = 1;
const HOST_RESERVED_MEMORY = 2 * 1024 ** 3;
const HOST_RESERVED_MEMORY_SHARE = 0.05;
const DRBD_METADATA_SHARE = 0.001;

export function computeCapacity(context: CheckContext): Capacity {
  const inventories = context.nodes.map((node) => node.inventory);
  const cpus = inventories.map((inventory) =>
    inventory && !isFactError(inventory.cpu) ? inventory.cpu.logicalCpus : null,
  );
  const memory = inventories.map((inventory) =>
    inventory && !isFactError(inventory.memory) ? inventory.memory.totalBytes : null,
  );
  const pools = choosePools(context).map((pool) =>
    pool.container ? 0 : pool.disks.reduce((sum, disk) => sum + disk.sizeBytes, 0),
  );
  const smallest = (values: readonly (number | null | undefined)[]): number | null =>
    values.length === 2 && values.every((value) => typeof value === 'number')
      ? Math.min(...(values as number[]))
      : null;
  const cpu = smallest(cpus);
  const mem = smallest(memory);
  const pool = smallest(pools);
  return {
    poolBytes: pool === null ? null : Math.floor(pool * (1 - DRBD_METADATA_SHARE)),
    vcpus: cpu === null ? null : Math.max(0, cpu - HOST_RESERVED_CPUS),
    memoryBytes:
      mem === null
        ? null
        : Math.max(0, Math.floor(mem * (1 - HOST_RESERVED_MEMORY_SHARE) - HOST_RESERVED_MEMORY)),
  };
}
