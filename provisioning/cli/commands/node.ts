import { Option, type Command } from 'commander';
import { action, type ActionContext } from '../action';
import { runActionCommand } from '../run-action';

/**
 * `lockstep node standby|online NODE -c site.yaml`: a node to maintenance (Pacemaker
 * standby: its VMs move to the peer first) and back. NODE is the cluster node name,
 * its address in the site file, or a / b. Refused when the peer could not take over.
 */
export function registerNode(program: Command): void {
  const node = program.command('node').description('a node to maintenance (standby) and back');
  node
    .command('standby')
    .argument('<node>', 'cluster node name, its address in the site file, or a / b')
    .description('move everything off the node and keep it idle (maintenance)')
    .addOption(dryRunOption())
    .addHelpText('after', '\nAsks for confirmation on a terminal unless --yes; without a terminal --yes is required.\nExit codes: 0 done or already so · 1 refused or failed · 2 usage · 3 connection · 130 cancelled.')
    .action(action((context: ActionContext, ref: string, flags: { dryRun?: boolean }) =>
      runActionCommand(context, { kind: 'node-mode', node: ref, mode: 'standby' }, flags, `Put ${ref} into standby? Its VMs move to the other node.`),
    ));
  node
    .command('online')
    .argument('<node>', 'cluster node name, its address in the site file, or a / b')
    .description('bring the node back from standby or maintenance so it runs VMs again')
    .addOption(dryRunOption())
    .action(action((context: ActionContext, ref: string, flags: { dryRun?: boolean }) =>
      runActionCommand(context, { kind: 'node-mode', node: ref, mode: 'online' }, flags, `Bring ${ref} online?`),
    ));
}

/** `--dry-run`, shared by the node and vm commands. */
export function dryRunOption(): Option {
  return new Option('--dry-run', 'say what would change, change nothing');
}
