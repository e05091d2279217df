import { LockstepError } from '../../api/errors';
import { hostLinkExists } from '../network';
import { run } from '../run';
import {
  VM_BUSINESS_BRIDGE,
  VM_HOST_ADDRESS,
  VM_LAB_NODES,
  VM_MANAGEMENT_BRIDGE,
  VM_MANAGEMENT_PREFIX,
  VM_MANAGEMENT_SUBNET,
} from './constants';

async function ip(...words: string[]): Promise<void> {
  await run(['ip', ...words]);
}

/** A host device that carries no automatic IPv6 address: the host only speaks on its management bridge. */
async function quiet(name: string): Promise<void> {
  await ip('link', 'set', 'dev', name, 'addrgenmode', 'none');
}

async function bridge(name: string): Promise<void> {
  await ip('link', 'add', 'name', name, 'type', 'bridge');
  await quiet(name);
  await ip('link', 'set', 'dev', name, 'up');
}

async function tap(name: string, master: string): Promise<void> {
  await ip('tuntap', 'add', 'dev', name, 'mode', 'tap');
  await quiet(name);
  await ip('link', 'set', 'dev', name, 'master', master);
  await ip('link', 'set', 'dev', name, 'up');
}

/**
 * Refuses to wire the lab when this computer already routes (part of) the lab's
 * management subnet elsewhere: the lab's traffic must reach only the lab's VMs.
 */
async function assertSubnetFree(): Promise<void> {
  const result = await run(['ip', '-j', 'route', 'show', 'root', VM_MANAGEMENT_SUBNET]);
  const routes = JSON.parse(result.stdout || '[]') as { dst?: string; dev?: string }[];
  const foreign = routes.filter((route) => route.dev !== VM_MANAGEMENT_BRIDGE);
  if (foreign.length > 0) {
    throw new LockstepError({
      code: 'lab.failed',
      message: `This computer already routes ${foreign.map((route) => `${route.dst ?? '?'} via ${route.dev ?? '?'}`).join(', ')}, inside the VM lab's management subnet ${VM_MANAGEMENT_SUBNET}.`,
      remedy: 'Remove that route or network, or run the VM lab on another computer.',
    });
  }
}

/**
 * The VM lab's host wiring: a management bridge with the host's address, a business
 * bridge without one, and a TAP per VM on each. The private link is no host device:
 * QEMU carries it between the two VMs (a datagram socket pair), as a cable would.
 */
export async function createVmNetwork(): Promise<void> {
  await assertSubnetFree();
  await bridge(VM_MANAGEMENT_BRIDGE);
  await ip('addr', 'add', `${VM_HOST_ADDRESS}/${VM_MANAGEMENT_PREFIX}`, 'dev', VM_MANAGEMENT_BRIDGE);
  await bridge(VM_BUSINESS_BRIDGE);
  for (const node of VM_LAB_NODES) {
    await tap(node.taps.management, VM_MANAGEMENT_BRIDGE);
    await tap(node.taps.business, VM_BUSINESS_BRIDGE);
  }
}

/** Every host device the VM lab may have created. */
export function vmLabHostLinks(): string[] {
  return [
    ...VM_LAB_NODES.flatMap((node) => [node.taps.management, node.taps.business]),
    VM_MANAGEMENT_BRIDGE,
    VM_BUSINESS_BRIDGE,
  ];
}

/** Removes the VM lab's TAPs and bridges, whatever part of them exists. */
export async function destroyVmNetwork(): Promise<void> {
  for (const name of vmLabHostLinks()) {
    if (hostLinkExists(name)) await run(['ip', 'link', 'del', 'dev', name], { allowFailure: true });
  }
}
