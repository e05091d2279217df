import type { Nic } from '../../../provisioning/api/inventory';
import type { RoleSuggestion } from '../../../provisioning/api/roles';
import { AUTO, NODE_KEYS, isIPv4, parseCidr, type NodeKey, type PerNode } from '../../../provisioning/api/site';
import type { SiteDraft } from './site-draft';
import type { ServerFacts } from './servers';

/**
 * The Network roles screen's view model (pure): which NIC of each server plays which
 * role, whether that came from probing (`automatic`) or from the user (`chosen`), the
 * private link's addresses, and what the wire probe said about the chosen cable.
 * The draft holds what the site file will say; where it says `auto`, the suggestion
 * (`lockstep init`'s decision) shows what probing picks.
 */
export type Role = 'management' | 'private' | 'business' | 'unused';

/** Where a value comes from: probing decides it, the user chose it, or nothing decides it yet. */
export type Source = 'automatic' | 'chosen' | 'undecided';

export interface RoleChoice {
  readonly nic: string | null;
  readonly source: Source;
}

export interface NicRole {
  readonly name: string;
  readonly role: Role;
  /** The business bridge, for a business NIC. */
  readonly bridge?: string;
  readonly mac: string | null;
  readonly speedMbps: number | null;
  readonly carrier: boolean | null;
  /** Its global addresses, `10.0.0.11/24`. */
  readonly addresses: readonly string[];
}

export interface ServerRoles {
  readonly key: NodeKey;
  readonly label: string;
  readonly address: string;
  /** The NICs a role can be given to, each with the role it has. */
  readonly nics: readonly NicRole[];
}

/** What the wire probe said about the NIC pair chosen as private link. */
export type CableEvidence = 'direct' | 'switched' | 'not-seen' | 'unknown';

export interface BusinessView {
  readonly bridge: string;
  readonly a: string | null;
  readonly b: string | null;
}

export interface RolesView {
  readonly servers: readonly [ServerRoles, ServerRoles];
  readonly management: PerNode<RoleChoice>;
  readonly privateLink: PerNode<RoleChoice> & {
    readonly subnet: { readonly value: string | null; readonly source: Source };
    readonly mtu: { readonly value: number | null; readonly source: Source };
    /** The addresses each end gets (IPv4), when the subnet is known. */
    readonly addresses: PerNode<string> | null;
    readonly cable: CableEvidence;
    readonly speedMbps: number | null;
    readonly carrierConfirmed: boolean | null;
  };
  readonly business: readonly BusinessView[];
  readonly businessSource: Source;
  /** Role conflicts the site format's own rules do not catch, by field. */
  readonly problems: readonly { readonly field: string; readonly message: string }[];
}

const LOCKSTEP_BRIDGE = /^br-biz\d*$/;

/** NICs a role can go to: real ports, bonds, VLANs and bridges that are not ports of something else. */
export function assignableNics(nics: readonly Nic[]): Nic[] {
  return nics.filter(
    (nic) =>
      ['physical', 'veth', 'bond', 'vlan', 'bridge'].includes(nic.kind) &&
      !(nic.kind === 'bridge' && LOCKSTEP_BRIDGE.test(nic.name)) &&
      (nic.master === null || LOCKSTEP_BRIDGE.test(nic.master)),
  );
}

/** The NIC that holds the address Lockstep reaches the server at (what probing calls management). */
export function nicHolding(nics: readonly Nic[], address: string): string | null {
  return nics.find((nic) => nic.addresses.some((each) => each.address === address))?.name ?? null;
}

function choice(written: string, found: string | null | undefined): RoleChoice {
  if (written !== AUTO) return { nic: written, source: 'chosen' };
  return found ? { nic: found, source: 'automatic' } : { nic: null, source: 'undecided' };
}

/** The two addresses of the private link: the first and second of the block (both of a /31). */
export function privateAddresses(subnet: string): PerNode<string> | null {
  const cidr = parseCidr(subnet);
  if (!cidr || cidr.family !== 4 || !isIPv4(cidr.network)) return null;
  const base = cidr.network.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
  const single = cidr.prefix === 31;
  const at = (offset: number): string =>
    [24, 16, 8, 0].map((shift) => String(Math.floor((base + offset) / 2 ** shift) % 256)).join('.');
  return { a: at(single ? 0 : 1), b: at(single ? 1 : 2) };
}

