import { LockstepError } from '../api/errors';
import { isFactError, type Disk, type Nic, type NicAddress } from '../api/inventory';
import { AUTO, NODE_KEYS, parseCidr, type NodeKey } from '../api/site';
import { choosePools } from '../checks/disks';
import { choosePrivateSubnet } from '../checks/subnets';
import type { CheckContext, NodeState } from '../checks/types';
import { managementNicFor } from '../network/candidates';
import type { PairFacts } from './types';

/**
 * Decides, once per run, the concrete values the recipes configure: node names,
 * management and private-link roles and addresses, business bridges, pool disks. It is
 * a pure function of what `gather` read, and it must give the same answer before and
 * after an apply (a rerun converges instead of re-deciding): so the private link's own
 * addresses do not count as "taken" when choosing its subnet, NICs already enslaved to
 * a Lockstep business bridge still count as business NICs, and disks already in the
 * site's volume group still count as pool disks.
 */
export function derivePairFacts(context: CheckContext): PairFacts {
  const { site } = context;
  const [a, b] = context.nodes.map((node) => reached(node)) as [Reached, Reached];
  const hostname = (node: Reached, index: 0 | 1): string => {
    const name = site.nodes[index].name;
    if (name !== AUTO) return name;
    if (isFactError(node.inventory.host)) throw missing(node, 'its hostname', node.inventory.host.error);
    return node.inventory.host.hostname;
  };
  const management = (node: Reached) => {
    const address = (node.sessionAddress ?? '').replace(/^::ffff:/, '').replace(/%.*$/, '');
    const chosen = site.network.management[node.key];
    const nic = chosen !== AUTO ? chosen : managementNicFor(node.nics, address || null);
    if (!nic || !address) throw missing(node, 'the management NIC (the one carrying the SSH session)', 'no NIC holds the session address');
    return { nic, address };
  };
  const managementA = management(a);
  const managementB = management(b);
  const privateLink = derivePrivateLink(context, a, b);
  const taken = {
    a: new Set([managementA.nic, ...(privateLink ? [privateLink.a.nic] : [])]),
    b: new Set([managementB.nic, ...(privateLink ? [privateLink.b.nic] : [])]),
  };
  return {
    pairName: site.name,
    hostnames: { a: hostname(a, 0), b: hostname(b, 1) },
    management: { a: managementA, b: managementB },
    privateLink,
    business: deriveBusiness(context, a, b, taken),
    disks: deriveDisks(context),
    storageAvailable: [a, b].every((node) => node.state.extras?.drbd?.moduleVersion != null),
  };
}

interface Reached {
  readonly key: NodeKey;
  readonly label: string;
  readonly state: NodeState;
  readonly inventory: NonNullable<NodeState['inventory']>;
  readonly nics: readonly Nic[];
  readonly sessionAddress: string | undefined;
}

function reached(node: NodeState): Reached {
  if (!node.inventory) {
    throw new LockstepError({
      code: node.connectError?.code ?? 'ssh.unreachable',
      host: node.label,
      message: `${node.label} could not be read: ${node.connectError?.message ?? 'no inventory'}`,
      remedy: node.connectError?.remedy ?? 'Run `lockstep validate -c site.yaml` and fix what it reports.',
    });
  }
  return {
    key: node.key,
    label: node.label,
    state: node,
    inventory: node.inventory,
    nics: isFactError(node.inventory.nics) ? [] : node.inventory.nics,
    sessionAddress: node.sessionAddress ?? node.extras?.session?.serverAddress,
  };
}

function missing(node: Reached, what: string, why: string): LockstepError {
  return new LockstepError({
    code: 'config',
    host: node.label,
    message: `Cannot decide ${what} of ${node.label}: ${why}.`,
    remedy: 'Run `lockstep validate -c site.yaml` and fix what it reports, or name the value in the site file.',
  });
}

function derivePrivateLink(context: CheckContext, a: Reached, b: Reached): PairFacts['privateLink'] {
  const { site } = context;
  const wire = context.wire && !('error' in context.wire) ? context.wire : undefined;
  const named = site.network.private;
  const nics =
    wire?.privateLink
      ? { a: wire.privateLink.a, b: wire.privateLink.b }
      : named.a !== AUTO && named.b !== AUTO
        ? { a: named.a, b: named.b }
        : undefined;
  if (!nics) return null;
  const nicA = a.nics.find((nic) => nic.name === nics.a);
  const nicB = b.nics.find((nic) => nic.name === nics.b);
  const others = (node: Reached, own: string): NicAddress[] =>
    node.nics.filter((nic) => nic.name !== own).flatMap((nic) => nic.addresses);
  const subnet =
    named.subnet !== AUTO ? named.subnet : choosePrivateSubnet([...others(a, nics.a), ...others(b, nics.b)]);
  const cidr = parseCidr(subnet);
  if (!cidr) throw missing(a, 'the private link subnet', `${subnet} is not a CIDR block`);
  const single = (cidr.family === 4 && cidr.prefix === 31) || (cidr.family === 6 && cidr.prefix === 127);
  const mtu = named.mtu !== AUTO ? named.mtu : Math.min(nicA?.mtu ?? 1500, nicB?.mtu ?? 1500);
  return {
    a: { nic: nics.a, address: hostAddress(cidr.network, cidr.family, single ? 0 : 1) },
    b: { nic: nics.b, address: hostAddress(cidr.network, cidr.family, single ? 1 : 2) },
    prefixLength: cidr.prefix,
    mtu,
  };
}

