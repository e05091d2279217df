/**
 * Assembles the `Inventory` of one server from its fact outcomes (pure), keeping every
 * failure: a section whose main fact failed is a `FactError`; a helper fact that failed
 * (e.g. findmnt) only makes its section less complete and is listed in `problems`.
 */
import type { CpuInfo, FactError, Inventory, TimeInfo, VirtualizationInfo } from '../api/inventory';
import type { InventoryFactValues } from './catalogue';
import { virtualizationFlag, xenHvmFlag } from './cpu';
import { hostMemory } from './memory';
import { buildDisks } from './disks';
import { buildNics } from './nics';
import type { FactOutcome } from './run';

export type InventoryOutcomes = { [K in keyof InventoryFactValues]: FactOutcome<InventoryFactValues[K]> };

function valueOf<T>(outcome: FactOutcome<T>): T | undefined {
  return outcome.ok ? outcome.value : undefined;
}

function orError<T, R>(outcome: FactOutcome<T>, build: (value: T) => R): R | FactError {
  return outcome.ok ? build(outcome.value) : outcome.error;
}

/** Builds the inventory; `meta` comes from the runner (timing). */
export function buildInventory(
  outcomes: InventoryOutcomes,
  meta: { readonly collectedAt: string; readonly durationMs: number },
): Inventory {
  const problems = Object.values(outcomes).flatMap((outcome: FactOutcome<unknown>) =>
    outcome.ok ? [] : [outcome.error],
  );
  const kernelFlags = valueOf(outcomes.cpuFlags);

  const cpu = ((): CpuInfo | FactError => {
    const lscpu = valueOf(outcomes.cpu);
    if (!lscpu && !kernelFlags) return outcomes.cpu.ok ? (undefined as never) : outcomes.cpu.error;
    const flags = [...(kernelFlags ?? lscpu?.flags ?? [])];
    return {
      architecture: lscpu?.architecture ?? null,
      vendor: lscpu?.vendor ?? null,
      model: lscpu?.model ?? null,
      sockets: lscpu?.sockets ?? null,
      coresPerSocket: lscpu?.coresPerSocket ?? null,
      threadsPerCore: lscpu?.threadsPerCore ?? null,
      logicalCpus: lscpu?.logicalCpus ?? null,
      virtualization: virtualizationFlag(flags) ?? xenHvmFlag(valueOf(outcomes.xenCapabilities) ?? [], lscpu?.vendor ?? null),
      flags,
    };
  })();

  const virtualization = ((): VirtualizationInfo | FactError => {
    const detected = valueOf(outcomes.virtualization);
    const hypervisorVendor = valueOf(outcomes.cpu)?.hypervisorVendor ?? null;
    if (detected) return { vm: detected.vm, container: detected.container, hypervisorVendor };
    // Without systemd-detect-virt, the CPU's `hypervisor` flag still tells a VM from bare metal.
    const flags = kernelFlags ?? valueOf(outcomes.cpu)?.flags;
    if (!flags) return outcomes.virtualization.ok ? (undefined as never) : outcomes.virtualization.error;
    return {
      vm: flags.includes('hypervisor') ? (hypervisorVendor?.toLowerCase() ?? 'unknown') : null,
      container: null,
      hypervisorVendor,
    };
  })();

  const time = ((): TimeInfo | FactError => {
    const timedatectl = valueOf(outcomes.timeSync);
    const chrony = valueOf(outcomes.chrony) ?? null;
    if (!timedatectl && !chrony) return outcomes.timeSync.ok ? (undefined as never) : outcomes.timeSync.error;
    const chronySynced = chrony ? chrony.leapStatus === 'Normal' : null;
    return {
      timezone: timedatectl?.timezone ?? null,
      ntpEnabled: timedatectl?.ntpEnabled ?? null,
      synchronized: timedatectl?.synchronized ?? chronySynced,
      chrony,
    };
  })();

  return {
    schemaVersion: 1,
    collectedAt: meta.collectedAt,
    durationMs: meta.durationMs,
    host: orError(outcomes.system, (value) => value),
    os: orError(outcomes.osRelease, (value) => value),
    cpu,
    virtualization,
    memory: orError(outcomes.memory, (value) => hostMemory(value, valueOf(outcomes.xenMemory))),
    disks: orError(outcomes.blockDevices, (devices) =>
      buildDisks({
        devices,
        mounts: valueOf(outcomes.mounts),
        swaps: valueOf(outcomes.swaps),
        ids: valueOf(outcomes.diskIds),
        physicalVolumes: valueOf(outcomes.physicalVolumes),
      }),
    ),
    nics: orError(outcomes.links, (links) =>
      buildNics({ links, addresses: valueOf(outcomes.addresses), sysfs: valueOf(outcomes.nicSysfs) }),
    ),
    time,
    packages: orError(outcomes.packages, (value) => value),
    kvm: orError(outcomes.kvm, (value) => value),
    problems,
  };
}
