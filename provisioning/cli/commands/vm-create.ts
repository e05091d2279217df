import { existsSync, statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { VmCreateRequestSchema, vmCreateRefusal, type VmCreateRequest } from '../../api/actions';
import { LockstepError } from '../../api/errors';
import { prepareVmCreate, vmCreateRunsDir } from '../../actions/vm-create';
import { runsDir } from '../../engine/journal';
import { parseSizeMiB } from '../../util/size';
import { action, type ActionContext } from '../action';
import { isInteractive } from '../prompt';
import { runStepsCommand } from '../run-steps';
import { allowChecksOption, openPairSession } from './plan';

/**
 * `lockstep vm create NAME --level ha`: a new VM on a mirrored disk that the cluster
 * runs and restarts on the survivor (PRODUCT.md console actions: "create/import a VM
 * with a level"). `--image` imports a raw disk image onto it. Runs as engine steps
 * with the same display, journal and rerun behaviour as `apply`.
 */
export function registerVmCreate(vm: Command): void {
  vm.command('create')
    .argument('<vm>', 'the new VM (lowercase letters, digits and dashes: it also names its disk)')
    .description('create a VM on a mirrored disk at an availability level (ha), optionally from a raw image')
    .addOption(new Option('--level <level>', 'ha: the cluster restarts it on the survivor (ft and none: see below)').default('ha'))
    .addOption(new Option('--disk-size <size>', 'size of its mirrored disk, e.g. 20G or 512M (default 1G, or the image size when larger)'))
    .addOption(new Option('--memory <size>', 'memory, e.g. 2G or 512M').default('1G'))
    .addOption(new Option('--vcpus <n>', 'virtual CPUs').default('1'))
    .addOption(new Option('--image <file>', 'a raw disk image on this computer to copy onto its disk (import)'))
    .addOption(new Option('--no-network', 'no NIC (default: one NIC on the first business network)'))
    .addOption(allowChecksOption())
    .addHelpText(
      'after',
      `
The disk is a DRBD resource (protocol C over the private link) on an LV of the pair's
volume group; the cluster promotes it on one node and starts the VM there. A rerun
finishes an interrupted create and changes nothing once the VM runs.
Asks for confirmation on a terminal unless --yes; without a terminal --yes is required.

Exit codes: 0 done · 1 a step failed or validation failed · 2 usage · 3 connection · 130 cancelled.`,
    )
    .action(action(runVmCreate));
}

interface VmCreateFlags {
  readonly level: string;
  readonly diskSize?: string;
  readonly memory: string;
  readonly vcpus: string;
  readonly image?: string;
  readonly network: boolean;
  readonly allowChecks?: string;
}

function size(field: string, text: string): number {
  const mib = parseSizeMiB(text);
  if (mib === null) throw new LockstepError({ code: 'usage', field, message: `"${text}" is not a size.`, remedy: `Give a size such as 512M or 2G (${field}).` });
  return mib;
}

/** The flags as the contract's request, checked by its schema (errors name the flag). */
function requestFrom(name: string, flags: VmCreateFlags): VmCreateRequest {
  if (flags.image && !existsSync(flags.image))
    throw new LockstepError({ code: 'usage', field: '--image', message: `The image ${flags.image} does not exist.`, remedy: 'Give the path of a raw disk image on this computer.' });
  const imageMiB = flags.image && existsSync(flags.image) ? Math.ceil(statSync(flags.image).size / 1048576) : 0;
  const parsed = VmCreateRequestSchema.safeParse({
    vm: name,
    level: flags.level,
    diskMiB: flags.diskSize ? size('--disk-size', flags.diskSize) : Math.max(1024, imageMiB),
    memoryMiB: size('--memory', flags.memory),
    vcpus: /^\d+$/.test(flags.vcpus) ? Number(flags.vcpus) : Number.NaN,
    network: flags.network,
    ...(flags.image && { image: flags.image }),
  });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = FLAG_OF[String(issue.path[0])] ?? String(issue.path[0]);
  throw new LockstepError({ code: 'usage', field, message: `${field}: ${issue.message}`, remedy: `Correct ${field} (lockstep vm create --help).` });
}

const FLAG_OF: Record<string, string> = { vm: 'vm', level: '--level', diskMiB: '--disk-size', memoryMiB: '--memory', vcpus: '--vcpus', image: '--image' };

export async function runVmCreate(context: ActionContext, name: string, flags: VmCreateFlags): Promise<number> {
  const request = requestFrom(name, flags);
  const refusal = vmCreateRefusal(request.level);
  if (refusal) throw new LockstepError({ code: 'action.refused', field: '--level', ...refusal });
  if (!context.options.yes && !isInteractive())
    throw new LockstepError({ code: 'usage', field: '--yes', message: 'vm create changes both servers and needs a confirmation, but there is no terminal to ask on.', remedy: 'Pass --yes to create it without asking.' });

  const opened = await openPairSession(context, flags.allowChecks);
  try {
    const { session } = opened.pair;
    const { spec, steps } = await prepareVmCreate(request, session);
    return await runStepsCommand(context, {
      steps,
      session,
      runsDir: vmCreateRunsDir(runsDir(session.site.name), name),
      question: () => `Create ${name} (${spec.disk.sizeMiB} MiB mirrored disk${spec.image ? ` from ${spec.image.path}` : ''}, ${spec.memoryMiB} MiB, ${spec.vcpus} vCPU) on ${session.nodes[0].label} and ${session.nodes[1].label}?`,
      again: `Run vm create ${name} again to continue`,
    });
  } finally {
    await opened.pair.close();
  }
}