/** The `offset`-th address of a block (its network address plus offset). */
export function hostAddress(network: string, family: 4 | 6, offset: number): string {
  if (family === 4) {
    const value = network.split('.').reduce((sum, part) => sum * 256 + Number(part), 0) + offset;
    return [24, 16, 8, 0].map((shift) => String(Math.floor(value / 2 ** shift) % 256)).join('.');
  }
  const [head = '', tail] = network.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  let value = groups.reduce((sum, group) => (sum << 16n) + BigInt(parseInt(group || '0', 16)), 0n) + BigInt(offset);
  const out: string[] = [];
  for (let index = 0; index < 8; index++) {
    out.unshift((value & 0xffffn).toString(16));
    value >>= 16n;
  }
  return out.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

const BUSINESS_BRIDGE = /^br-biz\d*$/;

/** NICs that could carry a business bridge: up, not a role NIC, not enslaved (except to our bridge). */
function businessCandidates(node: Reached, taken: ReadonlySet<string>): string[] {
  const management = node.nics.find((nic) => taken.has(nic.name) && nic.bridgePorts);
  const managementPorts = new Set([...(management?.bridgePorts ?? []), ...(management?.bond?.slaves ?? [])]);
  return node.nics
    .filter(
      (nic) =>
        (nic.kind === 'physical' || nic.kind === 'veth' || nic.kind === 'bond') &&
        !taken.has(nic.name) &&
        !managementPorts.has(nic.name) &&
        (nic.master === null || BUSINESS_BRIDGE.test(nic.master)) &&
        (nic.operState === 'up' || nic.master !== null),
    )
    .map((nic) => nic.name)
    .sort();
}

function deriveBusiness(
  context: CheckContext,
  a: Reached,
  b: Reached,
  taken: { a: ReadonlySet<string>; b: ReadonlySet<string> },
): PairFacts['business'] {
  const freeA = businessCandidates(a, taken.a);
  const freeB = businessCandidates(b, taken.b);
  const configured = context.site.network.business;
  if (configured !== AUTO) {
    return configured.map((network) => {
      const nicA = network.a !== AUTO ? network.a : freeA.shift() ?? '';
      const nicB = network.b !== AUTO ? network.b : freeB.shift() ?? '';
      return { bridge: network.bridge, a: nicA, b: nicB };
    }).filter((network) => network.a !== '' && network.b !== '');
  }
  // Already bridged by a previous run: keep those bridges and their ports.
  const bridged = (node: Reached) =>
    new Map(node.nics.filter((nic) => nic.master && BUSINESS_BRIDGE.test(nic.master)).map((nic) => [nic.master!, nic.name]));
  const bridgedA = bridged(a);
  const bridgedB = bridged(b);
  const pairs: { a: string; b: string }[] = [];
  for (const [bridge, nicA] of [...bridgedA].sort()) {
    const nicB = bridgedB.get(bridge);
    if (nicB) pairs.push({ a: nicA, b: nicB });
  }
  const used = (list: readonly string[], side: 'a' | 'b') => list.filter((nic) => !pairs.some((pair) => pair[side] === nic));
  const restA = used(freeA, 'a');
  const restB = used(freeB, 'b');
  // NICs that see each other on the same switch pair first; the rest in name order.
  const wire = context.wire && !('error' in context.wire) ? context.wire : undefined;
  for (const seen of wire?.pairs ?? []) {
    if (restA.includes(seen.a) && restB.includes(seen.b)) {
      pairs.push({ a: seen.a, b: seen.b });
      restA.splice(restA.indexOf(seen.a), 1);
      restB.splice(restB.indexOf(seen.b), 1);
    }
  }
  for (let index = 0; index < Math.min(restA.length, restB.length); index++) pairs.push({ a: restA[index]!, b: restB[index]! });
  return pairs.map((pair, index) => ({ bridge: `br-biz${index}`, ...pair }));
}

function deriveDisks(context: CheckContext): PairFacts['disks'] {
  const pools = choosePools(context);
  const perNode = (key: NodeKey): string[] => {
    const pool = pools.find((candidate) => candidate.node.key === key);
    if (!pool || pool.container) return [];
    const wanted = context.site.storage.disks[key];
    const named = (disk: Disk): string =>
      wanted !== AUTO
        ? (wanted.find((device) => device === disk.path || (disk.byId ?? []).includes(device)) ?? disk.path)
        : (disk.byId[0] ?? disk.path);
    // choosePools counts the disks already in the site's volume group (an earlier run's) as the pool's.
    const inSite = wanted === AUTO ? pool.disks : pool.disks.filter((disk) => wanted.includes(named(disk)));
    return [...new Set(inSite.map(named))].sort();
  };
  return { a: perNode(NODE_KEYS[0]), b: perNode(NODE_KEYS[1]) };
}
