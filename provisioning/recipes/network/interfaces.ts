import { LockstepError } from '../../api/errors';
import type { NodeKey } from '../../api/site';
import type { Decision, NodeStep, NodeStepContext, PairFacts } from '../../engine/types';
import { command } from '../../util/shell';
import type { RecipeOptions } from '../options';
import type { NetDevice } from '../parse/ip';
import { marker, readFile, writeCommand } from '../support/files';
import { notVerified } from '../support/run';
import { applyWithRollback, readDevices, type NetworkChange } from './rollback';

/**
 * Business bridges and the private link, persisted with ifupdown
 * (/etc/network/interfaces.d), which is what Debian's installer sets up on servers, and
 * applied at runtime with `ip` so that no other interface is touched: the management
 * NIC is never named by these files and never restarted. systemd-networkd was not
 * chosen because starting it on a server whose management NIC ifupdown configures
 * would make two managers, and its foreign-route cleanup could drop the management route.
 */

export const BRIDGES_FILE = '/etc/network/interfaces.d/lockstep-bridges';
export const PRIVATE_FILE = '/etc/network/interfaces.d/lockstep-private';
const INTERFACES = '/etc/network/interfaces';

/** One node's view of the business bridges. */
export interface BridgePlan {
  readonly bridge: string;
  readonly port: string;
}

export function bridgesFor(pair: PairFacts, node: NodeKey): BridgePlan[] {
  return pair.business.map((entry) => ({ bridge: entry.bridge, port: entry[node] }));
}

/** Refuses any plan that names the management NIC: these steps never take it over. */
export function assertSparesManagement(pair: PairFacts, node: NodeKey): void {
  const management = pair.management[node].nic;
  const named = [
    ...bridgesFor(pair, node).flatMap((entry) => [entry.bridge, entry.port]),
    ...(pair.privateLink ? [pair.privateLink[node].nic] : []),
  ];
  if (named.includes(management)) {
    throw new LockstepError({
      code: 'config',
      field: 'network',
      message: `Node ${node}'s management interface ${management} is also given as a business or private-link interface.`,
      remedy: 'Give the business networks and the private link other interfaces than the one that carries SSH.',
    });
  }
}

/** /etc/network/interfaces.d/lockstep-bridges (pure). */
export function renderBridges(pairName: string, bridges: readonly BridgePlan[]): string {
  const lines = [marker(pairName), '# Business networks: one bridge per network, for VMs.'];
  for (const { bridge, port } of bridges) {
    lines.push('', `auto ${bridge}`, `iface ${bridge} inet manual`, `    bridge_ports ${port}`, '    bridge_stp off', '    bridge_fd 0', '    bridge_waitport 0');
  }
  return `${lines.join('\n')}\n`;
}

/** /etc/network/interfaces.d/lockstep-private (pure). */
export function renderPrivate(pairName: string, nic: string, address: string, prefixLength: number, mtu: number): string {
  const family = address.includes(':') ? 'inet6' : 'inet';
  return `${[marker(pairName), '# The private link: replication and the first Corosync link.', '', `auto ${nic}`, `iface ${nic} ${family} static`, `    address ${address}/${prefixLength}`, `    mtu ${mtu}`].join('\n')}\n`;
}

