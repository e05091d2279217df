import type { AvailabilityLevel } from '../api/actions';
import { LockstepError } from '../api/errors';
import { reachableNodes, refused, type Action, type ActionContext } from '../engine/action';
import { read, run } from '../engine/run-command';
import type { Decision } from '../engine/types';
import type { CrmMonitor } from '../monitor/parse/crm-mon';
import type { VirshDomain } from '../monitor/parse/virsh';
import { command } from '../util/shell';
import { readCluster, readDomains, waitForCluster } from './cluster-view';
import { haIds, renderColocation, renderOrder, renderVmPrimitive, resourceIdFor, vmConfigPath } from '../recipes/vm/cluster-xml';
import { managedVms, noSuchVm, vmResource } from './vm-resource';

/**
 * A VM's availability level. `ha`: Pacemaker runs it as an `ocf:heartbeat:VirtualDomain`
 * resource from a copy of its libvirt XML kept on both nodes, and restarts it on the
 * survivor when its node fails (its disks must be on the mirrored storage for that to
 * work). `none`: the resource stays but unmanaged (`is-managed=false`): Pacemaker only
 * watches the VM, never stops, restarts or moves it, and libvirt alone runs it. (Deleting
 * the resource would not do: Pacemaker stops a deleted resource it still has history of —
 * the VM lab's HA test saw `vm level none` stop the guest that way.) Back to `ha` is
 * handing it back. `ft` (COLO lock-stepping) is not offered by this version and is refused
 * rather than faked.
 */

/** Where each reachable node has the VM defined in libvirt. */
export interface DomainsByNode {
  readonly node: string;
  readonly domains: readonly VirshDomain[];
}

/** Decides a level change (pure). `source` is the node whose libvirt defines the VM (for `ha`). */
export function decideLevel(crm: CrmMonitor, defined: readonly DomainsByNode[], vm: string, level: AvailabilityLevel): Decision & { source?: string } {
  if (level === 'ft')
    throw refused(
      'Level ft (fault tolerance by lock-stepping two VMs with QEMU COLO) is not offered by this version of Lockstep.',
      `Use ha: \`lockstep vm level ${vm} ha -c site.yaml\` restarts the VM on the survivor within seconds.`,
    );
  const resource = vmResource(crm, vm);
  const known = [...new Set([...defined.flatMap((entry) => entry.domains.map((domain) => domain.name)), ...managedVms(crm)])].sort();
  if (level === 'none') {
    if (!resource) {
      if (!known.includes(vm)) throw noSuchVm(vm, known);
      return { kind: 'noop', reason: `${vm} is not managed by the cluster (level none already)` };
    }
    if (!resource.managed) return { kind: 'noop', reason: `${vm} is level none already (${resource.id} is unmanaged: only watched)` };
    return {
      kind: 'change',
      changes: [
        {
          summary: `stop the cluster managing ${vm} (it keeps running${resource.nodes[0] ? ` on ${resource.nodes[0]}` : ''}; ${resource.id} stays, unmanaged: watched, never restarted or moved to the other node)`,
          commands: [
            command('crm_resource', '--clear', '--resource', resource.id),
            command('crm_resource', '--resource', resource.id, '--meta', '--set-parameter', 'is-managed', '--parameter-value', 'false'),
          ],
        },
      ],
    };
  }
  if (resource && !resource.managed)
    return {
      kind: 'change',
      changes: [
        {
          summary: `give ${vm} back to the cluster (${resource.id} managed again: restarted on the survivor if its node fails)`,
          commands: [manageCommand(resource.id)],
        },
      ],
    };
  if (resource) return { kind: 'noop', reason: `${vm} is already ha (cluster resource ${resource.id})` };
  const source = defined.find((entry) => entry.domains.some((domain) => domain.name === vm));
  if (!source) throw noSuchVm(vm, known);
  return {
    kind: 'change',
    source: source.node,
    changes: [
      {
        summary: `copy ${vm}'s libvirt definition from ${source.node} to ${vmConfigPath(vm)} on both nodes, and turn off libvirt's own autostart of it`,
        commands: [command('virsh', '-c', 'qemu:///system', 'dumpxml', vm), `sftp put ${vmConfigPath(vm)} (both nodes)`, command('virsh', '-c', 'qemu:///system', 'autostart', '--disable', vm)],
      },
      mirrored(crm, vm)
        ? {
            summary: `make ${vm} a cluster resource (${resourceIdFor(vm)}, ocf:heartbeat:VirtualDomain) tied to its mirrored disk (${haIds(vm).clone}), taken over where it runs without a restart`,
            commands: haWithDiskCommands(vm),
          }
        : {
            summary: `make ${vm} a cluster resource (${resourceIdFor(vm)}, ocf:heartbeat:VirtualDomain) that Pacemaker restarts on the survivor`,
            commands: [`${command('cibadmin', '--create', '--scope', 'resources', '--xml-pipe')} < ${resourceIdFor(vm)}`],
          },
    ],
  };
}

/** The VM's disk is a Lockstep mirrored disk (`vm create`): its DRBD clone is in the cluster. */
function mirrored(crm: CrmMonitor, vm: string): boolean {
  return crm.resources.some((resource) => resource.id === haIds(vm).drbd);
}

