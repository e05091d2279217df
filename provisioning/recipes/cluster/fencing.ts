import { createHash } from 'node:crypto';
import type { NodeKey } from '../../api/site';
import type { Change, Decision, PairStep, PairStepContext } from '../../engine/types';
import { command } from '../../util/shell';
import type { RecipeOptions } from '../options';
import { escapeXml, parseNvpairs } from '../parse/cluster';
import { notVerified, read, run } from '../support/run';
import { clusterReadyNow, waitForCluster } from './pacemaker';

/**
 * IPMI fencing: one `fence_ipmilan` stonith resource per node, kept off the node it
 * fences. The BMC password is not a resource parameter: Pacemaker copies parameters
 * into the CIB (readable by the haclient group, replicated, dumped by `crm_report`) and
 * into its logs. It is written on stdin to a root-only file on both servers, and the
 * device reads it from there (`password_script`, fence-agents' own mechanism); the CIB
 * names only the file. When the site goes back to `fencing: none`, the same step removes
 * the devices and the files it made: left behind, they would keep polling BMCs the site
 * no longer names, with their passwords.
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

export const FENCE_SECRETS_DIR = '/etc/lockstep/fence';

/** Where the BMC password of the device that fences `node` is kept, on both servers. */
export function passwordFile(node: NodeKey): string {
  return `${FENCE_SECRETS_DIR}/${fenceId(node)}.password`;
}

/** How a password file is compared without reading the password back. */
export function passwordDigest(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('hex');
}

/** The instance attributes a fence device carries: the password file, never the password. */
export function fenceParams(device: FenceDevice): Record<string, string> {
  return {
    ip: device.address,
    ipport: String(device.port),
    username: device.user,
    lanplus: '1',
    pcmk_host_list: device.hostname,
    password_script: `cat ${passwordFile(device.node)}`,
  };
}

