import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_NAME } from '../bundle/manifest';
import { toErrorInfo, type ErrorInfo } from '../api/errors';
import type { Secrets } from '../api/endpoint';
import { isFactError } from '../api/inventory';
import { AUTO, NODE_KEYS, type NodeKey, type ResolvedSite, type ResolvedWitness } from '../api/site';
import { extraFacts, packageSourceFact, type NodeExtras } from '../checks/extras';
import type { CheckContext, NodeState, QnetdPortAnswer, WitnessState } from '../checks/types';
import { newMarker } from '../facts/probe';
import { probeHost } from '../facts/probe';
import { interpretAll, scriptFor } from '../facts/run';
import { managementNicFor } from '../network/candidates';
import { probeWire } from '../network/wire-probe';
import { connect } from '../ssh/connect';
import type { Transport } from '../ssh/types';
import { QNETD_PORT } from '../recipes/cluster/witness';
import { command, quote } from '../util/shell';
import { probeBmcs } from './bmc-probe';
import { measureClockOffsetMs } from './clock';

/**
 * Gathers everything the checks judge, from both servers at once, without changing
 * anything that is not put back (the wire probe restores the links it raised). What
 * fails to be gathered becomes part of the context (a connection error, a fact error),
 * so validation always ends with findings rather than a crash.
 */
export interface GatherOptions {
  readonly knownHostsPath: string;
  readonly secrets?: Secrets;
  readonly signal?: AbortSignal;
  /** Progress for people ("probing the wire…"); never secrets. */
  readonly progress?: (message: string) => void;
}

export interface Gathered {
  readonly context: CheckContext;
  /** Open connections, for callers that go on (plan, apply); close them when done. */
  readonly transports: readonly (Transport | undefined)[];
}

export async function gather(site: ResolvedSite, options: GatherOptions): Promise<Gathered> {
  const progress = options.progress ?? (() => undefined);
  progress(`connecting to ${site.nodes.map((node) => node.address).join(' and ')}`);
  const connected = await Promise.all(
    site.nodes.map(async (node) => {
      try {
        const transport = await connect(
          {
            endpoint: { host: node.address, port: node.port },
            login: {
              user: site.ssh.user,
              ...(site.ssh.identityFile && { identityFile: site.ssh.identityFile }),
            },
            knownHostsPath: options.knownHostsPath,
            ...(options.secrets && { secrets: options.secrets }),
          },
          { label: node.address, ...(options.signal && { signal: options.signal }) },
        );
        return { transport };
      } catch (error) {
        if (options.signal?.aborted) throw error;
        return { error: toErrorInfo(error) };
      }
    }),
  );

  progress('reading the inventory of both servers');
  const nodes = (await Promise.all(
    site.nodes.map((node, index) => {
      const key = NODE_KEYS[index] ?? 'a';
      const link = connected[index];
      if (!link || 'error' in link)
        return { key, label: node.address, connectError: link?.error } satisfies NodeState;
      return readNode(key, node.address, link.transport, site.packages.source === 'bundle', options.signal);
    }),
  )) as unknown as readonly [NodeState, NodeState];

  const [a, b] = nodes;
  const transportA = connected[0] && 'transport' in connected[0] ? connected[0].transport : undefined;
  const transportB = connected[1] && 'transport' in connected[1] ? connected[1].transport : undefined;
  let wire: CheckContext['wire'];
  if (transportA && transportB && a.inventory && b.inventory && !a.sudoError && !b.sudoError) {
    progress('probing the wire for the direct private cable');
    wire = await probeWire(wireNode(a, transportA), wireNode(b, transportB), {
      ...(options.signal && { signal: options.signal }),
      ...(site.network.private.a !== AUTO &&
        site.network.private.b !== AUTO && {
          preferred: { a: site.network.private.a, b: site.network.private.b },
        }),
    }).catch((error: unknown): { error: ErrorInfo } => {
      if (options.signal?.aborted) throw error;
      return { error: toErrorInfo(error) };
    });
  }

  const witness =
    site.quorum === 'two_node'
      ? undefined
      : await checkWitness(site, site.quorum.witness, [transportA, transportB], options);
  const bundle = site.packages.source === 'bundle' ? bundleState(site.packages.bundle) : undefined;
  if (site.fencing.mode === 'ipmi') progress('asking each BMC for its power state, from the other server');
  const bmc =
    site.fencing.mode === 'ipmi'
      ? await probeBmcs(site, [transportA, transportB], options.secrets?.bmcPasswords, options.signal)
      : undefined;
  return {
    context: {
      site,
      nodes,
      ...(wire && { wire }),
      ...(witness && { witness }),
      ...(bundle && { bundle }),
      ...(bmc && { bmc }),
    },
    transports: [transportA, transportB],
  };
}

