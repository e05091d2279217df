import { LockstepError } from '../../api/errors';
import type { NodeStep, PairStep, PairStepContext, Step } from '../../engine/types';
import { parseCrmMonitor, type CrmMonitor } from '../../monitor/parse/crm-mon';
import { command, quote } from '../../util/shell';
import { parseProcDrbd } from '../parse/drbd';
import { readFile, writeFileIfChanged } from '../support/files';
import { notVerified, read, run } from '../support/run';
import { vmDiskSteps, type VmDiskSpec } from '../vm-disk';
import { haIds, renderColocation, renderDrbdClone, renderOrder, renderVmPrimitive, vmConfigPath } from './cluster-xml';
import { consoleLogPath, macFor, renderDomainXml } from './domain-xml';
import { forEachChunk, IMAGE_CHUNK_BYTES, type ImageSource } from './image';

/**
 * `lockstep vm create NAME --level ha`: a new VM whose disk is mirrored and which the
 * cluster runs, as steps of the engine (inspect → change or no-op → apply → verify), so
 * that a rerun after a failure or a cancel finishes the job instead of repeating it:
 * the protected disk (LV + DRBD resource + first sync), the image copied onto it when
 * one is given, the libvirt definition on both nodes, the Pacemaker resources (the
 * disk's promotable clone, the VM, and the rules that run the VM where its disk is
 * Primary), and finally the VM running.
 */
export interface VmCreateSpec {
  readonly name: string;
  readonly memoryMiB: number;
  readonly vcpus: number;
  /** Give the VM a NIC on the pair's first business bridge. */
  readonly network: boolean;
  readonly disk: VmDiskSpec;
  readonly image: ImageSource | null;
}

/** Records on both nodes which image the disk was filled from (sha256), so a rerun does not copy it again. */
export function imageMarkerPath(vm: string): string {
  return `/etc/lockstep/vms/${vm}.image`;
}

/** How long the cluster gets to promote the disk and start the VM (a node under emulation is slow). */
const START_TIMEOUT_MS = 10 * 60_000;

async function clusterConfiguration(context: PairStepContext): Promise<string> {
  const result = await read(context.nodes[0], 'cibadmin --query --scope configuration', 60_000);
  if (result.code !== 0) throw notVerified(context.nodes[0].label, `Pacemaker's configuration cannot be read: ${result.stderr.trim()}`, 'Check that the cluster runs: `crm_mon -1` on the node.');
  return result.stdout;
}

function hasId(cib: string, id: string): boolean {
  return cib.includes(`id="${id}"`);
}

async function clusterState(context: PairStepContext): Promise<CrmMonitor> {
  return parseCrmMonitor((await read(context.nodes[0], 'crm_mon -1 --output-as=xml', 60_000)).stdout);
}