/**
 * A VM on a mirrored disk is running already: it is added unmanaged (watched, never
 * started or stopped), then the rules that keep it with its Primary disk, then handed to
 * the cluster — which finds it running where its disk is Primary and leaves it there.
 */
function haWithDiskCommands(vm: string): string[] {
  const ids = haIds(vm);
  return [
    `${command('cibadmin', '--create', '--scope', 'resources', '--xml-pipe')} < ${ids.vm} (unmanaged)`,
    `${command('cibadmin', '--create', '--scope', 'constraints', '--xml-pipe')} < ${renderColocation(vm)}`,
    `${command('cibadmin', '--create', '--scope', 'constraints', '--xml-pipe')} < ${renderOrder(vm)}`,
    manageCommand(ids.vm),
  ];
}

/** Hands an unmanaged resource back to the cluster. */
function manageCommand(resourceId: string): string {
  return command('crm_resource', '--resource', resourceId, '--meta', '--delete-parameter', 'is-managed');
}

/** Why the VM is not (yet) at the level, or null when it is. */
export function levelProblem(crm: CrmMonitor, vm: string, level: AvailabilityLevel): string | null {
  const resource = vmResource(crm, vm);
  if (level === 'none') return resource?.managed ? `${resource.id} is still managed by the cluster` : null;
  if (!resource) return `${resourceIdFor(vm)} is not in the cluster yet`;
  if (!resource.managed) return `${resource.id} is still unmanaged`;
  if (resource.failed) return `${resource.id} failed (read \`crm_mon -1 -f\`)`;
  return resource.active && resource.role === 'Started' ? null : `${resource.id} is not running yet`;
}

/** The action for `lockstep vm level VM LEVEL` and the console's level buttons. */
export function vmLevelAction(vm: string, level: AvailabilityLevel): Action {
  const decide = async (context: ActionContext) => {
    const view = await readCluster(context);
    const domains = await readDomains(context);
    const decision = decideLevel(view.crm, domains.map((entry) => ({ node: entry.node.label, domains: entry.domains })), vm, level);
    return { view, domains, decision };
  };
  return {
    id: 'vm.level',
    title: `Set the availability level of ${vm} to ${level}`,
    subject: vm,
    done: level === 'ha' ? `${vm} is ha: the cluster restarts it on the survivor if its node fails.` : `${vm} is level none: libvirt alone runs it.`,
    async inspect(context) {
      const { decision } = await decide(context);
      return decision.kind === 'noop' ? decision : { kind: 'change', changes: decision.changes };
    },
    async apply(context) {
      const { view, domains, decision } = await decide(context);
      if (decision.kind === 'noop') return;
      const resource = vmResource(view.crm, vm);
      if (level === 'none' || resource) {
        // Level none, or an unmanaged resource handed back: the decided crm_resource commands.
        for (const line of decision.changes.flatMap((change) => change.commands))
          await run(view.via, line, { timeoutMs: 60_000, okCodes: line.includes('--clear') ? [105, 6] : [] });
        return;
      }
      const source = domains.find((entry) => entry.node.label === decision.source)?.node;
      if (!source) throw noSuchVm(vm, []);
      const xml = await run(source, command('virsh', '-c', 'qemu:///system', 'dumpxml', vm), { quiet: true, timeoutMs: 60_000 });
      for (const node of reachableNodes(context)) {
        await run(node, command('mkdir', '-p', '-m', '0700', '/etc/lockstep/vms'));
        await node.transport.upload(Buffer.from(xml.stdout), vmConfigPath(vm), { mode: 0o600, sudo: true });
      }
      await run(source, command('virsh', '-c', 'qemu:///system', 'autostart', '--disable', vm), { okCodes: [1] });
      const create = (scope: string, xml: string) =>
        run(view.via, command('cibadmin', '--create', '--scope', scope, '--xml-pipe'), { stdin: xml, timeoutMs: 60_000 });
      if (!mirrored(view.crm, vm)) {
        await create('resources', renderVmPrimitive(vm));
        return;
      }
      await create('resources', renderVmPrimitive(vm, { unmanaged: true }));
      await create('constraints', renderColocation(vm));
      await create('constraints', renderOrder(vm));
      await run(view.via, manageCommand(haIds(vm).vm), { timeoutMs: 60_000 });
    },
    async verify(context) {
      if (level === 'ha') {
        for (const node of reachableNodes(context)) {
          const config = await read(node, command('test', '-s', vmConfigPath(vm)));
          if (config.code !== 0)
            throw new LockstepError({ code: 'command.failed', host: node.label, message: `On ${node.label}: ${vmConfigPath(vm)} is missing.`, remedy: 'Run the action again: it copies the definition to both nodes.' });
        }
      }
      await waitForCluster(context, (crm) => levelProblem(crm, vm, level), {
        timeoutMs: 180_000,
        what: `Setting ${vm} to level ${level}`,
        fix: 'Read `crm_mon -1 -f` on a node; for ha the VM\'s disks must be reachable from both nodes.',
      });
    },
  };
}