function wireNode(node: NodeState, transport: Transport) {
  const nics = node.inventory && !isFactError(node.inventory.nics) ? node.inventory.nics : [];
  return {
    label: node.label,
    transport,
    nics,
    managementNic: managementNicFor(nics, node.extras?.session?.serverAddress ?? null),
  };
}

async function readNode(
  key: 'a' | 'b',
  label: string,
  transport: Transport,
  fromBundle: boolean,
  signal?: AbortSignal,
): Promise<NodeState> {
  const sudoError = await transport
    .exec('true', { sudo: true, timeoutMs: 30_000, ...(signal && { signal }) })
    .then(() => undefined)
    .catch((error: unknown) => {
      if (signal?.aborted) throw error;
      return toErrorInfo(error);
    });
  const [inventory, extras, clockOffsetMs] = await Promise.all([
    probeHost(transport, signal ? { signal } : {}),
    readExtras(transport, !sudoError, fromBundle, signal),
    measureClockOffsetMs(transport, signal).catch(() => undefined),
  ]);
  return {
    key,
    label,
    inventory,
    extras,
    ...(sudoError && { sudoError }),
    ...(clockOffsetMs !== undefined && { clockOffsetMs }),
    ...(extras.session && { sessionAddress: extras.session.serverAddress }),
  };
}

const EXTRA_FACTS = Object.fromEntries(extraFacts.map((fact) => [fact.id, fact]));

/**
 * With packages from the offline bundle the servers' own mirror is never read, and an
 * offline server spends seconds failing to resolve it: its fact is left out.
 */
async function readExtras(transport: Transport, sudo: boolean, fromBundle: boolean, signal?: AbortSignal): Promise<NodeExtras> {
  const marker = newMarker();
  const facts = fromBundle ? extraFacts.filter((fact) => fact !== packageSourceFact) : extraFacts;
  // $SSH_CONNECTION is the login shell's; sudo would clear it, so it is read outside sudo.
  const script = `SSH_CONNECTION=${quote(await sessionOf(transport))}; export SSH_CONNECTION\n${scriptFor(facts, marker, 30)}`;
  const result = await transport.exec('sh -s', {
    stdin: script,
    sudo,
    timeoutMs: 120_000,
    ...(signal && { signal }),
  });
  const outcomes = interpretAll(EXTRA_FACTS, result.stdout, marker);
  const value = <T>(id: string): T | undefined => {
    const outcome = outcomes[id];
    return outcome?.ok ? (outcome.value as T) : undefined;
  };
  return {
    session: value('session') ?? null,
    drbd: value('drbd'),
    qemu: value('qemu'),
    packageSource: value('package-source'),
    conflicts: value('conflicts'),
  };
}

async function sessionOf(transport: Transport): Promise<string> {
  const result = await transport.exec('echo "$SSH_CONNECTION"', { timeoutMs: 15_000 });
  return result.stdout.trim();
}