/** `vm.image` (pair): the image written onto the new disk through node a (DRBD mirrors it to node b as it goes). */
export function vmImageStep(spec: VmCreateSpec): PairStep {
  const image = spec.image;
  const device = `/dev/drbd${spec.disk.minor}`;
  const marker = imageMarkerPath(spec.name);
  const short = image?.sha256.slice(0, 12) ?? '';
  return {
    id: 'vm.image',
    title: `Image of ${spec.name}`,
    group: 'storage',
    scope: 'pair',
    applicable: (_site, pair) => pair.storageAvailable && image !== null,
    async inspect(context) {
      if (!image) return { kind: 'noop', reason: 'no image given: the disk starts blank' };
      const markers = await Promise.all(context.nodes.map((node) => readFile(node, marker)));
      if (markers.some((text) => text?.trim() === image.sha256)) return { kind: 'noop', reason: `the disk of ${spec.name} holds the image ${short}` };
      const other = markers.find((text) => text !== null);
      if (other !== undefined)
        throw new LockstepError({ code: 'config', field: '--image', message: `The disk of ${spec.name} was already filled from another image (${other.trim().slice(0, 12)}).`, remedy: 'Choose another VM name, or leave out --image to keep the VM as it is.' });
      if (hasId(await clusterConfiguration(context), haIds(spec.name).clone))
        throw new LockstepError({ code: 'config', field: '--image', message: `${spec.name} already runs from its disk: it is not overwritten with ${image.path}.`, remedy: 'Leave out --image, or choose another VM name.' });
      return {
        kind: 'change',
        changes: [{ summary: `copy ${image.path} (${(image.sizeBytes / 1048576).toFixed(1)} MiB, sha256 ${short}) onto ${device} from ${context.nodes[0].label}, mirrored to ${context.nodes[1].label}`, commands: [`drbdadm primary ${spec.disk.name}`, `dd of=${device} (in ${IMAGE_CHUNK_BYTES / 1048576} MiB chunks over SSH)`, `drbdadm secondary ${spec.disk.name}`] }],
      };
    },
    async apply(context) {
      if (!image) return;
      const [nodeA] = context.nodes;
      await run(nodeA, command('drbdadm', 'primary', spec.disk.name));
      try {
        let copied = 0;
        await forEachChunk(image.path, async (chunk, offset) => {
          await run(nodeA, `dd of=${quote(device)} bs=4M iflag=fullblock oflag=seek_bytes seek=${offset} conv=notrunc,fsync status=none`, { stdin: chunk, quiet: offset > 0, timeoutMs: 600_000 });
          copied += chunk.length;
          context.log(`${nodeA.label}: ${(copied / 1048576).toFixed(1)} of ${(image.sizeBytes / 1048576).toFixed(1)} MiB written to ${device}`);
        });
        const sum = await run(nodeA, `head -c ${image.sizeBytes} ${quote(device)} | sha256sum`, { timeoutMs: 600_000 });
        if (sum.stdout.split(' ')[0] !== image.sha256)
          throw notVerified(nodeA.label, `${device} does not read back as the image (sha256 ${sum.stdout.slice(0, 12)}, expected ${short}).`, 'Run vm create again; if it repeats, check the disk with `dmesg` on the node.');
      } finally {
        await run(nodeA, command('drbdadm', 'secondary', spec.disk.name), { cancellable: false });
      }
      for (const node of context.nodes) await writeFileIfChanged(node, marker, `${image.sha256}\n`, { mode: 0o600 });
    },
    async verify(context) {
      if (!image) return;
      for (const node of context.nodes)
        if ((await readFile(node, marker))?.trim() !== image.sha256) throw notVerified(node.label, `${marker} does not record the image.`, 'Run vm create again.');
    },
  };
}

/** `vm.definition` (node): the libvirt XML that the cluster starts the VM from, on both nodes. */
export function vmDefinitionStep(spec: VmCreateSpec): NodeStep {
  const path = vmConfigPath(spec.name);
  const render = async (context: Parameters<NodeStep['inspect']>[0]): Promise<{ xml: string; accelerator: 'kvm' | 'qemu'; bridge: string | null }> => {
    const accelerator = (await read(context, 'test -c /dev/kvm')).code === 0 ? 'kvm' : 'qemu';
    const bridge = spec.network ? (context.pair.business[0]?.bridge ?? null) : null;
    const xml = renderDomainXml({ name: spec.name, memoryMiB: spec.memoryMiB, vcpus: spec.vcpus, device: `/dev/drbd${spec.disk.minor}`, bridge, mac: macFor(spec.name) }, accelerator);
    return { xml, accelerator, bridge };
  };
  return {
    id: 'vm.definition',
    title: `Definition of ${spec.name}`,
    group: 'hypervisor',
    scope: 'node',
    applicable: (_site, pair) => pair.storageAvailable,
    async inspect(context) {
      const { xml, accelerator, bridge } = await render(context);
      if ((await readFile(context, path)) === xml) return { kind: 'noop', reason: `${path} is as planned` };
      const how = accelerator === 'kvm' ? 'KVM' : 'emulated (no /dev/kvm on this node)';
      return { kind: 'change', changes: [{ summary: `write ${path}: ${spec.memoryMiB} MiB, ${spec.vcpus} vCPU, disk /dev/drbd${spec.disk.minor}, ${bridge ? `NIC on ${bridge}` : 'no NIC'}, ${how}`, commands: [`write ${path}`] }] };
    },
    async apply(context) {
      const { xml } = await render(context);
      await run(context, command('mkdir', '-p', '-m', '0700', '/etc/lockstep/vms'));
      await run(context, command('mkdir', '-p', consoleLogPath(spec.name).replace(/\/[^/]+$/, '')));
      await writeFileIfChanged(context, path, xml, { mode: 0o600 });
    },
    async verify(context) {
      const { xml } = await render(context);
      if ((await readFile(context, path)) !== xml) throw notVerified(context.label, `${path} is not as planned.`, 'Run vm create again.');
      // libvirt's own schema check where the node has it (virt-xml-validate needs xmllint, which servers often lack).
      const check = await read(context, `command -v virt-xml-validate >/dev/null && command -v xmllint >/dev/null || exit 0; virt-xml-validate ${quote(path)} domain`);
      if (check.code !== 0) throw notVerified(context.label, `libvirt rejects ${path}: ${(check.stderr || check.stdout).trim()}`, 'Report this: the definition Lockstep wrote is not valid for this libvirt.');
    },
  };
}

