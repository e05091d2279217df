import type { ProbeNode } from '../../../provisioning/api/contract';
import { isFactError, type Disk, type Inventory, type Nic } from '../../../provisioning/api/inventory';
import type { NodeKey } from '../../../provisioning/api/site';
import { endpointLabel } from '../format';

/**
 * The two servers as the Network roles and Disks screens read them: the inventory of
 * each (in site order: the first chosen server is node `a`), under the name a person
 * knows it by.
 */
export interface ServerFacts {
  readonly key: NodeKey;
  /** The host name, or the address when the host name could not be read. */
  readonly label: string;
  /** The address Lockstep reaches it at (the management network). */
  readonly address: string;
  readonly nics: readonly Nic[];
  /** Null when the disks could not be read (the reason is in `disksProblem`). */
  readonly disks: readonly Disk[] | null;
  readonly disksProblem?: string;
  /** The container kind when the server is one (it cannot own disks). */
  readonly container: string | null;
}

/** Both servers from the inventory, or undefined until both were read. */
export function serversOf(nodes: readonly ProbeNode[] | undefined): readonly [ServerFacts, ServerFacts] | undefined {
  const [first, second] = nodes ?? [];
  if (!first?.ok || !second?.ok) return undefined;
  return [factsOf('a', first.endpoint, first.inventory), factsOf('b', second.endpoint, second.inventory)];
}

function factsOf(key: NodeKey, endpoint: { host: string; port: number }, inventory: Inventory): ServerFacts {
  const virt = inventory.virtualization;
  return {
    key,
    label: isFactError(inventory.host) ? endpointLabel(endpoint) : inventory.host.hostname,
    address: endpoint.host,
    nics: isFactError(inventory.nics) ? [] : inventory.nics,
    disks: isFactError(inventory.disks) ? null : inventory.disks,
    ...(isFactError(inventory.disks) && { disksProblem: inventory.disks.error }),
    container: isFactError(virt) ? null : virt.container,
  };
}
