import { LockstepError } from '../api/errors';
import type { NodeStep, NodeStepContext, PairStep, PairStepContext, Step } from '../engine/types';
import { command, quote } from '../util/shell';
import { isInSync, parseProcDrbd, type ProcDrbdDevice } from './parse/drbd';
import { renderDrbdResource } from './storage';
import { readFile, writeCommand, writeFileIfChanged } from './support/files';
import { notVerified, read, run } from './support/run';

/**
 * One protected VM disk at level `ha` (PRODUCT.md: one DRBD resource, protocol C, per
 * protected VM disk, over the private link): an LV of the same size on both nodes, the
 * resource made from the installed template, its metadata, the device up, and the first
 * full sync from node a. The console's "create VM with level ha" runs these steps
 * through the engine (`applySteps`) like the install's; a rerun finds them done.
 */

/** What a protected disk is: its name (LV and DRBD resource), size and DRBD minor (port = 7788 + minor). */
export interface VmDiskSpec {
  readonly name: string;
  readonly sizeMiB: number;
  readonly minor: number;
}

/** Names LVM and DRBD both accept, and that cannot break out of a path. */
const NAME = /^[a-z][a-z0-9-]{0,46}$/;

export function checkVmDiskSpec(spec: VmDiskSpec): void {
  if (!NAME.test(spec.name))
    throw new LockstepError({ code: 'config', field: 'disk.name', message: `"${spec.name}" is not a usable disk name.`, remedy: 'Use lowercase letters, digits and dashes, starting with a letter (at most 47).' });
  if (!Number.isInteger(spec.sizeMiB) || spec.sizeMiB < 16)
    throw new LockstepError({ code: 'config', field: 'disk.size', message: `A protected disk of ${spec.sizeMiB} MiB is too small.`, remedy: 'Give at least 16 MiB.' });
  if (!Number.isInteger(spec.minor) || spec.minor < 0 || spec.minor > 1000)
    throw new LockstepError({ code: 'config', field: 'disk.minor', message: `DRBD minor ${spec.minor} is out of range.`, remedy: 'Use a minor between 0 and 1000.' });
}

export function resourcePath(name: string): string {
  return `/etc/drbd.d/${name}.res`;
}

/** The device of `spec.minor` as `/proc/drbd` shows it on one node (undefined: not configured). */
export async function drbdDevice(context: NodeStepContext, minor: number): Promise<{ device: ProcDrbdDevice | undefined; raw: string }> {
  const proc = await read(context, 'cat /proc/drbd');
  return { device: parseProcDrbd(proc.stdout).get(minor), raw: proc.stdout };
}

function configured(device: ProcDrbdDevice | undefined): device is ProcDrbdDevice {
  return device !== undefined && device.cstate !== 'Unconfigured';
}

async function lvSizeMiB(context: NodeStepContext, name: string): Promise<number | null> {
  const lv = await read(context, command('lvs', '--noheadings', '--units', 'm', '--nosuffix', '-o', 'lv_size', `${context.site.storage.volumeGroup}/${name}`));
  return lv.code === 0 ? Math.round(Number(lv.stdout.trim())) : null;
}

/** `vm-disk.volume` (node): the backing LV, the same size on both nodes. */
export function vmDiskVolumeStep(spec: VmDiskSpec): NodeStep {
  checkVmDiskSpec(spec);
  const create = (vg: string): string => command('lvcreate', '--yes', '--wipesignatures', 'y', '-L', `${spec.sizeMiB}m`, '-n', spec.name, vg);
  return {
    id: 'vm-disk.volume',
    title: `Logical volume for ${spec.name}`,
    group: 'storage',
    scope: 'node',
    applicable: (_site, pair) => pair.storageAvailable,
    async inspect(context) {
      const size = await lvSizeMiB(context, spec.name);
      if (size === null) return { kind: 'change', changes: [{ summary: `create the LV ${context.site.storage.volumeGroup}/${spec.name} (${spec.sizeMiB} MiB)`, commands: [create(context.site.storage.volumeGroup)] }] };
      if (size < spec.sizeMiB) throw new LockstepError({ code: 'config', host: context.label, message: `The LV ${spec.name} exists with ${size} MiB, less than ${spec.sizeMiB} MiB.`, remedy: 'Choose another name, or grow the disk with its own action.' });
      return { kind: 'noop', reason: `the LV ${spec.name} exists (${size} MiB)` };
    },
    async apply(context) {
      if ((await lvSizeMiB(context, spec.name)) === null) await run(context, create(context.site.storage.volumeGroup), { timeoutMs: 120_000 });
    },
    async verify(context) {
      const size = await lvSizeMiB(context, spec.name);
      if (size === null || size < spec.sizeMiB) throw notVerified(context.label, `the LV ${spec.name} is missing or too small.`, 'Run `lvs` on the server.');
    },
  };
}

