import type { Nic } from '../api/inventory';

/**
 * NICs that could be one end of the private link: real or virtual Ethernet ports and
 * bonds that carry no management traffic and belong to no bridge or bond (a bond's
 * ports are represented by the bond itself).
 */
export function privateLinkCandidates(nics: readonly Nic[], managementNic: string | null): Nic[] {
  const management = managementNic ? nics.find((nic) => nic.name === managementNic) : undefined;
  const managementPorts = new Set(management?.bridgePorts ?? management?.bond?.slaves ?? []);
  return nics.filter(
    (nic) =>
      (nic.kind === 'physical' || nic.kind === 'veth' || nic.kind === 'bond') &&
      nic.master === null &&
      nic.name !== managementNic &&
      !managementPorts.has(nic.name) &&
      nic.mac !== null,
  );
}

/** The NIC that carries the server address of the SSH session (the management network). */
export function managementNicFor(nics: readonly Nic[], serverAddress: string | null): string | null {
  if (!serverAddress) return null;
  const bare = serverAddress.replace(/^::ffff:/, '').replace(/%.*$/, '');
  const owner = nics.find((nic) => nic.addresses.some((address) => address.address === bare));
  return owner?.name ?? null;
}
