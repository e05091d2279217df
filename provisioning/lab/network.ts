import { existsSync } from 'node:fs';
import {
  BUSINESS_BRIDGE,
  HOST_ADDRESS,
  LAB_MACHINES,
  LAB_NODES,
  LAB_WITNESS,
  MANAGEMENT_BRIDGE,
  MANAGEMENT_PREFIX,
  type LabMachineSpec,
} from './constants';
import { run } from './run';

/** Whether a network device exists in the host namespace. */
export function hostLinkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

/** Whether a named network namespace exists (`ip netns add` made /run/netns/NAME). */
export function netnsExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`);
}

async function ip(...words: string[]): Promise<void> {
  await run(['ip', ...words]);
}

/** Host-side devices carry no automatic IPv6 link-local address: the host only speaks on its own bridge. */
async function quietHostLink(name: string): Promise<void> {
  await ip('link', 'set', 'dev', name, 'addrgenmode', 'none');
}

/** A bridge in the host namespace, up. */
async function createBridge(name: string): Promise<void> {
  await ip('link', 'add', 'name', name, 'type', 'bridge');
  await quietHostLink(name);
  await ip('link', 'set', 'dev', name, 'up');
}

/** A veth pair from a host bridge into a server's namespace, named as the server sees it. */
async function plugIntoBridge(
  node: Pick<LabMachineSpec, 'netns'>,
  hostEnd: string,
  bridge: string,
  nic: string,
): Promise<void> {
  await ip('link', 'add', 'name', hostEnd, 'type', 'veth', 'peer', 'name', nic, 'netns', node.netns);
  await quietHostLink(hostEnd);
  await ip('link', 'set', 'dev', hostEnd, 'master', bridge);
  await ip('link', 'set', 'dev', hostEnd, 'up');
  await ip('-n', node.netns, 'link', 'set', 'dev', nic, 'up');
}

/** A machine's own namespace, its management NIC on the management bridge, with its address. */
async function plugIntoManagement(
  machine: LabMachineSpec & {
    readonly nics: { readonly management: string };
    readonly hostVeths: { readonly management: string };
  },
): Promise<void> {
  await ip('netns', 'add', machine.netns);
  await ip('-n', machine.netns, 'link', 'set', 'dev', 'lo', 'up');
  await plugIntoBridge(machine, machine.hostVeths.management, MANAGEMENT_BRIDGE, machine.nics.management);
  await ip(
    '-n',
    machine.netns,
    'addr',
    'add',
    `${machine.address}/${MANAGEMENT_PREFIX}`,
    'dev',
    machine.nics.management,
  );
}

/**
 * Builds the lab's wiring: a management bridge with the host's address, a business
 * bridge without addresses, one namespace per server with its management address, and
 * the private cable, a veth pair straight between the two namespaces with no address,
 * as a direct cable between two real servers would be.
 */
export async function createNetwork(): Promise<void> {
  const [nodeA, nodeB] = LAB_NODES;
  if (!nodeA || !nodeB) throw new Error('the lab needs two servers');
  await createBridge(MANAGEMENT_BRIDGE);
  await ip('addr', 'add', `${HOST_ADDRESS}/${MANAGEMENT_PREFIX}`, 'dev', MANAGEMENT_BRIDGE);
  await createBridge(BUSINESS_BRIDGE);
  for (const node of LAB_NODES) await plugIntoManagement(node);
  // Creation order sets interface indexes; follow each server's name order so that the
  // index order (what `ip link` lists) reveals no role either.
  const ordered = LAB_NODES.flatMap((node) =>
    (['business', 'private'] as const).map((role) => ({ node, role, name: node.nics[role] })),
  ).sort((left, right) => left.name.localeCompare(right.name));
  let cabled = false;
  for (const { node, role } of ordered) {
    if (role === 'business') {
      await plugIntoBridge(node, node.hostVeths.business, BUSINESS_BRIDGE, node.nics.business);
    } else if (!cabled) {
      cabled = true;
      await ip(
        '-n',
        nodeA.netns,
        'link',
        'add',
        'name',
        nodeA.nics.private,
        'type',
        'veth',
        'peer',
        'name',
        nodeB.nics.private,
        'netns',
        nodeB.netns,
      );
      await ip('-n', nodeA.netns, 'link', 'set', 'dev', nodeA.nics.private, 'up');
      await ip('-n', nodeB.netns, 'link', 'set', 'dev', nodeB.nics.private, 'up');
    }
  }
}

/**
 * Plugs the witness into the management network: its own namespace with one NIC on
 * the management bridge and its address, nothing else (it needs no private cable and
 * no business network). The bridge must exist: the pair's network comes first.
 */
export async function createWitnessNetwork(): Promise<void> {
  await plugIntoManagement(LAB_WITNESS);
}

/** Removes the witness's wiring (its veth and namespace), whatever part of it exists. */
export async function destroyWitnessNetwork(): Promise<void> {
  const witness = LAB_WITNESS;
  if (hostLinkExists(witness.hostVeths.management))
    await run(['ip', 'link', 'del', 'dev', witness.hostVeths.management], { allowFailure: true });
  if (netnsExists(witness.netns)) await run(['ip', 'netns', 'del', witness.netns], { allowFailure: true });
}

/** The witness's host-side device names. */
export function witnessHostLinks(): string[] {
  return [LAB_WITNESS.hostVeths.management];
}

/** Every host-side device name the lab may have created, the witness's included. */
export function labHostLinks(): string[] {
  return [
    ...LAB_NODES.flatMap((node) => [node.hostVeths.management, node.hostVeths.business]),
    ...witnessHostLinks(),
    MANAGEMENT_BRIDGE,
    BUSINESS_BRIDGE,
  ];
}

/**
 * Removes the lab's wiring, whatever part of it exists: host veth ends (their peers
 * go with them), the namespaces (the private cable goes with them), the bridges; the
 * witness's too.
 */
export async function destroyNetwork(): Promise<void> {
  for (const name of labHostLinks()) {
    if (hostLinkExists(name)) await run(['ip', 'link', 'del', 'dev', name], { allowFailure: true });
  }
  for (const machine of LAB_MACHINES) {
    if (netnsExists(machine.netns)) await run(['ip', 'netns', 'del', machine.netns], { allowFailure: true });
  }
}