/** `vm-disk.drbd-resource` (node): the resource file (from the template), metadata, device up. */
export function vmDiskResourceStep(spec: VmDiskSpec): NodeStep {
  checkVmDiskSpec(spec);
  const path = resourcePath(spec.name);
  const render = (context: NodeStepContext): string => renderDrbdResource(context.pair.pairName, context.pair, context.site.storage.volumeGroup, spec.name, spec.minor);
  /** Metadata exists: the device is up, or `dump-md` reads it from the down device. */
  const hasMetadata = async (context: NodeStepContext, up: boolean): Promise<boolean> => up || (await read(context, `drbdadm dump-md ${quote(spec.name)} >/dev/null 2>&1`)).code === 0;
  return {
    id: 'vm-disk.drbd-resource',
    title: `DRBD resource ${spec.name}`,
    group: 'storage',
    scope: 'node',
    applicable: (_site, pair) => pair.storageAvailable,
    async inspect(context) {
      const changes = [];
      const fileOk = (await readFile(context, path)) === render(context);
      if (!fileOk) changes.push({ summary: `write ${path} (protocol C over ${context.pair.privateLink ? 'the private link' : 'the management network'}, port ${7788 + spec.minor})`, commands: [writeCommand(path)] });
      const up = configured((await drbdDevice(context, spec.minor)).device);
      if (!up && !(fileOk && (await hasMetadata(context, up)))) changes.push({ summary: `create DRBD metadata on ${spec.name}`, commands: [`drbdadm -- --force create-md ${spec.name}`] });
      if (!up) changes.push({ summary: `bring /dev/drbd${spec.minor} up`, commands: [`drbdadm up ${spec.name}`] });
      else if (!fileOk) changes.push({ summary: `apply the changed configuration to ${spec.name}`, commands: [`drbdadm adjust ${spec.name}`] });
      return changes.length ? { kind: 'change', changes } : { kind: 'noop', reason: `${spec.name} is configured and up on /dev/drbd${spec.minor}` };
    },
    async apply(context) {
      await writeFileIfChanged(context, path, render(context));
      const up = configured((await drbdDevice(context, spec.minor)).device);
      if (!up) {
        if (!(await hasMetadata(context, false))) await run(context, `drbdadm -- --force create-md ${quote(spec.name)} </dev/null`, { timeoutMs: 120_000 });
        await run(context, `drbdadm up ${quote(spec.name)}`, { timeoutMs: 120_000 });
      } else await run(context, `drbdadm adjust ${quote(spec.name)}`, { timeoutMs: 120_000 });
    },
    async verify(context) {
      const { device } = await drbdDevice(context, spec.minor);
      if (!configured(device)) throw notVerified(context.label, `/dev/drbd${spec.minor} (${spec.name}) is not up.`, `Run \`drbdadm up ${spec.name}\` on the server and read its error.`);
      if (device.protocol !== null && device.protocol !== 'C') throw notVerified(context.label, `${spec.name} replicates with protocol ${device.protocol}, not C.`, `Check ${path}.`);
    },
  };
}

