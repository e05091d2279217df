import type { NodeKey } from '../../api/site';
import type { Change, Decision, PairStep, PairStepContext } from '../../engine/types';
import { command } from '../../util/shell';
import type { RecipeOptions } from '../options';
import { escapeXml, parseNvpairs } from '../parse/cluster';
import { notVerified, read, run } from '../support/run';
import { clusterReadyNow, waitForCluster } from './pacemaker';

/**
 * IPMI fencing: one `fence_ipmilan` stonith resource per node, kept off the node it
 * fences. The CIB fragment (password included) is written with `cibadmin --xml-pipe`,
 * so the password travels on stdin, never on a command line. When the site goes back
 * to `fencing: none`, the same step removes the devices it made: left behind, they
 * would keep the BMC passwords in the CIB and keep polling BMCs the site no longer names.
 */

export interface FenceDevice {
  readonly node: NodeKey;
  readonly hostname: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
}

export function fenceId(node: NodeKey): string {
  return `lockstep-fence-${node}`;
}

/** The instance attributes a fence device should carry (password separate: it is compared, never shown). */
export function fenceParams(device: FenceDevice): Record<string, string> {
  return {
    ip: device.address,
    ipport: String(device.port),
    username: device.user,
    lanplus: '1',
    pcmk_host_list: device.hostname,
  };
}

/** The primitive (pure); the password is inside: only ever written to stdin. */
export function renderFencePrimitive(device: FenceDevice, password: string): string {
  const id = fenceId(device.node);
  const params = { ...fenceParams(device), password };
  const pairs = Object.entries(params).map(
    ([name, value]) => `    <nvpair id="${id}-${name}" name="${name}" value="${escapeXml(value)}"/>`,
  );
  return [
    `<primitive id="${id}" class="stonith" type="fence_ipmilan">`,
    `  <instance_attributes id="${id}-params">`,
    ...pairs,
    '  </instance_attributes>',
    '  <operations>',
    `    <op id="${id}-monitor" name="monitor" interval="60s"/>`,
    '  </operations>',
    '</primitive>',
  ].join('\n');
}

export function renderFenceConstraint(device: FenceDevice): string {
  const id = fenceId(device.node);
  return `<rsc_location id="${id}-avoid" rsc="${id}" node="${escapeXml(device.hostname)}" score="-INFINITY"/>`;
}

export function fenceDevices(context: Pick<PairStepContext, 'site' | 'pair'>): FenceDevice[] {
  return (['a', 'b'] as const).map((node, index) => {
    const bmc = context.site.nodes[index]?.bmc;
    if (!bmc) throw new Error(`fencing: ipmi without a bmc on node ${node}`);
    return {
      node,
      hostname: context.pair.hostnames[node],
      address: bmc.address,
      port: bmc.port,
      user: bmc.user,
    };
  });
}

/** What the CIB holds for one device: its params and whether the constraint exists. */
export interface FenceState {
  readonly params: ReadonlyMap<string, string> | null;
  readonly constraint: boolean;
}

/** Decides (pure); `passwords` compares without ever appearing in a Change. */
export function decideFencing(
  devices: readonly FenceDevice[],
  states: ReadonlyMap<NodeKey, FenceState>,
  passwords: ReadonlyMap<NodeKey, string>,
): Decision {
  const changes: Change[] = [];
  for (const device of devices) {
    const state = states.get(device.node);
    const id = fenceId(device.node);
    const wanted = fenceParams(device);
    const same =
      state?.params !== null &&
      state?.params !== undefined &&
      Object.entries(wanted).every(([name, value]) => state.params?.get(name) === value) &&
      state.params.get('password') === passwords.get(device.node);
    if (!same) {
      changes.push({
        summary: `${state?.params ? 'update' : 'create'} the fence_ipmilan device ${id} for ${device.hostname} (BMC ${device.address}:${device.port}, user ${device.user})`,
        commands: [
          `${command('cibadmin', '--modify', '--allow-create', '--scope', 'resources', '--xml-pipe')}  < primitive ${id} (password on stdin, not shown)`,
        ],
      });
    }
    if (!state?.constraint) {
      changes.push({
        summary: `keep ${id} off ${device.hostname}`,
        commands: [
          `${command('cibadmin', '--modify', '--allow-create', '--scope', 'constraints', '--xml-pipe')}  < ${renderFenceConstraint(device)}`,
        ],
      });
    }
  }
  if (changes.length === 0)
    return { kind: 'noop', reason: 'both fence_ipmilan devices are configured as planned' };
  return { kind: 'change', changes };
}

