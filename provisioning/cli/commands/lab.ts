import { Option, type Command } from 'commander';
import {
  labDown,
  labStatus,
  labUp,
  labWitnessDown,
  type LabInfo,
  type LabNodeStatus,
  type LabStatus,
} from '../../lab';
import { vmLabDown, vmLabStatus, vmLabUp, type VmLabInfo } from '../../lab/vm';
import { LockstepError } from '../../api/errors';
import { action } from '../action';
import { ExitCode, printJson, printLine, printNote } from '../output';

/** Reads a hidden pid option (`--lease`, `--release`) of the test harness. */
function leaseOption(command: Command, name: 'lease' | 'release' = 'lease'): number | undefined {
  const raw = command.opts<Record<string, string | undefined>>()[name];
  if (raw === undefined) return undefined;
  const pid = Number(raw);
  if (!Number.isInteger(pid) || pid <= 0) {
    throw new LockstepError({
      code: 'usage',
      message: `--${name} takes a process id, not ${raw}.`,
      remedy: `Pass the pid of the process holding the lease, e.g. --${name} 1234.`,
      field: `--${name}`,
    });
  }
  return pid;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function printInfo(info: LabInfo): void {
  for (const node of info.nodes) {
    const nics = Object.entries(node.nics)
      .sort(([, left], [, right]) => left.localeCompare(right))
      .map(([role, name]) => `${name} ${role}`)
      .join(', ');
    printLine(`  ${node.hostname}  ${node.address}  (NICs: ${nics})`);
  }
  if (info.witness)
    printLine(
      `  ${info.witness.hostname}  ${info.witness.address}  (NICs: ${info.witness.nics.management} management; quorum witness)`,
    );
  printLine();
  printLine(`  site file       ${info.siteFile}`);
  printLine(`  root key        ${info.identityFile}`);
  printLine(`  host keys       pinned in ${info.knownHostsPath}`);
  printLine(
    `  practice users  admin (sudo, asks its password), nosudo; passwords in ${info.credentialsFile}`,
  );
  printLine(`  this computer   ${info.hostAddress} on ${info.managementSubnet}`);
}

function machineState(node: LabNodeStatus): string {
  return node.running ? (node.sshReady ? 'running, SSH answers' : 'running, SSH not answering') : 'stopped';
}

/** Prints `lab status` of either kind; `kindFlag` is what the commands it suggests need (` --kind vm`). */
function printStatus(title: string, status: LabStatus<{ siteFile: string }>, kindFlag = ''): void {
  printLine(`${title}: ${status.state}`);
  for (const node of status.nodes) printLine(`  ${node.hostname}  ${node.address}  ${machineState(node)}`);
  if (status.witness)
    printLine(
      `  ${status.witness.hostname}  ${status.witness.address}  ${machineState(status.witness)} (witness)`,
    );
  if (status.state === 'degraded' && status.leftovers.length > 0) {
    printLine(`  present: ${status.leftovers.join(', ')}`);
    printLine(
      `  Run \`lockstep lab up${kindFlag}\` to rebuild it, or \`lockstep lab down${kindFlag}\` to remove it.`,
    );
  }
  if (status.state === 'running' && status.info) printLine(`  site file: ${status.info.siteFile}`);
  if (status.state === 'down') printLine(`  Start it with \`lockstep lab up${kindFlag}\`.`);
}

function vmWitnessUnsupported(): LockstepError {
  return new LockstepError({
    code: 'usage',
    field: '--witness',
    message: 'The VM lab has no quorum witness; only the container lab has one.',
    remedy: 'Use `lockstep lab up --witness` (container lab), or give the VM lab a two_node site.',
  });
}

/** Which lab a `lab` command is about. */
type LabKind = 'container' | 'vm';

function kindOption(): Option {
  return new Option(
    '--kind <kind>',
    'container (systemd-nspawn, seconds) or vm (QEMU VMs with real disks and DRBD)',
  )
    .choices(['container', 'vm'])
    .default('container');
}

function labKind(value: unknown): LabKind {
  if (value === 'container' || value === 'vm') return value;
  throw new LockstepError({
    code: 'usage',
    field: '--kind',
    message: `Unknown lab kind ${String(value)}.`,
    remedy: 'Use --kind container or --kind vm.',
  });
}

/** The container `lab up` (with `witness`, also `lab witness up`): builds, prints, returns the exit code. */
async function containerUp(
  options: { knownHosts?: string; json?: boolean },
  witness: boolean,
  lease?: number,
): Promise<number> {
  const result = await labUp({
    ...(options.knownHosts !== undefined && { knownHostsPath: options.knownHosts }),
    ...(lease !== undefined && { lease }),
    ...(witness && { witness }),
    onProgress: printNote,
  });
  if (options.json) {
    printJson(result.info);
    return ExitCode.ok;
  }
  if (result.reused)
    printLine(`The lab${witness ? ' and its witness are' : ' is'} already up; nothing changed.`);
  else
    printLine(
      witness
        ? `The lab is up with its quorum witness (${seconds(result.elapsedMs)}).`
        : `The lab is up (${seconds(result.elapsedMs)}): two Debian 12 servers, a management network, a private cable between them and a business network.`,
    );
  printInfo(result.info);
  printLine();
  if (witness && result.info.witness)
    printLine(
      `Use the witness: add \`quorum: { witness: { address: ${result.info.witness.address} } }\` to a copy of ${result.info.siteFile}.`,
    );
  else printLine(`Next: lockstep probe -c ${result.info.siteFile}`);
  printLine(
    witness
      ? 'When done: lockstep lab witness down (the pair stays), or lockstep lab down'
      : 'When done: lockstep lab down',
  );
  return ExitCode.ok;
}

function printVmInfo(info: VmLabInfo): void {
  for (const node of info.nodes) {
    const nics = Object.entries(node.nics)
      .sort(([, left], [, right]) => left.localeCompare(right))
      .map(([role, name]) => `${name} ${role}`)
      .join(', ');
    printLine(`  ${node.hostname}  ${node.address}  (NICs: ${nics}; disks: vda system, vdb pool, vdc data)`);
  }
  printLine();
  printLine(`  site file       ${info.siteFile}`);
  printLine(`  root key        ${info.identityFile}`);
  printLine(`  host keys       pinned in ${info.knownHostsPath}`);
  printLine(`  consoles        ${info.nodes.map((node) => node.consoleLog).join(', ')}`);
  printLine(`  accelerator     ${info.accelerator}`);
  printLine(`  hypervisor      ${info.hypervisor ?? 'kvm'}${info.hypervisor === 'xen' ? ' (the servers boot through GRUB)' : ''}`);
  printLine(`  this computer   ${info.hostAddress} on ${info.managementSubnet}`);
}

/** `lockstep lab up|down|status|witness`: the practice lab of two servers (and an optional witness) on this computer. */
export function registerLab(program: Command): void {
  const lab = program
    .command('lab')
    .description(
      'practice lab: two Debian servers on this computer, as containers or QEMU VMs (Linux, root)',
    );

  lab
    .command('up')
    .description('build and boot the two lab servers, pin their host keys, write their site file')
    .addOption(kindOption())
    .addOption(
      new Option('--hypervisor <name>', 'with --kind vm: the hypervisor the site file installs (xen: the servers boot through GRUB; default kvm)').choices(['kvm', 'xen']),
    )
    .option(
      '--witness',
      'also boot a third container, the quorum witness (10.211.0.13, management network only)',
    )
    .addOption(new Option('--lease <pid>', 'hold a lease on the lab for this process (test runs)').hideHelp())
    .action(
      action(async ({ options, command }) => {
        const witness = command.opts<{ witness?: boolean }>().witness === true;
        const hypervisor = command.opts<{ hypervisor?: 'kvm' | 'xen' }>().hypervisor;
        if (labKind(command.opts().kind) === 'vm') {
          if (witness) throw vmWitnessUnsupported();
          const result = await vmLabUp({
            ...(hypervisor !== undefined && { hypervisor }),
            ...(options.knownHosts !== undefined && { knownHostsPath: options.knownHosts }),
            onProgress: printNote,
          });
          if (options.json) {
            printJson({ ...result.info, elapsedMs: result.elapsedMs, phases: result.phases });
            return ExitCode.ok;
          }
          printLine(
            result.reused
              ? 'The VM lab is already up; nothing changed.'
              : `The VM lab is up (${seconds(result.elapsedMs)}): two Debian 12 VMs with three NICs (management, private link, business) and three disks each.`,
          );
          printVmInfo(result.info);
          printLine();
          printLine(`Next: lockstep probe -c ${result.info.siteFile}`);
          printLine('When done: lockstep lab down --kind vm');
          return ExitCode.ok;
        }
        if (hypervisor === 'xen') {
          throw new LockstepError({
            code: 'usage',
            field: '--hypervisor',
            message: 'The container lab cannot run Xen: its servers share this computer’s kernel.',
            remedy: 'Use `lockstep lab up --kind vm --hypervisor xen`.',
          });
        }
        return containerUp(options, witness, leaseOption(command));
      }),
    );

  lab
    .command('down')
    .description('stop the lab servers and remove everything the lab built (the cached image stays)')
    .addOption(kindOption())
    .addOption(
      new Option('--release <pid>', "release this process's lease; stay up while others hold one").hideHelp(),
    )
    .action(
      action(async ({ options, command }) => {
        if (labKind(command.opts().kind) === 'vm') {
          const result = await vmLabDown({ onProgress: printNote });
          if (options.json) printJson({ kind: 'vm', state: 'down', removed: result.removed });
          else
            printLine(
              result.removed.length === 0
                ? 'The VM lab was already down.'
                : `The VM lab is down; removed ${result.removed.length} items (VMs, TAPs, bridges, disks).`,
            );
          return ExitCode.ok;
        }
        const release = leaseOption(command, 'release');
        const result = await labDown({
          onProgress: printNote,
          ...(release !== undefined && { releaseLease: release }),
        });
        if (result.keptFor) {
          if (options.json) printJson({ state: 'running', keptFor: result.keptFor, removed: [] });
          else
            printLine(`The lab stays up: other test runs still use it (pid ${result.keptFor.join(', ')}).`);
          return ExitCode.ok;
        }
        if (options.json) {
          printJson({ state: 'down', removed: result.removed });
          return ExitCode.ok;
        }
        printLine(
          result.removed.length === 0
            ? 'The lab was already down.'
            : `The lab is down; removed ${result.removed.length} items (containers, namespaces, links, mounts).`,
        );
        return ExitCode.ok;
      }),
    );

  lab
    .command('status')
    .description('whether the lab servers run and answer SSH')
    .addOption(kindOption())
    .action(
      action(async ({ options, command }) => {
        if (labKind(command.opts().kind) === 'vm') {
          const status = await vmLabStatus();
          if (options.json) printJson(status);
          else printStatus('VM lab', status, ' --kind vm');
          return ExitCode.ok;
        }
        const status = await labStatus();
        if (options.json) printJson(status);
        else printStatus('Lab', status);
        return ExitCode.ok;
      }),
    );

  const witness = lab
    .command('witness')
    .description(
      'the optional third container of the lab: a quorum witness (corosync-qnetd) on the management network',
    );

  witness
    .command('up')
    .description(
      'boot the witness (and the lab, if it is down), pin its host key; the same as `lab up --witness`',
    )
    .action(action(async ({ options }) => containerUp(options, true)));

  witness
    .command('down')
    .description('stop the witness and remove everything of it; the two servers keep running')
    .action(
      action(async ({ options }) => {
        const result = await labWitnessDown({ onProgress: printNote });
        if (options.json) {
          printJson({ state: 'down', removed: result.removed });
          return ExitCode.ok;
        }
        printLine(
          result.removed.length === 0
            ? 'The witness was already down.'
            : `The witness is down; removed ${result.removed.length} items (container, namespace, link, mount). The two servers keep running.`,
        );
        return ExitCode.ok;
      }),
    );
}