/** What of the VM's Pacemaker configuration is missing, in the order it must be created. */
function missingParts(cib: string, vm: string): { clone: boolean; primitive: boolean; colocation: boolean; order: boolean; held: boolean } {
  const ids = haIds(vm);
  return {
    clone: !hasId(cib, ids.clone),
    primitive: !hasId(cib, ids.vm),
    colocation: !hasId(cib, ids.colocation),
    order: !hasId(cib, ids.order),
    held: hasId(cib, `${ids.vm}-target-role`),
  };
}

/** `vm.cluster` (pair): the disk's promotable clone, the VM resource (created stopped), the rules, then the VM released. */
export function vmClusterStep(spec: VmCreateSpec): PairStep {
  const ids = haIds(spec.name);
  const create = (scope: 'resources' | 'constraints'): string => command('cibadmin', '--create', '--scope', scope, '--xml-pipe');
  return {
    id: 'vm.cluster',
    title: `Cluster resources of ${spec.name}`,
    group: 'cluster',
    scope: 'pair',
    applicable: (_site, pair) => pair.storageAvailable,
    async inspect(context) {
      const missing = missingParts(await clusterConfiguration(context), spec.name);
      const changes = [
        ...(missing.clone ? [{ summary: `add ${ids.clone}: the disk ${spec.disk.name} as a promotable DRBD clone (Primary on one node)`, commands: [`${create('resources')} < ${ids.clone}`] }] : []),
        ...(missing.primitive ? [{ summary: `add ${ids.vm} (ocf:heartbeat:VirtualDomain from ${vmConfigPath(spec.name)}), held stopped until its rules exist`, commands: [`${create('resources')} < ${ids.vm}`] }] : []),
        ...(missing.colocation || missing.order ? [{ summary: `run ${spec.name} only where its disk is Primary, after the promotion (${ids.colocation}, ${ids.order})`, commands: [`${create('constraints')} < ${ids.colocation}`, `${create('constraints')} < ${ids.order}`] }] : []),
        ...(missing.primitive || missing.held ? [{ summary: `let the cluster start ${spec.name}`, commands: [command('crm_resource', '--resource', ids.vm, '--meta', '--delete-parameter', 'target-role')] }] : []),
      ];
      return changes.length ? { kind: 'change', changes } : { kind: 'noop', reason: `${ids.clone}, ${ids.vm} and their rules are in the cluster` };
    },
    async apply(context) {
      const via = context.nodes[0];
      const missing = missingParts(await clusterConfiguration(context), spec.name);
      if (missing.clone) await run(via, create('resources'), { stdin: renderDrbdClone(spec.name, spec.disk.name), timeoutMs: 60_000 });
      if (missing.primitive) await run(via, create('resources'), { stdin: renderVmPrimitive(spec.name, { targetRole: 'Stopped' }), timeoutMs: 60_000 });
      if (missing.colocation) await run(via, create('constraints'), { stdin: renderColocation(spec.name), timeoutMs: 60_000 });
      if (missing.order) await run(via, create('constraints'), { stdin: renderOrder(spec.name), timeoutMs: 60_000 });
      await run(via, command('crm_resource', '--resource', ids.vm, '--meta', '--delete-parameter', 'target-role'), { timeoutMs: 60_000, okCodes: [105, 6] });
    },
    async verify(context) {
      const missing = missingParts(await clusterConfiguration(context), spec.name);
      const absent = Object.entries(missing).filter(([, value]) => value).map(([key]) => key);
      if (absent.length) throw notVerified('the pair', `the cluster configuration of ${spec.name} is incomplete (${absent.join(', ')}).`, 'Run vm create again.');
    },
  };
}