/** A bundle is usable once its apt index and manifest are written (they are written last). */
function bundleState(directory: string): { ready: boolean; detail: string } {
  const index = join(directory, 'Packages');
  const manifest = join(directory, MANIFEST_NAME);
  if (!existsSync(directory)) return { ready: false, detail: 'the folder does not exist' };
  if (!existsSync(index) || !existsSync(manifest))
    return { ready: false, detail: 'it has no Packages index or manifest' };
  return { ready: true, detail: 'built' };
}

/**
 * The witness as apply will use it: a login with the site's user and key under the
 * pinned host key, with administrator rights; and, from each node, a TCP connection
 * to its qnetd port (before corosync-qnetd is installed a refusal proves the route).
 */
async function checkWitness(
  site: ResolvedSite,
  witness: ResolvedWitness,
  nodes: readonly (Transport | undefined)[],
  options: GatherOptions,
): Promise<WitnessState> {
  const [login, ports] = await Promise.all([
    loginToWitness(site, witness, options),
    Promise.all(
      nodes.map(async (transport) =>
        transport ? probeQnetdPort(transport, witness.address, options.signal) : undefined,
      ),
    ),
  ]);
  const port: Partial<Record<NodeKey, { answer: QnetdPortAnswer; detail: string }>> = {};
  NODE_KEYS.forEach((key, index) => {
    const answer = ports[index];
    if (answer) port[key] = answer;
  });
  return { ...login, qnetdPort: QNETD_PORT, port };
}

async function loginToWitness(
  site: ResolvedSite,
  witness: ResolvedWitness,
  options: GatherOptions,
): Promise<Pick<WitnessState, 'reachable' | 'detail' | 'remedy' | 'qnetdActive'>> {
  let transport: Transport | undefined;
  try {
    transport = await connect(
      {
        endpoint: { host: witness.address, port: witness.port },
        login: { user: witness.user, ...(site.ssh.identityFile && { identityFile: site.ssh.identityFile }) },
        knownHostsPath: options.knownHostsPath,
        ...(options.secrets && { secrets: options.secrets }),
      },
      { label: witness.address, ...(options.signal && { signal: options.signal }) },
    );
    const signal = options.signal ? { signal: options.signal } : {};
    await transport.exec('true', { sudo: true, timeoutMs: 30_000, ...signal });
    const active = await transport.exec('systemctl is-active corosync-qnetd', {
      timeoutMs: 15_000,
      ...signal,
    });
    const qnetdActive = active.stdout.trim() === 'active';
    return {
      reachable: true,
      detail: `${witness.user} logs in over SSH with administrator rights; corosync-qnetd ${qnetdActive ? 'runs' : 'is not running yet'}`,
      qnetdActive,
    };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const info = toErrorInfo(error);
    return { reachable: false, detail: info.message, remedy: info.remedy };
  } finally {
    await transport?.close().catch(() => undefined);
  }
}

/** What a node's `bash /dev/tcp` connection attempt says, classified (pure, for tests). */
export function classifyPortProbe(
  code: number | null,
  stderr: string,
): { answer: QnetdPortAnswer; detail: string } {
  const reason = stderr.trim().split('\n').pop()?.replace(/^.*: /, '') ?? '';
  if (code === 0) return { answer: 'open', detail: 'connected' };
  if (code === 124) return { answer: 'no-answer', detail: 'no answer within 5 s' };
  if (/refused/i.test(stderr)) return { answer: 'refused', detail: 'connection refused' };
  return { answer: 'unreachable', detail: reason || `exit ${code ?? 'by signal'}` };
}

async function probeQnetdPort(
  transport: Transport,
  address: string,
  signal?: AbortSignal,
): Promise<{ answer: QnetdPortAnswer; detail: string }> {
  const result = await transport.exec(
    command('timeout', '5', 'bash', '-c', `exec 3<>/dev/tcp/${address}/${QNETD_PORT}`),
    { timeoutMs: 20_000, ...(signal && { signal }) },
  );
  return classifyPortProbe(result.code, result.stderr);
}
