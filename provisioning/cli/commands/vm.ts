import type { Command } from 'commander';
import { AvailabilityLevelSchema } from '../../api/actions';
import { LockstepError } from '../../api/errors';
import { action, type ActionContext } from '../action';
import { runActionCommand } from '../run-action';
import { dryRunOption } from './node';
import { registerVmCreate } from './vm-create';

/**
 * `lockstep vm create`, `lockstep vm migrate VM [NODE]` and `lockstep vm level VM ha|none`:
 * a VM's birth, place and availability level, through the cluster (Pacemaker
 * VirtualDomain resources).
 */
export function registerVm(program: Command): void {
  const vm = program.command('vm').description('create a protected VM, move a VM, or change its availability level');
  registerVmCreate(vm);
  vm.command('migrate')
    .argument('<vm>', 'the VM (libvirt domain name)')
    .argument('[node]', 'where to (default: the node it does not run on)')
    .description('move an ha VM to the other node (live when its resource allows migration)')
    .addOption(dryRunOption())
    .action(action((context: ActionContext, name: string, node: string | undefined, flags: { dryRun?: boolean }) =>
      runActionCommand(context, { kind: 'vm-migrate', vm: name, ...(node && { node }) }, flags, `Move ${name}${node ? ` to ${node}` : ''}? It may restart.`),
    ));
  vm.command('level')
    .argument('<vm>', 'the VM (libvirt domain name)')
    .argument('<level>', 'ha (the cluster restarts it on the survivor) or none (libvirt only); ft is not offered yet')
    .description("set a VM's availability level")
    .addOption(dryRunOption())
    .action(action((context: ActionContext, name: string, text: string, flags: { dryRun?: boolean }) => {
      const level = AvailabilityLevelSchema.safeParse(text);
      if (!level.success)
        throw new LockstepError({ code: 'usage', field: 'level', message: `"${text}" is not a level.`, remedy: 'Use ha or none.' });
      return runActionCommand(context, { kind: 'vm-level', vm: name, level: level.data }, flags, `Set ${name} to level ${level.data}? The cluster stops protecting it.`);
    }));
}