/** Polls both nodes until `done` holds for both devices, or throws after `timeoutMs`. */
async function waitBoth(context: PairStepContext, minor: number, done: (a: ProcDrbdDevice | undefined, b: ProcDrbdDevice | undefined) => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const [a, b] = await Promise.all(context.nodes.map((node) => drbdDevice(node, minor)));
    if (done(a?.device, b?.device)) return;
    const line = context.nodes.map((node, index) => {
      const device = (index === 0 ? a : b)?.device;
      return `${node.label}: ${device ? `${device.cstate} ${device.role}/${device.peerRole} ${device.disk}/${device.peerDisk}${device.syncedPercent !== null ? ` ${device.syncedPercent}%` : ''}` : 'not configured'}`;
    }).join(', ');
    if (line !== last) context.log(line);
    last = line;
    if (Date.now() > deadline) throw notVerified('the pair', `${what} did not happen in ${Math.round(timeoutMs / 1000)} s (${line}).`, 'Check the private link (`ping` its addresses) and `dmesg` on both nodes.');
    if (context.signal.aborted) return;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** `vm-disk.initial-sync` (pair): node a becomes the sync source of a new resource; both end Secondary and UpToDate. */
export function vmDiskSyncStep(spec: VmDiskSpec): PairStep {
  checkVmDiskSpec(spec);
  // ~10 MiB/s is a slow private link under emulation; never less than two minutes.
  const syncTimeoutMs = Math.max(120_000, spec.sizeMiB * 100);
  const fresh = (device: ProcDrbdDevice | undefined): boolean => device?.disk === 'Inconsistent' && device.peerDisk === 'Inconsistent';
  return {
    id: 'vm-disk.initial-sync',
    title: `First sync of ${spec.name}`,
    group: 'storage',
    scope: 'pair',
    applicable: (_site, pair) => pair.storageAvailable,
    async inspect(context) {
      const [a, b] = await Promise.all(context.nodes.map((node) => drbdDevice(node, spec.minor)));
      if (isInSync(a?.device) && isInSync(b?.device)) return { kind: 'noop', reason: `${spec.name} is Connected, UpToDate/UpToDate` };
      return { kind: 'change', changes: [{ summary: `wait for the nodes to connect, make ${context.nodes[0].label} the sync source of ${spec.name} if it is new, wait until both are UpToDate`, commands: [`drbdadm primary --force ${spec.name}`, `drbdadm secondary ${spec.name}`] }] };
    },
    async apply(context) {
      const [nodeA] = context.nodes;
      await waitBoth(context, spec.minor, (a, b) => a?.cstate !== 'WFConnection' && b?.cstate !== 'WFConnection' && configured(a) && configured(b) && a.cstate !== 'StandAlone', 120_000, `${spec.name} connecting`);
      const { device } = await drbdDevice(nodeA, spec.minor);
      if (fresh(device)) {
        context.log(`${nodeA.label}: first sync of ${spec.name} (${spec.sizeMiB} MiB) starts`);
        await run(nodeA, `drbdadm primary --force ${quote(spec.name)}`);
      }
      await waitBoth(context, spec.minor, (a, b) => isInSync(a) && isInSync(b), syncTimeoutMs, `${spec.name} reaching UpToDate/UpToDate`);
      // Who runs the VM is Pacemaker's decision: the new disk is left Secondary on both.
      if (fresh(device)) await run(nodeA, `drbdadm secondary ${quote(spec.name)}`);
    },
    async verify(context) {
      const states = await Promise.all(context.nodes.map((node) => drbdDevice(node, spec.minor)));
      for (const [index, state] of states.entries()) {
        const node = context.nodes[index];
        if (!isInSync(state.device)) throw notVerified(node?.label ?? 'the pair', `${spec.name} is not Connected and UpToDate/UpToDate: ${state.raw.trim().split('\n').slice(2).join(' | ')}`, 'Read `cat /proc/drbd` and `dmesg` on both nodes.');
      }
    },
  };
}

/** The steps of one protected disk, in order. */
export function vmDiskSteps(spec: VmDiskSpec): Step[] {
  return [vmDiskVolumeStep(spec), vmDiskResourceStep(spec), vmDiskSyncStep(spec)];
}

/**
 * The DRBD minor for a new protected disk: the one its resource already has on either
 * node (a rerun), else the lowest from 1 that no resource uses on either node.
 * `configs` are the texts of `/etc/drbd.d/*.res` as read from each node.
 */
export function chooseMinor(configs: readonly string[], name: string): number {
  const used = new Map<string, number>();
  for (const text of configs)
    for (const match of text.matchAll(/resource\s+(\S+)\s*\{[^}]*?device\s+\/dev\/drbd(\d+)/g)) used.set(match[1]!, Number(match[2]));
  const own = used.get(name);
  if (own !== undefined) return own;
  const taken = new Set(used.values());
  let minor = 1;
  while (taken.has(minor)) minor += 1;
  return minor;
}

/** Reads every resource file of a node, for `chooseMinor`. */
export const RESOURCE_FILES_COMMAND = 'cat /etc/drbd.d/*.res 2>/dev/null; true';
