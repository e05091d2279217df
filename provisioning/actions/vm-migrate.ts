import { refused, type Action } from '../engine/action';
import { run } from '../engine/run-command';
import type { Decision } from '../engine/types';
import type { CrmMonitor } from '../monitor/parse/crm-mon';
import { command } from '../util/shell';
import { clusterNodeName, readCluster, readDomains, waitForCluster } from './cluster-view';
import { managedVms, noSuchVm, vmResource } from './vm-resource';

/**
 * Migrate a VM: `crm_resource --move` gives the VM's resource a preference for the
 * target node (`cli-prefer-…`), and Pacemaker moves it — live when the resource allows
 * migration, else by a clean shutdown and start. The preference stays, so the VM is
 * not moved back behind the admin's back; the next migrate replaces it.
 */
const MIGRATE_TIMEOUT_MS = 300_000;

/** Decides a migration from Pacemaker's view (pure). `target` null: the other node. */
export function decideMigrate(crm: CrmMonitor, vm: string, target: string | null, allVms: readonly string[]): Decision & { target?: string } {
  const resource = vmResource(crm, vm);
  if (!resource) {
    if (!allVms.includes(vm)) throw noSuchVm(vm, allVms);
    throw refused(
      `${vm} is not managed by the cluster (level none): Pacemaker cannot move it.`,
      `Give it the level ha first: \`lockstep vm level ${vm} ha -c site.yaml\`.`,
    );
  }
  const from = resource.nodes[0];
  const to = target ?? crm.nodes.find((node) => node.name !== from)?.name;
  const node = crm.nodes.find((each) => each.name === to);
  if (!to || !node || !node.online || node.standby || node.unclean)
    throw refused(
      `${vm} cannot move to ${to ?? 'the other node'}: ${!node ? 'no such node' : node.standby ? 'it is in standby' : 'it is not online'}.`,
      `Bring ${to ?? 'the other node'} online first (\`lockstep node online ${to ?? 'NODE'} -c site.yaml\`).`,
    );
  if (resource.nodes.length === 1 && from === to) return { kind: 'noop', reason: `${vm} already runs on ${to}` };
  return {
    kind: 'change',
    target: to,
    changes: [
      {
        summary: `move ${vm} ${from ? `from ${from} ` : ''}to ${to} (live when the resource allows migration, else it restarts there)`,
        commands: [command('crm_resource', '--move', '--resource', resource.id, '--node', to)],
      },
    ],
  };
}

/** Why the VM does not (yet) run on the target alone, or null when it does. */
export function migrateProblem(crm: CrmMonitor, vm: string, target: string): string | null {
  const resource = vmResource(crm, vm);
  if (!resource) return `${vm} is no longer a cluster resource`;
  if (resource.failed) return `${vm} failed (read \`crm_mon -1 -f\`)`;
  if (!resource.active || resource.role !== 'Started' || resource.nodes.length === 0) return `${vm} is not running yet`;
  if (resource.nodes.length > 1 || resource.nodes[0] !== target) return `${vm} runs on ${resource.nodes.join(', ')}`;
  return null;
}

/** The action for `lockstep vm migrate VM [NODE]` and the console's Migrate button. */
export function vmMigrateAction(vm: string, nodeRef: string | null): Action {
  let target = nodeRef ?? 'the other node';
  const decide = async (context: Parameters<Action['inspect']>[0]) => {
    const view = await readCluster(context);
    const named = nodeRef === null ? null : await clusterNodeName(context, view.crm, nodeRef);
    const domains = (await readDomains(context)).flatMap((entry) => entry.domains.map((domain) => domain.name));
    const decision = decideMigrate(view.crm, vm, named, [...new Set([...domains, ...managedVms(view.crm)])]);
    target = decision.target ?? named ?? vmResource(view.crm, vm)?.nodes[0] ?? target;
    return { view, decision };
  };
  return {
    id: 'vm.migrate',
    get title() {
      return `Migrate ${vm} to ${target}`;
    },
    subject: vm,
    get done() {
      return `${vm} runs on ${target}.`;
    },
    async inspect(context) {
      const { decision } = await decide(context);
      return decision.kind === 'noop' ? decision : { kind: 'change', changes: decision.changes };
    },
    async apply(context) {
      const { view, decision } = await decide(context);
      if (decision.kind === 'noop') return;
      for (const line of decision.changes.flatMap((change) => change.commands)) await run(view.via, line, { timeoutMs: 60_000 });
    },
    async verify(context) {
      await waitForCluster(context, (crm) => migrateProblem(crm, vm, target), {
        timeoutMs: MIGRATE_TIMEOUT_MS,
        what: `Moving ${vm} to ${target}`,
        fix: `Read \`crm_mon -1 -f\` and \`journalctl -u pacemaker\` on ${target}; the VM's disk must be reachable there.`,
      });
    },
  };
}