export function rolesView(
  draft: SiteDraft,
  servers: readonly [ServerFacts, ServerFacts],
  suggestion?: RoleSuggestion,
): RolesView {
  const network = draft.network;
  const management: PerNode<RoleChoice> = {
    a: choice(network.management.a, suggestion?.management.a.nic ?? nicHolding(servers[0].nics, servers[0].address)),
    b: choice(network.management.b, suggestion?.management.b.nic ?? nicHolding(servers[1].nics, servers[1].address)),
  };
  const link = suggestion?.privateLink ?? null;
  const privateA = choice(network.private.a, link?.a.nic);
  const privateB = choice(network.private.b, link?.b.nic);
  const subnet =
    network.private.subnet !== AUTO
      ? { value: network.private.subnet, source: 'chosen' as const }
      : link
        ? { value: link.subnet, source: 'automatic' as const }
        : { value: null, source: 'undecided' as const };
  const mtu =
    network.private.mtu !== AUTO
      ? { value: network.private.mtu, source: 'chosen' as const }
      : link
        ? { value: link.mtu, source: 'automatic' as const }
        : { value: null, source: 'undecided' as const };
  const seen = suggestion?.wire.find((pair) => pair.a === privateA.nic && pair.b === privateB.nic);
  const cable: CableEvidence = !suggestion
    ? 'unknown'
    : seen
      ? seen.direct
        ? 'direct'
        : 'switched'
      : 'not-seen';
  const sameAsProbed = !!link && privateA.nic === link.a.nic && privateB.nic === link.b.nic;

  const business: BusinessView[] =
    network.business === AUTO
      ? (suggestion?.business ?? []).map((bridge) => ({ ...bridge }))
      : network.business.map((bridge) => ({
          bridge: bridge.bridge,
          a: bridge.a === AUTO ? (suggestion?.business.find((each) => each.bridge === bridge.bridge)?.a ?? null) : bridge.a,
          b: bridge.b === AUTO ? (suggestion?.business.find((each) => each.bridge === bridge.bridge)?.b ?? null) : bridge.b,
        }));
  const businessSource: Source = network.business !== AUTO ? 'chosen' : suggestion ? 'automatic' : 'undecided';

  const rolesOf = (server: ServerFacts): ServerRoles => {
    const key = server.key;
    const roleOf = (name: string): { role: Role; bridge?: string } => {
      if (management[key].nic === name) return { role: 'management' };
      if ((key === 'a' ? privateA : privateB).nic === name) return { role: 'private' };
      const bridge = business.find((each) => each[key] === name);
      return bridge ? { role: 'business', bridge: bridge.bridge } : { role: 'unused' };
    };
    return {
      key,
      label: server.label,
      address: server.address,
      nics: assignableNics(server.nics).map((nic) => ({
        name: nic.name,
        ...roleOf(nic.name),
        mac: nic.mac,
        speedMbps: nic.speedMbps,
        carrier: nic.carrier,
        addresses: nic.addresses
          .filter((address) => address.scope === 'global')
          .map((address) => `${address.address}/${address.prefixLength}`),
      })),
    };
  };

  return {
    servers: [rolesOf(servers[0]), rolesOf(servers[1])],
    management,
    privateLink: {
      a: privateA,
      b: privateB,
      subnet,
      mtu,
      addresses: subnet.value ? privateAddresses(subnet.value) : null,
      cable,
      speedMbps: seen?.speedMbps ?? (sameAsProbed ? (link?.speedMbps ?? null) : null),
      carrierConfirmed: sameAsProbed ? (link?.carrierConfirmed ?? null) : null,
    },
    business,
    businessSource,
    problems: conflicts(management, { a: privateA, b: privateB }, business),
  };
}

/** A NIC given two roles on one server (management vs private is the site format's own rule). */
function conflicts(
  management: PerNode<RoleChoice>,
  privateLink: PerNode<RoleChoice>,
  business: readonly BusinessView[],
): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  for (const key of NODE_KEYS) {
    const taken = new Map<string, string>();
    if (management[key].nic) taken.set(management[key].nic, 'management');
    if (privateLink[key].nic && !taken.has(privateLink[key].nic)) taken.set(privateLink[key].nic, 'private link');
    business.forEach((bridge, index) => {
      const nic = bridge[key];
      if (!nic) return;
      const other = taken.get(nic);
      if (other)
        problems.push({
          field: `network.business[${index}].${key}`,
          message: `${nic} is already the ${other} interface of node ${key}: a business network needs an interface of its own.`,
        });
      else taken.set(nic, `business network ${bridge.bridge}`);
    });
  }
  return problems;
}

/** Sets one NIC role in the draft (a business edit makes the whole list explicit). */
export function withRole(
  draft: SiteDraft,
  view: RolesView,
  change:
    | { readonly role: 'management'; readonly node: NodeKey; readonly nic: string }
    | { readonly role: 'private'; readonly node: NodeKey; readonly nic: string }
    | { readonly role: 'business'; readonly index: number; readonly node: NodeKey; readonly nic: string },
): SiteDraft {
  const network = draft.network;
  if (change.role === 'management')
    return { ...draft, network: { ...network, management: { ...network.management, [change.node]: change.nic } } };
  if (change.role === 'private')
    return { ...draft, network: { ...network, private: { ...network.private, [change.node]: change.nic } } };
  const business = view.business.map((bridge, index) =>
    index === change.index ? { ...bridge, [change.node]: change.nic } : bridge,
  );
  return { ...draft, network: { ...network, business: explicitBusiness(business) } };
}

/** Adds a business network over the first NIC of each server that has no role yet. */
export function withBusinessAdded(draft: SiteDraft, view: RolesView): SiteDraft {
  const free = (server: ServerRoles): string => server.nics.find((nic) => nic.role === 'unused')?.name ?? '';
  const used = new Set(view.business.map((bridge) => bridge.bridge));
  let index = 0;
  while (used.has(`br-biz${index}`)) index += 1;
  const business = [...view.business, { bridge: `br-biz${index}`, a: free(view.servers[0]), b: free(view.servers[1]) }];
  return { ...draft, network: { ...draft.network, business: explicitBusiness(business) } };
}

/** Removes one business network (the list becomes explicit: `[]` makes none). */
export function withBusinessRemoved(draft: SiteDraft, view: RolesView, index: number): SiteDraft {
  const business = view.business.filter((_bridge, at) => at !== index);
  return { ...draft, network: { ...draft.network, business: explicitBusiness(business) } };
}

function explicitBusiness(business: readonly BusinessView[]) {
  return business.map((bridge) => ({ bridge: bridge.bridge, a: bridge.a ?? AUTO, b: bridge.b ?? AUTO }));
}

/** Puts the network roles back to what probing decides. */
export function withAutomaticNetwork(draft: SiteDraft): SiteDraft {
  return {
    ...draft,
    network: {
      management: { a: AUTO, b: AUTO },
      private: { a: AUTO, b: AUTO, subnet: AUTO, mtu: AUTO },
      business: AUTO,
    },
  };
}