/** The runtime commands that bring the bridges to the planned state (idempotent). */
export function bridgeCommands(bridges: readonly BridgePlan[], devices: ReadonlyMap<string, NetDevice>): string[] {
  const commands: string[] = [];
  for (const { bridge, port } of bridges) {
    if (!devices.has(bridge)) commands.push(command('ip', 'link', 'add', 'name', bridge, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0'));
    if (devices.get(port)?.master !== bridge) commands.push(command('ip', 'link', 'set', 'dev', port, 'master', bridge));
    if (!devices.get(port)?.up) commands.push(command('ip', 'link', 'set', 'dev', port, 'up'));
    if (!devices.get(bridge)?.up) commands.push(command('ip', 'link', 'set', 'dev', bridge, 'up'));
  }
  return commands;
}

/** The runtime commands that give the private NIC its address and MTU, removing any other global address. */
export function privateCommands(nic: string, address: string, prefixLength: number, mtu: number, device: NetDevice | undefined): string[] {
  const commands: string[] = [];
  if (device?.mtu !== mtu) commands.push(command('ip', 'link', 'set', 'dev', nic, 'mtu', String(mtu)));
  for (const stale of (device?.addresses ?? []).filter((entry) => entry.scope === 'global' && entry.local !== address)) {
    commands.push(command('ip', 'addr', 'del', `${stale.local}/${stale.prefixlen}`, 'dev', nic));
  }
  if (!device?.addresses.some((entry) => entry.local === address && entry.prefixlen === prefixLength)) {
    commands.push(command('ip', 'addr', 'add', `${address}/${prefixLength}`, 'dev', nic));
  }
  if (!device?.up) commands.push(command('ip', 'link', 'set', 'dev', nic, 'up'));
  return commands;
}

/** The line that makes ifupdown read interfaces.d (Debian's default file has it). */
export function sourcesInterfacesD(content: string | null): boolean {
  return content !== null && /^\s*(source\s+(\/etc\/network\/)?interfaces\.d\/\*|source-directory\s+(\/etc\/network\/)?interfaces\.d)\s*$/m.test(content);
}

/** Decides a network step from the file on disk and the runtime commands still needed (pure). */
export function decideNetwork(what: string, path: string, wanted: string, current: string | null, runtime: readonly string[], interfacesOk: boolean): Decision {
  const changes = [];
  if (current !== wanted) changes.push({ summary: `write ${path}`, commands: [writeCommand(path)] });
  if (!interfacesOk) changes.push({ summary: `make ${INTERFACES} read interfaces.d`, commands: [`append "source /etc/network/interfaces.d/*" to ${INTERFACES}`] });
  if (runtime.length > 0) {
    changes.push({ summary: `apply ${what} now, with an automatic rollback unless confirmed over a new SSH connection`, commands: [...runtime] });
  }
  if (changes.length === 0) return { kind: 'noop', reason: `${what} is configured and up` };
  return { kind: 'change', changes };
}

interface NetworkFacts {
  readonly wanted: string;
  readonly current: string | null;
  readonly runtime: string[];
  readonly interfaces: string | null;
  readonly devices: ReadonlyMap<string, NetDevice>;
}

async function interfacesFile(context: NodeStepContext): Promise<string | null> {
  return readFile(context, INTERFACES);
}

function interfacesChange(context: NodeStepContext, interfaces: string | null): { path: string; content: string }[] {
  if (sourcesInterfacesD(interfaces)) return [];
  const base = interfaces ?? 'auto lo\niface lo inet loopback\n';
  return [{ path: INTERFACES, content: `${base.replace(/\n*$/, '\n')}\n${marker(context.pair.pairName)} (next line)\nsource /etc/network/interfaces.d/*\n` }];
}

function networkStep(spec: {
  id: string;
  title: string;
  what: string;
  path: string;
  applicable(pair: PairFacts): boolean;
  facts(context: NodeStepContext): Promise<NetworkFacts>;
  devices(context: NodeStepContext): string[];
}, options: RecipeOptions): NodeStep {
  return {
    id: spec.id,
    title: spec.title,
    group: 'network',
    scope: 'node',
    applicable: (_site, pair) => spec.applicable(pair),
    async inspect(context) {
      assertSparesManagement(context.pair, context.node);
      const facts = await spec.facts(context);
      return decideNetwork(spec.what, spec.path, facts.wanted, facts.current, facts.runtime, sourcesInterfacesD(facts.interfaces));
    },
    async apply(context) {
      assertSparesManagement(context.pair, context.node);
      const facts = await spec.facts(context);
      const files = [...(facts.current === facts.wanted ? [] : [{ path: spec.path, content: facts.wanted }]), ...interfacesChange(context, facts.interfaces)];
      if (files.length === 0 && facts.runtime.length === 0) return;
      const change: NetworkChange = { files, commands: facts.runtime, devices: spec.devices(context) };
      await applyWithRollback(context, options, change);
    },
    async verify(context) {
      const facts = await spec.facts(context);
      if (facts.current !== facts.wanted || facts.runtime.length > 0) {
        throw notVerified(context.label, `${spec.what} is not as planned${facts.runtime.length ? ` (still needed: ${facts.runtime.join('; ')})` : ''}.`, `Compare ${spec.path} with \`ip -d addr\` on the server and run apply again.`);
      }
    },
  };
}

/** `network.bridges`: one Linux bridge per business network, its port the business NIC. */
export function bridgesStep(options: RecipeOptions): NodeStep {
  return networkStep(
    {
      id: 'network.bridges',
      title: 'Business network bridges',
      what: 'the business bridges',
      path: BRIDGES_FILE,
      applicable: (pair) => pair.business.length > 0,
      async facts(context) {
        const bridges = bridgesFor(context.pair, context.node);
        const devices = await readDevices(context);
        return {
          wanted: renderBridges(context.pair.pairName, bridges),
          current: await readFile(context, BRIDGES_FILE),
          runtime: bridgeCommands(bridges, devices),
          interfaces: await interfacesFile(context),
          devices,
        };
      },
      devices: (context) => bridgesFor(context.pair, context.node).flatMap((entry) => [entry.bridge, entry.port]),
    },
    options,
  );
}

/** `network.private-link`: the private NIC's address and MTU. */
export function privateLinkStep(options: RecipeOptions): NodeStep {
  return networkStep(
    {
      id: 'network.private-link',
      title: 'Private link addressing',
      what: 'the private link',
      path: PRIVATE_FILE,
      applicable: (pair) => pair.privateLink !== null,
      async facts(context) {
        const link = context.pair.privateLink;
        if (!link) throw new Error('private link step without a private link');
        const mine = link[context.node];
        const devices = await readDevices(context);
        return {
          wanted: renderPrivate(context.pair.pairName, mine.nic, mine.address, link.prefixLength, link.mtu),
          current: await readFile(context, PRIVATE_FILE),
          runtime: privateCommands(mine.nic, mine.address, link.prefixLength, link.mtu, devices.get(mine.nic)),
          interfaces: await interfacesFile(context),
          devices,
        };
      },
      devices: (context) => (context.pair.privateLink ? [context.pair.privateLink[context.node].nic] : []),
    },
    options,
  );
}