/** Why the VM is not running yet (null when it runs on a node with its disk Primary). */
export function startProblem(crm: CrmMonitor, vm: string): string | null {
  const ids = haIds(vm);
  const resource = crm.resources.find((entry) => entry.id === ids.vm);
  if (!resource) return `${ids.vm} is not in the cluster`;
  if (resource.failed) return `${ids.vm} failed to start`;
  // Pacemaker marks a resource active while its start is still running (role Starting).
  if (!resource.active || resource.role !== 'Started' || resource.nodes.length === 0) return `${ids.vm} is not running yet${resource.role ? ` (${resource.role})` : ''}`;
  return null;
}

/** `vm.running` (pair): waits for the cluster to promote the disk and start the VM; proves both on the node it chose. */
export function vmRunningStep(spec: VmCreateSpec): PairStep {
  const ids = haIds(spec.name);
  const where = (crm: CrmMonitor): string | undefined => crm.resources.find((entry) => entry.id === ids.vm)?.nodes[0];
  return {
    id: 'vm.running',
    title: `${spec.name} running`,
    group: 'verify',
    scope: 'pair',
    applicable: (_site, pair) => pair.storageAvailable,
    async inspect(context) {
      const crm = await clusterState(context);
      const problem = startProblem(crm, spec.name);
      if (problem === null) return { kind: 'noop', reason: `${spec.name} runs on ${where(crm)}` };
      return { kind: 'change', changes: [{ summary: `wait until the cluster promotes the disk of ${spec.name} and starts it (${problem})`, commands: ['crm_mon -1 (polled)'] }] };
    },
    async apply(context) {
      const deadline = Date.now() + START_TIMEOUT_MS;
      let last = '';
      for (;;) {
        const problem = startProblem(await clusterState(context), spec.name);
        if (problem === null) return;
        if (problem !== last) context.log(`waiting: ${problem}`);
        last = problem;
        if (problem.endsWith('failed to start') || Date.now() > deadline)
          throw notVerified('the pair', `${problem}.`, `Read \`crm_mon -1 -f\` and /var/log/libvirt/qemu/${spec.name}.log on the nodes; after fixing, \`crm_resource --cleanup --resource ${ids.vm}\` and run vm create again.`);
        if (context.signal.aborted) return;
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    },
    async verify(context) {
      const crm = await clusterState(context);
      const problem = startProblem(crm, spec.name);
      if (problem) throw notVerified('the pair', `${problem}.`, `Read \`crm_mon -1 -f\` on a node.`);
      const node = context.nodes.find((entry) => entry.pair.hostnames[entry.node] === where(crm)) ?? context.nodes[0];
      const [state, drbd] = await Promise.all([read(node, command('virsh', '-c', 'qemu:///system', 'domstate', spec.name)), read(node, 'cat /proc/drbd')]);
      if (state.stdout.trim() !== 'running') throw notVerified(node.label, `libvirt says ${spec.name} is ${state.stdout.trim() || 'not defined'}.`, `Read /var/log/libvirt/qemu/${spec.name}.log on ${node.label}.`);
      const role = parseProcDrbd(drbd.stdout).get(spec.disk.minor)?.role;
      if (role !== 'Primary') throw notVerified(node.label, `${spec.name} runs but its disk is ${role ?? 'not configured'} there, not Primary.`, 'Read `crm_mon -1` and `cat /proc/drbd`.');
      context.log(`${spec.name} runs on ${node.label} with /dev/drbd${spec.disk.minor} Primary`);
    },
  };
}

/** The steps of `vm create`, in order. */
export function vmCreateSteps(spec: VmCreateSpec): Step[] {
  return [...vmDiskSteps(spec.disk), vmImageStep(spec), vmDefinitionStep(spec), vmClusterStep(spec), vmRunningStep(spec)];
}
