import type { Command } from 'commander';
import { labDown, labStatus, labUp, type LabInfo, type LabStatus } from '../../lab';
import { action } from '../action';
import { ExitCode, printJson, printLine, printNote } from '../output';

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
  printLine();
  printLine(`  site file       ${info.siteFile}`);
  printLine(`  root key        ${info.identityFile}`);
  printLine(`  host keys       pinned in ${info.knownHostsPath}`);
  printLine(
    `  practice users  admin (sudo, asks its password), nosudo; passwords in ${info.credentialsFile}`,
  );
  printLine(`  this computer   ${info.hostAddress} on ${info.managementSubnet}`);
}

function printStatus(status: LabStatus): void {
  printLine(`Lab: ${status.state}`);
  for (const node of status.nodes) {
    const what = node.running
      ? node.sshReady
        ? 'running, SSH answers'
        : 'running, SSH not answering'
      : 'stopped';
    printLine(`  ${node.hostname}  ${node.address}  ${what}`);
  }
  if (status.state === 'degraded' && status.leftovers.length > 0) {
    printLine(`  present: ${status.leftovers.join(', ')}`);
    printLine('  Run `lockstep lab up` to rebuild it, or `lockstep lab down` to remove it.');
  }
  if (status.state === 'running' && status.info) printLine(`  site file: ${status.info.siteFile}`);
  if (status.state === 'down') printLine('  Start it with `lockstep lab up`.');
}

/** `lockstep lab up|down|status`: the practice lab of two servers on this computer. */
export function registerLab(program: Command): void {
  const lab = program
    .command('lab')
    .description('practice lab: two Debian servers as containers on this computer (Linux, root)');

  lab
    .command('up')
    .description('build and boot the two lab servers, pin their host keys, write their site file')
    .action(
      action(async ({ options }) => {
        const result = await labUp({
          ...(options.knownHosts !== undefined && { knownHostsPath: options.knownHosts }),
          onProgress: printNote,
        });
        if (options.json) {
          printJson(result.info);
          return ExitCode.ok;
        }
        printLine(
          result.reused
            ? 'The lab is already up; nothing changed.'
            : `The lab is up (${seconds(result.elapsedMs)}): two Debian 12 servers, a management network, a private cable between them and a business network.`,
        );
        printInfo(result.info);
        printLine();
        printLine(`Next: lockstep probe -c ${result.info.siteFile}`);
        printLine('When done: lockstep lab down');
        return ExitCode.ok;
      }),
    );

  lab
    .command('down')
    .description('stop the lab servers and remove everything the lab built (the cached image stays)')
    .action(
      action(async ({ options }) => {
        const result = await labDown({ onProgress: printNote });
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
    .action(
      action(async ({ options }) => {
        const status = await labStatus();
        if (options.json) printJson(status);
        else printStatus(status);
        return ExitCode.ok;
      }),
    );
}