/** The primitive (pure). */
export function renderFencePrimitive(device: FenceDevice): string {
  const id = fenceId(device.node);
  const pairs = Object.entries(fenceParams(device)).map(
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

/** What the servers hold for one device: its CIB params and constraint, and its password file on each server. */
export interface FenceState {
  readonly params: ReadonlyMap<string, string> | null;
  readonly constraint: boolean;
  /** The sha256 of the device's password file on each server (null: no file). */
  readonly passwordFiles: Readonly<Record<NodeKey, string | null>>;
}

/** Decides (pure); `passwords` are compared by digest and never appear in a Change. */
export function decideFencing(
  devices: readonly FenceDevice[],
  states: ReadonlyMap<NodeKey, FenceState>,
  passwords: ReadonlyMap<NodeKey, string>,
): Decision {
  const changes: Change[] = [];
  for (const device of devices) {
    const state = states.get(device.node);
    const id = fenceId(device.node);
    const file = passwordFile(device.node);
    const password = passwords.get(device.node);
    const digest = password === undefined ? undefined : passwordDigest(password);
    if (!state || state.passwordFiles.a !== digest || state.passwordFiles.b !== digest)
      changes.push({
        summary: `store the BMC password of ${device.hostname} in ${file} on both servers (root only)`,
        commands: [`${writePasswordCommand(device.node)}  < password on stdin, not shown`],
      });
    const wanted = fenceParams(device);
    const params = state?.params ?? null;
    const same = params !== null && Object.entries(wanted).every(([name, value]) => params.get(name) === value);
    const passwordInCib = params?.has('password') ?? false;
    if (!same || passwordInCib)
      changes.push({
        summary: `${params ? 'update' : 'create'} the fence_ipmilan device ${id} for ${device.hostname} (BMC ${device.address}:${device.port}, user ${device.user})${passwordInCib ? ', its password out of the CIB' : ''}`,
        commands: [
          `${command('cibadmin', '--modify', '--allow-create', '--scope', 'resources', '--xml-pipe')}  < primitive ${id}`,
          ...(passwordInCib ? [deletePasswordParamCommand(device.node)] : []),
        ],
      });
    if (!state?.constraint)
      changes.push({
        summary: `keep ${id} off ${device.hostname}`,
        commands: [
          `${command('cibadmin', '--modify', '--allow-create', '--scope', 'constraints', '--xml-pipe')}  < ${renderFenceConstraint(device)}`,
        ],
      });
  }
  if (changes.length === 0)
    return { kind: 'noop', reason: 'both fence_ipmilan devices are configured as planned, their passwords in root-only files' };
  return { kind: 'change', changes };
}

/** Writes stdin to the password file, root only, replacing it whole. */
function writePasswordCommand(node: NodeKey): string {
  const file = passwordFile(node);
  return `umask 077 && mkdir -p ${FENCE_SECRETS_DIR} && cat > ${file}.new && mv ${file}.new ${file}`;
}

/** Devices made by earlier versions carried the password as a parameter. */
function deletePasswordParamCommand(node: NodeKey): string {
  return command('cibadmin', '--delete', '--scope', 'resources', '--xml-text', `<nvpair id="${fenceId(node)}-password"/>`);
}

/** The commands that take one Lockstep fence device away: its constraint, then the primitive, then the password files. */
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

/** The servers (of a and b) that still hold the device's password file. */
function serversWithPasswordFile(state: FenceState): NodeKey[] {
  return (['a', 'b'] as const).filter((server) => state.passwordFiles[server] !== null);
}

/** With `fencing: none` (pure): remove the devices and files an earlier `ipmi` apply left, or nothing to do. */
export function decideFenceRemoval(states: ReadonlyMap<NodeKey, FenceState>): Decision {
  const changes: Change[] = [];
  for (const node of ['a', 'b'] as const) {
    const state = states.get(node);
    if (!state) continue;
    const commands = fenceRemovalCommands(node, state);
    if (commands.length > 0)
      changes.push({ summary: `remove the fence device ${fenceId(node)} (the site has fencing: none)`, commands });
    const servers = serversWithPasswordFile(state);
    if (servers.length > 0)
      changes.push({
        summary: `remove the BMC password file ${passwordFile(node)} from ${servers.map((server) => `node ${server}`).join(' and ')}`,
        commands: [command('rm', '-f', passwordFile(node))],
      });
  }
  if (changes.length === 0) return { kind: 'noop', reason: 'no Lockstep fence devices (the site has fencing: none)' };
  return { kind: 'change', changes };
}

/** The CIB as node a sees it (pass `cib: false` before the cluster runs), and the password files on both servers. */
async function readStates(context: PairStepContext, cib = true): Promise<Map<NodeKey, FenceState>> {
  const [a, b] = context.nodes;
  const query = (xpath: string) => (cib ? read(a, command('cibadmin', '--query', '--xpath', xpath)) : Promise.resolve(undefined));
  // Six independent reads on two connections: at once, not one after the other.
  const [digestsA, digestsB, ...cibReads] = await Promise.all([
    readPasswordDigests(a),
    readPasswordDigests(b),
    ...(['a', 'b'] as const).flatMap((node) => [query(`//primitive[@id='${fenceId(node)}']`), query(`//rsc_location[@id='${fenceId(node)}-avoid']`)]),
  ]);
  const states = new Map<NodeKey, FenceState>();
  (['a', 'b'] as const).forEach((node, index) => {
    const primitive = cibReads[index * 2];
    const constraint = cibReads[index * 2 + 1];
    const file = passwordFile(node);
    states.set(node, {
      params: primitive?.code === 0 ? parseNvpairs(primitive.stdout) : null,
      constraint: constraint?.code === 0,
      passwordFiles: { a: digestsA.get(file) ?? null, b: digestsB.get(file) ?? null },
    });
  });
  return states;
}

/** The sha256 of each Lockstep password file on one server (never its content). */
async function readPasswordDigests(node: PairStepContext['nodes'][number]): Promise<Map<string, string>> {
  const files = (['a', 'b'] as const).map((device) => passwordFile(device));
  const result = await read(node, `for f in ${files.join(' ')}; do [ -f "$f" ] && sha256sum "$f"; done; true`);
  return parseDigests(result.stdout);
}

/** `sha256sum` lines → file → digest (pure). */
export function parseDigests(stdout: string): Map<string, string> {
  const digests = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = /^([0-9a-f]{64})\s+\*?(\S+)$/.exec(line.trim());
    if (match) digests.set(match[2]!, match[1]!);
  }
  return digests;
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
      if (!ipmi(context)) return decideFenceRemoval(await readStates(context, ready));
      return decideFencing(fenceDevices(context), await readStates(context, ready), await passwords(options));
    },
    async apply(context) {
      const [a] = context.nodes;
      if (!ipmi(context)) {
        const ready = await clusterReadyNow(a);
        const states = await readStates(context, ready);
        for (const [node, state] of states) {
          for (const line of fenceRemovalCommands(node, state)) await run(a, line);
          for (const server of serversWithPasswordFile(state))
            await run(context.nodes[server === 'a' ? 0 : 1], command('rm', '-f', passwordFile(node)));
        }
        return;
      }
      const secrets = await passwords(options);
      // The files first: a device must never start before its password is in place.
      for (const device of fenceDevices(context))
        await Promise.all(
          context.nodes.map((node) =>
            run(node, writePasswordCommand(device.node), { stdin: secrets.get(device.node) ?? '' }),
          ),
        );
      await waitForCluster(a);
      const states = await readStates(context);
      for (const device of fenceDevices(context)) {
        await run(a, command('cibadmin', '--modify', '--allow-create', '--scope', 'resources', '--xml-pipe'), {
          stdin: renderFencePrimitive(device),
        });
        if (states.get(device.node)?.params?.has('password')) await run(a, deletePasswordParamCommand(device.node));
        if (!states.get(device.node)?.constraint)
          await run(a, command('cibadmin', '--modify', '--allow-create', '--scope', 'constraints', '--xml-pipe'), {
            stdin: renderFenceConstraint(device),
          });
      }
    },
    async verify(context) {
      const ready = await clusterReadyNow(context.nodes[0]);
      const states = await readStates(context, ready || ipmi(context));
      const decision = ipmi(context)
        ? decideFencing(fenceDevices(context), states, await passwords(options))
        : decideFenceRemoval(states);
      if (decision.kind === 'change')
        throw notVerified(
          context.nodes[0].label,
          `fencing is not as planned: ${decision.changes.map((change) => change.summary).join('; ')}.`,
          'Run apply again; `crm_mon -1` shows the devices.',
        );
    },
  };
}
