import { LockstepError } from '../api/errors';
import { refused, type Action } from '../engine/action';
import { run } from '../engine/run-command';
import type { Change, Decision } from '../engine/types';
import type { CrmMonitor, CrmNodeInfo } from '../monitor/parse/crm-mon';
import { command } from '../util/shell';
import { clusterNodeName, readCluster, waitForCluster } from './cluster-view';

/**
 * Node to maintenance and back. "Maintenance" is Pacemaker standby: the node stays in
 * the cluster but runs nothing, so its VMs move to the peer first — what an admin wants
 * before patching or rebooting a server. Set with `crm_attribute` (pacemaker-cli-utils,
 * which the recipes install; pcs and crmsh are not). `online` also clears Pacemaker's
 * per-node `maintenance` attribute when someone set it, since both keep the node from
 * protecting the pair.
 */

export type NodeMode = 'standby' | 'online';

/** How long Pacemaker may take to move everything off a node (VMs shut down and start elsewhere). */
const STANDBY_TIMEOUT_MS = 300_000;
const ONLINE_TIMEOUT_MS = 60_000;

/** `crm_attribute` on a node attribute; `lifetime` forever is the CIB, reboot the transient status. */
export function nodeAttributeCommand(node: string, name: string, value: string | null, lifetime: 'forever' | 'reboot' = 'forever'): string {
  return value === null
    ? command('crm_attribute', '--node', node, '--name', name, '--delete', '--lifetime', lifetime)
    : command('crm_attribute', '--node', node, '--name', name, '--update', value, '--lifetime', lifetime);
}

/** The resources Pacemaker runs on a node (their ids), for the plan's words. */
export function resourcesOn(crm: CrmMonitor, node: string): string[] {
  return crm.resources.filter((resource) => resource.active && resource.nodes.includes(node)).map((resource) => resource.id);
}

function peerReady(crm: CrmMonitor, node: string): CrmNodeInfo | undefined {
  return crm.nodes.find((peer) => peer.name !== node && peer.online && !peer.standby && !peer.unclean && !peer.maintenance);
}

/** Decides standby / online from Pacemaker's view (pure; throws when the request cannot be met safely). */
export function decideNodeMode(crm: CrmMonitor, name: string, mode: NodeMode): Decision {
  const node = crm.nodes.find((each) => each.name === name);
  if (!node)
    throw new LockstepError({
      code: 'usage',
      field: 'node',
      message: `Pacemaker knows no node "${name}" (its nodes: ${crm.nodes.map((each) => each.name).join(', ')}).`,
      remedy: 'Name a node of this cluster (`lockstep status -c site.yaml` lists them).',
    });
  const peers = crm.nodes.filter((each) => each.name !== name).map((each) => each.name);
  if (mode === 'standby') {
    if (node.standby) return { kind: 'noop', reason: `${name} is already in standby; ${resourcesOn(crm, name).length === 0 ? 'it runs nothing' : `still moving ${resourcesOn(crm, name).join(', ')} away`}` };
    const peer = peerReady(crm, name);
    if (!peer)
      throw refused(
        `${name} cannot go into maintenance: ${peers.length === 0 ? 'it is the only node' : `${peers.join(', ')} ${peers.length > 1 ? 'are' : 'is'} not online`}, so its VMs would have nowhere to run.`,
        `Bring ${peers[0] ?? 'the other node'} online first (\`lockstep node online ${peers[0] ?? 'NODE'} -c site.yaml\`), then try again.`,
      );
    const moving = resourcesOn(crm, name);
    return {
      kind: 'change',
      changes: [
        {
          summary: `put ${name} into standby${moving.length > 0 ? `: Pacemaker moves ${moving.join(', ')} to ${peer.name}` : ` (it runs nothing; ${peer.name} keeps running everything)`}`,
          commands: [nodeAttributeCommand(name, 'standby', 'on')],
        },
      ],
    };
  }
  const changes: Change[] = [];
  if (node.standby)
    changes.push({
      summary: `take ${name} out of standby`,
      commands: [nodeAttributeCommand(name, 'standby', null), nodeAttributeCommand(name, 'standby', null, 'reboot')],
    });
  if (node.maintenance)
    changes.push({ summary: `take ${name} out of Pacemaker maintenance mode`, commands: [nodeAttributeCommand(name, 'maintenance', null)] });
  if (changes.length === 0)
    return { kind: 'noop', reason: node.online ? `${name} is already online (not in standby)` : `${name} is not in standby, but it is not in the cluster either: start corosync and pacemaker on it` };
  return { kind: 'change', changes };
}

/** Why the node is not (yet) in the wanted mode, or null when it is. */
export function nodeModeProblem(crm: CrmMonitor, name: string, mode: NodeMode): string | null {
  const node = crm.nodes.find((each) => each.name === name);
  if (!node) return `${name} is not in Pacemaker's node list`;
  if (mode === 'standby') {
    if (!node.standby) return `${name} is not in standby yet`;
    const left = resourcesOn(crm, name);
    return left.length > 0 ? `${left.join(', ')} still running on ${name}` : null;
  }
  if (node.standby) return `${name} is still in standby`;
  if (node.maintenance) return `${name} is still in maintenance mode`;
  return null;
}

/** The action for `lockstep node standby|online NODE` and the console's buttons. */
export function nodeModeAction(ref: string, mode: NodeMode): Action {
  let name = ref;
  const exactly = async (context: Parameters<Action['inspect']>[0]) => {
    const view = await readCluster(context);
    name = await clusterNodeName(context, view.crm, ref);
    return view;
  };
  return {
    id: mode === 'standby' ? 'node.standby' : 'node.online',
    get title() {
      return mode === 'standby' ? `Put ${name} into maintenance (standby)` : `Bring ${name} back online`;
    },
    get subject() {
      return name;
    },
    get done() {
      return mode === 'standby' ? `${name} is in standby and runs nothing; the peer runs everything.` : `${name} is back online and can run VMs again.`;
    },
    async inspect(context) {
      const { crm } = await exactly(context);
      return decideNodeMode(crm, name, mode);
    },
    async apply(context) {
      const { crm, via } = await exactly(context);
      const decision = decideNodeMode(crm, name, mode);
      if (decision.kind === 'noop') return;
      for (const line of decision.changes.flatMap((change) => change.commands))
        // Deleting an attribute that is not set exits 105 (no such object) on Pacemaker 2.1: already done.
        await run(via, line, { timeoutMs: 60_000, okCodes: line.includes('--delete') ? [105, 6] : [], fix: 'Read `crm_mon -1` on the node; is Pacemaker running and quorate?' });
    },
    async verify(context) {
      await waitForCluster(context, (crm) => nodeModeProblem(crm, name, mode), {
        timeoutMs: mode === 'standby' ? STANDBY_TIMEOUT_MS : ONLINE_TIMEOUT_MS,
        what: mode === 'standby' ? `Moving everything off ${name}` : `Bringing ${name} back`,
        fix: 'Read `crm_mon -1 -f` on a node: a resource that cannot start on the peer (failcounts, constraints) keeps the node busy.',
      });
    },
  };
}
