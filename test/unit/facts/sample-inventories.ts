import type { Inventory } from '../../../provisioning/api/inventory';
import { INVENTORY_FACTS } from '../../../provisioning/facts/catalogue';
import type { Section } from '../../../provisioning/facts/frame';
import { buildInventory, type InventoryOutcomes } from '../../../provisioning/facts/inventory';
import { interpret } from '../../../provisioning/facts/run';
import type { Fact } from '../../../provisioning/facts/types';
import { fixture } from './load-fixture';

type Sections = Partial<Record<keyof typeof INVENTORY_FACTS, Section>>;

const ok = (path: string, code = 0): Section => ({ stdout: fixture(path), stderr: '', code });

function inventoryFrom(sections: Sections): Inventory {
  const outcomes = Object.fromEntries(
    Object.entries(INVENTORY_FACTS).map(([key, fact]) => [
      key,
      interpret(fact as Fact<unknown>, sections[key as keyof Sections]),
    ]),
  ) as InventoryOutcomes;
  return buildInventory(outcomes, { collectedAt: '2026-11-29T11:05:00.000Z', durationMs: 120 });
}

/** The development machine, every fact as captured there (see the PROVENANCE.md files). */
export function devMachineInventory(): Inventory {
  return inventoryFrom({
    system: ok('system/dev-machine.txt'),
    osRelease: ok('os-release/dev-machine.txt'),
    cpu: ok('cpu/dev-machine.json'),
    cpuFlags: ok('cpu-flags/dev-machine.txt'),
    xenCapabilities: ok('xen-capabilities/dev-machine.txt'),
    virtualization: ok('virtualization/dev-machine.txt'),
    memory: ok('memory/dev-machine.txt'),
    xenMemory: ok('xen-memory/dev-machine.txt'),
    blockDevices: ok('block-devices/dev-machine.json'),
    diskIds: ok('disk-ids/dev-machine.txt'),
    physicalVolumes: ok('physical-volumes/dev-machine.txt'),
    mounts: ok('mounts/dev-machine.json'),
    swaps: ok('swaps/dev-machine.txt'),
    links: ok('links/dev-machine.json'),
    addresses: ok('addresses/dev-machine.json'),
    nicSysfs: ok('nic-sysfs/dev-machine.txt'),
    timeSync: { stdout: '', stderr: fixture('time-sync/dev-machine-no-systemd.stderr.txt'), code: 1 },
    chrony: { stdout: '', stderr: fixture('chrony/dev-machine-not-installed.stderr.txt'), code: 127 },
    packages: ok('packages/dev-machine.txt', 1),
    kvm: ok('kvm/dev-machine.txt'),
  });
}

/** The QEMU TCG guest (NVMe/SATA/LVM/RAID, bond/VLAN/bridge); facts not captured there are missing. */
export function qemuInventory(): Inventory {
  return inventoryFrom({
    cpu: ok('cpu/qemu-tcg-cpu-max.json'),
    cpuFlags: ok('cpu-flags/qemu-tcg-cpu-max.txt'),
    virtualization: ok('virtualization/qemu-tcg.txt'),
    memory: ok('memory/qemu-tcg-768m.txt'),
    blockDevices: ok('block-devices/qemu-nvme-sata-lvm-raid.json'),
    diskIds: ok('disk-ids/qemu-nvme-sata-lvm-raid.txt'),
    mounts: ok('mounts/qemu-nvme-sata-lvm-raid.json'),
    swaps: ok('swaps/qemu-lvm-swap.txt'),
    links: ok('links/qemu-bond-vlan-bridge.json'),
    addresses: ok('addresses/qemu-bond-vlan-bridge.json'),
    nicSysfs: ok('nic-sysfs/qemu-bond-vlan-bridge.txt'),
    kvm: ok('kvm/qemu-tcg-no-kvm.txt'),
  });
}