/** The commands that take one Lockstep fence device out of the CIB: its constraint first, then the primitive. */
export function fenceRemovalCommands(node: NodeKey, state: FenceState): string[] {
  const id = fenceId(node);
  return [
    ...(state.constraint
      ? [command('cibadmin', '--delete', '--scope', 'constraints', '--xml-text', `<rsc_location id="${id}-avoid"/>`)]
      : []),
    ...(state.params !== null
      ? [command('cibadmin', '--delete', '--scope', 'resources', '--xml-text', `<primitive id="${id}"/>`)]
      : []),
  ];
}

/** With `fencing: none` (pure): remove the devices an earlier `ipmi` apply left, or nothing to do. */
export function decideFenceRemoval(states: ReadonlyMap<NodeKey, FenceState>): Decision {
  const changes: Change[] = [];
  for (const node of ['a', 'b'] as const) {
    const state = states.get(node);
    const commands = state ? fenceRemovalCommands(node, state) : [];
    if (commands.length > 0)
      changes.push({
        summary: `remove the fence device ${fenceId(node)} (the site has fencing: none)`,
        commands,
      });
  }
  if (changes.length === 0) return { kind: 'noop', reason: 'no Lockstep fence devices (the site has fencing: none)' };
  return { kind: 'change', changes };
}

async function readStates(context: PairStepContext): Promise<Map<NodeKey, FenceState>> {
  const [a] = context.nodes;
  const states = new Map<NodeKey, FenceState>();
  for (const node of ['a', 'b'] as const) {
    const id = fenceId(node);
    const primitive = await read(a, command('cibadmin', '--query', '--xpath', `//primitive[@id='${id}']`));
    const constraint = await read(
      a,
      command('cibadmin', '--query', '--xpath', `//rsc_location[@id='${id}-avoid']`),
    );
    states.set(node, {
      params: primitive.code === 0 ? parseNvpairs(primitive.stdout) : null,
      constraint: constraint.code === 0,
    });
  }
  return states;
}

async function passwords(options: RecipeOptions): Promise<Map<NodeKey, string>> {
  if (!options.bmcPassword) throw new Error('fencing: ipmi needs RecipeOptions.bmcPassword');
  return new Map([
    ['a', await options.bmcPassword('a')],
    ['b', await options.bmcPassword('b')],
  ]);
}

/** `fencing.ipmi` (pair): the devices with `fencing: ipmi`, their removal with `fencing: none`. */
export function fencingStep(options: RecipeOptions): PairStep {
  const ipmi = (context: PairStepContext): boolean => context.site.fencing.mode === 'ipmi';
  return {
    id: 'fencing.ipmi',
    title: 'IPMI fencing devices',
    group: 'fencing',
    scope: 'pair',
    applicable: () => true,
    async inspect(context) {
      const ready = await clusterReadyNow(context.nodes[0]);
      if (!ipmi(context))
        return ready
          ? decideFenceRemoval(await readStates(context))
          : { kind: 'noop', reason: 'no cluster running yet, so no fence devices (the site has fencing: none)' };
      return decideFencing(
        fenceDevices(context),
        ready ? await readStates(context) : new Map(),
        await passwords(options),
      );
    },
    async apply(context) {
      const [a] = context.nodes;
      await waitForCluster(a);
      const states = await readStates(context);
      if (!ipmi(context)) {
        for (const [node, state] of states) for (const line of fenceRemovalCommands(node, state)) await run(a, line);
        return;
      }
      const secrets = await passwords(options);
      for (const device of fenceDevices(context)) {
        await run(
          a,
          command('cibadmin', '--modify', '--allow-create', '--scope', 'resources', '--xml-pipe'),
          {
            stdin: renderFencePrimitive(device, secrets.get(device.node) ?? ''),
          },
        );
        if (!states.get(device.node)?.constraint) {
          await run(
            a,
            command('cibadmin', '--modify', '--allow-create', '--scope', 'constraints', '--xml-pipe'),
            { stdin: renderFenceConstraint(device) },
          );
        }
      }
    },
    async verify(context) {
      const decision = ipmi(context)
        ? decideFencing(fenceDevices(context), await readStates(context), await passwords(options))
        : (await clusterReadyNow(context.nodes[0]))
          ? decideFenceRemoval(await readStates(context))
          : ({ kind: 'noop', reason: '' } as const);
      if (decision.kind === 'change')
        throw notVerified(
          context.nodes[0].label,
          `fencing is not as planned: ${decision.changes.map((change) => change.summary).join('; ')}.`,
          'Run apply again; `crm_mon -1` shows the devices.',
        );
    },
  };
}
