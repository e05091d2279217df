import { describe, expect, it } from 'vitest';
import { InventorySchema, isFactError } from '../../../provisioning/api/inventory';
import { devMachineInventory, qemuInventory } from './sample-inventories';

describe('buildInventory', () => {
  it('builds a schema-valid inventory of the dev machine, keeping the failed time fact as an error', () => {
    const inventory = devMachineInventory();
    expect(InventorySchema.parse(inventory)).toEqual(inventory);
    expect(inventory.os).toMatchObject({ id: 'debian', versionId: '12' });
    expect(inventory.cpu).toMatchObject({ vendor: 'GenuineIntel', virtualization: null });
    expect(inventory.virtualization).toEqual({ vm: 'kvm', container: 'docker', hypervisorVendor: 'KVM' });
    expect(inventory.kvm).toEqual({ devKvm: true, nested: null });
    expect(isFactError(inventory.time)).toBe(true);
    expect(inventory.problems.map((p) => p.fact)).toEqual(['time-sync']);
  });

  it('detects svm and the QEMU hypervisor in the TCG guest, and keeps every missing fact as a problem', () => {
    const inventory = qemuInventory();
    expect(InventorySchema.parse(inventory)).toEqual(inventory);
    expect(inventory.cpu).toMatchObject({ virtualization: 'svm', sockets: 2, coresPerSocket: 2 });
    expect(inventory.virtualization).toMatchObject({ vm: 'qemu', container: null });
    expect(isFactError(inventory.os)).toBe(true);
    expect(inventory.problems.map((p) => p.fact).sort()).toEqual([
      'chrony',
      'os-release',
      'packages',
      'physical-volumes',
      'system',
      'time-sync',
      'xen-capabilities',
      'xen-memory',
    ]);
  });
});
