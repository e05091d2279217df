/**
 * Joins links, addresses and sysfs into the NICs a person reasons about: name, MAC,
 * driver, carrier, speed, MTU, addresses, and bond/bridge/VLAN membership. Pure.
 */
import type { Nic, NicAddress, NicKind } from '../api/inventory';
import type { Link } from './links';
import type { NicSysfs } from './nic-sysfs';

export interface NicSources {
  readonly links: readonly Link[];
  readonly addresses?: ReadonlyMap<string, readonly NicAddress[]>;
  readonly sysfs?: ReadonlyMap<string, NicSysfs>;
}

function kindOf(link: Link, sysfs: NicSysfs | undefined): NicKind {
  if (link.linkType === 'loopback') return 'loopback';
  switch (link.kind) {
    case 'bond':
    case 'bridge':
    case 'vlan':
    case 'veth':
    case 'dummy':
    case 'tun':
      return link.kind;
    case null:
      return sysfs?.driver || link.parentBus ? 'physical' : 'virtual';
    default:
      return 'virtual';
  }
}

/** Builds the NICs of one server, in the kernel's interface order. */
export function buildNics(sources: NicSources): Nic[] {
  const byMaster = new Map<string, string[]>();
  for (const link of sources.links) {
    if (link.master) byMaster.set(link.master, [...(byMaster.get(link.master) ?? []), link.name]);
  }
  const kindByName = new Map(sources.links.map((link) => [link.name, link.kind]));
  return sources.links.map((link) => {
    const sysfs = sources.sysfs?.get(link.name);
    const kind = kindOf(link, sysfs);
    const up = link.flags.includes('UP');
    const carrier = sysfs?.carrier ?? (up ? link.flags.includes('LOWER_UP') : null);
    return {
      name: link.name,
      kind,
      linkKind: link.kind,
      mac: link.permanentMac ?? link.mac,
      driver: sysfs?.driver ?? null,
      carrier,
      operState: link.operState,
      speedMbps: carrier === false ? null : (sysfs?.speedMbps ?? null),
      mtu: link.mtu,
      addresses: [...(sources.addresses?.get(link.name) ?? [])],
      master: link.master,
      masterKind: link.slaveKind ?? (link.master ? (kindByName.get(link.master) ?? null) : null),
      parent: kind === 'vlan' || link.kind === 'macvlan' || link.kind === 'ipvlan' ? link.link : null,
      vlanId: link.vlanId,
      bond:
        kind === 'bond'
          ? { mode: link.bondMode, slaves: byMaster.get(link.name) ?? [], activeSlave: link.bondActiveSlave }
          : null,
      bridgePorts: kind === 'bridge' ? (byMaster.get(link.name) ?? []) : null,
    };
  });
}
