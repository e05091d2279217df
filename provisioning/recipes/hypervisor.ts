import type { Decision, NodeStep, NodeStepContext } from '../engine/types';
import { command, sh } from '../util/shell';
import type { RecipeOptions } from './options';
import { marker, readFile, writeCommand, writeFileIfChanged } from './support/files';
import { notVerified, read, run } from './support/run';

/**
 * The hypervisor: KVM (libvirtd running, a libvirt storage pool on the volume group)
 * or Xen (the dom0 boot entry and memory, then a reboot the run waits through).
 */

const LIBVIRT_UNITS = ['libvirtd.service', 'virtqemud.service'];

/** The libvirt daemon unit this release uses: monolithic libvirtd when present, else modular virtqemud. */
export function libvirtUnit(listUnitFiles: string): string {
  return LIBVIRT_UNITS.find((unit) => new RegExp(`^${unit.replace('.', '\\.')}\\s`, 'm').test(listUnitFiles)) ?? 'libvirtd.service';
}

export function decideUnit(unit: string, enabled: string, active: string): Decision {
  const changes = [];
  if (enabled !== 'enabled') changes.push({ summary: `enable ${unit}`, commands: [command('systemctl', 'enable', unit)] });
  if (active !== 'active') changes.push({ summary: `start ${unit}`, commands: [command('systemctl', 'start', unit)] });
  if (changes.length === 0) return { kind: 'noop', reason: `${unit} is enabled and running` };
  return { kind: 'change', changes };
}

/**
 * Debian starts libvirtd with `--timeout 120`: idle for two minutes, it exits and waits
 * on its sockets. Found on the VM lab: it then reads as not running, and the storage pool
 * it had started came back inactive after the socket restarted it. A hypervisor node keeps
 * its daemon up, so a drop-in clears the argument (`EnvironmentFile` /etc/default/… still wins).
 */
export function libvirtDropInPath(unit: string): string {
  return `/etc/systemd/system/${unit}.d/lockstep.conf`;
}

export function renderLibvirtDropIn(pairName: string, unit: string): string {
  const variable = unit === 'virtqemud.service' ? 'VIRTQEMUD_ARGS' : 'LIBVIRTD_ARGS';
  return `${marker(pairName)}\n# A hypervisor node keeps its daemon running: no idle exit (Debian's default is --timeout 120).\n[Service]\nEnvironment=${variable}=\n`;
}

async function unitFacts(context: NodeStepContext): Promise<{ unit: string; enabled: string; active: string; dropIn: boolean; timeout: boolean }> {
  const files = await read(context, command('systemctl', 'list-unit-files', '--no-legend', ...LIBVIRT_UNITS));
  const unit = libvirtUnit(files.stdout);
  const enabled = (await read(context, command('systemctl', 'is-enabled', unit))).stdout.trim();
  const active = (await read(context, command('systemctl', 'is-active', unit))).stdout.trim();
  const dropIn = (await readFile(context, libvirtDropInPath(unit))) === renderLibvirtDropIn(context.pair.pairName, unit);
  // A daemon started before the drop-in still runs with the timeout.
  const timeout = active === 'active' && (await read(context, sh`ps -o args= -C ${unit.replace('.service', '')}`)).stdout.includes('--timeout');
  return { unit, enabled, active, dropIn, timeout };
}

function decideLibvirt(facts: { unit: string; enabled: string; active: string; dropIn: boolean; timeout: boolean }): Decision {
  const decision = decideUnit(facts.unit, facts.enabled, facts.active);
  const changes = decision.kind === 'change' ? [...decision.changes] : [];
  if (!facts.dropIn) changes.unshift({ summary: `keep ${facts.unit} running (no idle exit)`, commands: [writeCommand(libvirtDropInPath(facts.unit)), 'systemctl daemon-reload'] });
  if (facts.timeout) changes.push({ summary: `restart ${facts.unit} without its idle timeout`, commands: [command('systemctl', 'restart', facts.unit)] });
  return changes.length ? { kind: 'change', changes } : decision;
}

/** `hypervisor.libvirt` (node, kvm). */
export const libvirtStep: NodeStep = {
  id: 'hypervisor.libvirt',
  title: 'libvirt daemon',
  group: 'hypervisor',
  scope: 'node',
  applicable: (site) => site.hypervisor === 'kvm',
  async inspect(context) {
    return decideLibvirt(await unitFacts(context));
  },
  async apply(context) {
    const facts = await unitFacts(context);
    const fix = 'Read `journalctl -u libvirtd -n 50` on the server.';
    if (await writeFileIfChanged(context, libvirtDropInPath(facts.unit), renderLibvirtDropIn(context.pair.pairName, facts.unit))) await run(context, 'systemctl daemon-reload', { fix });
    const decision = decideUnit(facts.unit, facts.enabled, facts.active);
    if (decision.kind === 'change') for (const line of decision.changes.flatMap((change) => change.commands)) await run(context, line, { fix });
    if (facts.timeout) await run(context, command('systemctl', 'restart', facts.unit), { fix });
  },
  async verify(context) {
    const facts = await unitFacts(context);
    if (facts.active !== 'active') throw notVerified(context.label, `${facts.unit} is ${facts.active}.`, 'Read `journalctl -u libvirtd -n 50` on the server.');
    if (facts.timeout) throw notVerified(context.label, `${facts.unit} still runs with an idle timeout.`, `Check ${libvirtDropInPath(facts.unit)} and \`systemctl cat ${facts.unit}\`.`);
    const version = await read(context, 'virsh -c qemu:///system version');
    if (version.code !== 0) throw notVerified(context.label, `libvirt does not answer: ${version.stderr.trim()}`, 'Read `journalctl -u libvirtd -n 50` on the server.');
  },
};

export const POOL_NAME = 'lockstep';

/** Parses `virsh pool-info NAME` into state and autostart. */
export function parsePoolInfo(stdout: string): { state: string | null; autostart: boolean } {
  const state = /^State:\s+(\S+)/m.exec(stdout)?.[1] ?? null;
  return { state, autostart: /^Autostart:\s+yes/m.test(stdout) };
}

export function decidePool(volumeGroup: string, defined: boolean, info: { state: string | null; autostart: boolean }): Decision {
  const changes = [];
  if (!defined) changes.push({ summary: `define the libvirt storage pool ${POOL_NAME} on the volume group ${volumeGroup}`, commands: [poolDefine(volumeGroup)] });
  if (!info.autostart) changes.push({ summary: `start ${POOL_NAME} at boot`, commands: [command('virsh', 'pool-autostart', POOL_NAME)] });
  if (info.state !== 'running') changes.push({ summary: `start the pool ${POOL_NAME}`, commands: [command('virsh', 'pool-start', POOL_NAME)] });
  if (changes.length === 0) return { kind: 'noop', reason: `the storage pool ${POOL_NAME} is running on ${volumeGroup}` };
  return { kind: 'change', changes };
}

function poolDefine(volumeGroup: string): string {
  return command('virsh', 'pool-define-as', POOL_NAME, 'logical', '--source-name', volumeGroup, '--target', `/dev/${volumeGroup}`);
}

async function poolFacts(context: NodeStepContext): Promise<{ defined: boolean; info: { state: string | null; autostart: boolean } }> {
  const info = await read(context, command('virsh', 'pool-info', POOL_NAME));
  return { defined: info.code === 0, info: parsePoolInfo(info.code === 0 ? info.stdout : '') };
}

/** `hypervisor.storage-pool` (node, kvm): a libvirt `logical` pool on the volume group. */
export const storagePoolStep: NodeStep = {
  id: 'hypervisor.storage-pool',
  title: 'libvirt storage pool',
  group: 'hypervisor',
  scope: 'node',
  applicable: (site) => site.hypervisor === 'kvm',
  async inspect(context) {
    if (!context.pair.storageAvailable) return { kind: 'noop', reason: 'no DRBD module on this kernel (container lab): no volume group for a pool' };
    const facts = await poolFacts(context);
    return decidePool(context.site.storage.volumeGroup, facts.defined, facts.info);
  },
  async apply(context) {
    if (!context.pair.storageAvailable) return;
    const facts = await poolFacts(context);
    const decision = decidePool(context.site.storage.volumeGroup, facts.defined, facts.info);
    if (decision.kind === 'noop') return;
    for (const line of decision.changes.flatMap((change) => change.commands)) await run(context, line);
  },
  async verify(context) {
    if (!context.pair.storageAvailable) return;
    const facts = await poolFacts(context);
    if (facts.info.state !== 'running') throw notVerified(context.label, `the libvirt pool ${POOL_NAME} is ${facts.info.state ?? 'not defined'}.`, `Run \`virsh pool-start ${POOL_NAME}\` and read its error.`);
  },
};

// ---------------------------------------------------------------------------
// Xen

export const XEN_GRUB_FILE = '/etc/default/grub.d/lockstep-xen.cfg';
/** The Debian wiki's way to make the Xen entry GRUB's default. */
const XEN_DIVERT = ['dpkg-divert', '--divert', '/etc/grub.d/08_linux_xen', '--rename', '/etc/grub.d/20_linux_xen'];

/** dom0 memory: an eighth of the host, between 2 and 8 GiB (MiB). */
export function dom0MemoryMiB(totalBytes: number): number {
  const eighth = Math.floor(totalBytes / 8 / 1024 / 1024);
  return Math.min(8192, Math.max(2048, Math.round(eighth / 256) * 256));
}

export function renderXenGrub(pairName: string, memoryMiB: number): string {
  return `${marker(pairName)}\n# dom0 gets fixed memory (no ballooning) so that guests cannot starve it.\nGRUB_CMDLINE_XEN_DEFAULT="dom0_mem=${memoryMiB}M,max:${memoryMiB}M"\n`;
}

function totalMemory(context: NodeStepContext): number {
  const memory = (context.inventory as unknown as { memory?: { totalBytes?: number } }).memory;
  return memory?.totalBytes ?? 8 * 1024 ** 3;
}

/** `hypervisor.xen-boot` (node, xen): dom0 memory on Xen's command line and Xen first in GRUB. */
export const xenBootStep: NodeStep = {
  id: 'hypervisor.xen-boot',
  title: 'Xen boot entry and dom0 memory',
  group: 'hypervisor',
  scope: 'node',
  applicable: (site) => site.hypervisor === 'xen',
  async inspect(context) {
    const wanted = renderXenGrub(context.pair.pairName, dom0MemoryMiB(totalMemory(context)));
    const current = await readFile(context, XEN_GRUB_FILE);
    const diverted = await read(context, command('dpkg-divert', '--listpackage', '/etc/grub.d/20_linux_xen'));
    const changes = [];
    if (current !== wanted) changes.push({ summary: `write ${XEN_GRUB_FILE} (dom0_mem=${dom0MemoryMiB(totalMemory(context))}M)`, commands: [writeCommand(XEN_GRUB_FILE)] });
    if (!diverted.stdout.includes('LOCAL')) changes.push({ summary: 'make the Xen entry GRUB’s default', commands: [command(...XEN_DIVERT)] });
    if (changes.length) changes.push({ summary: 'regenerate the GRUB menu', commands: ['update-grub'] });
    return changes.length ? { kind: 'change', changes } : { kind: 'noop', reason: 'Xen is GRUB’s default entry with dom0 memory set' };
  },
  async apply(context) {
    const wanted = renderXenGrub(context.pair.pairName, dom0MemoryMiB(totalMemory(context)));
    await writeFileIfChanged(context, XEN_GRUB_FILE, wanted);
    const diverted = await read(context, command('dpkg-divert', '--listpackage', '/etc/grub.d/20_linux_xen'));
    if (!diverted.stdout.includes('LOCAL')) await run(context, command(...XEN_DIVERT));
    await run(context, 'update-grub');
  },
  async verify(context) {
    const grub = await read(context, "grep -c 'dom0_mem=' /boot/grub/grub.cfg");
    if (grub.code !== 0) throw notVerified(context.label, 'the GRUB menu has no Xen entry with dom0_mem.', 'Run `update-grub` on the server and read its output.');
  },
};

const XEN_DOM0 = "grep -q control_d /proc/xen/capabilities 2>/dev/null && echo dom0 || echo bare; cat /proc/sys/kernel/random/boot_id";

/** `hypervisor.xen-reboot` (node, xen): reboots into Xen and waits until the node is back as dom0. */
export function xenRebootStep(options: RecipeOptions): NodeStep {
  return {
    id: 'hypervisor.xen-reboot',
    title: 'Reboot into Xen',
    group: 'hypervisor',
    scope: 'node',
    applicable: (site) => site.hypervisor === 'xen',
    async inspect(context) {
      const state = await read(context, XEN_DOM0);
      if (state.stdout.startsWith('dom0')) return { kind: 'noop', reason: 'the node runs as Xen dom0' };
      return { kind: 'change', changes: [{ summary: 'reboot into Xen and wait for the node to come back', commands: ['systemctl reboot'] }] };
    },
    async apply(context) {
      const before = await read(context, XEN_DOM0);
      if (before.stdout.startsWith('dom0')) return;
      const bootId = before.stdout.split('\n')[1]?.trim() ?? '';
      context.log(`rebooting ${context.label} into Xen`);
      await context.transport.exec(sh`nohup sh -c 'sleep 2; systemctl reboot' >/dev/null 2>&1 &`, { sudo: true, timeoutMs: 15_000 }).catch(() => undefined);
      const deadline = Date.now() + (options.rebootTimeoutMs ?? 15 * 60_000);
      await new Promise((resolve) => setTimeout(resolve, 20_000));
      while (Date.now() < deadline) {
        context.signal.throwIfAborted();
        try {
          const fresh = await options.freshConnection(context.node, context.signal);
          try {
            const after = await fresh.exec(XEN_DOM0, { sudo: true, timeoutMs: 30_000 });
            const newId = after.stdout.split('\n')[1]?.trim() ?? '';
            if (newId && newId !== bootId) {
              if (!after.stdout.startsWith('dom0')) throw notVerified(context.label, 'the node rebooted but not into Xen.', 'Check the GRUB menu on the console: the Xen entry should be first.');
              return;
            }
          } finally {
            await fresh.close();
          }
        } catch (error) {
          if (error instanceof Error && error.message.includes('not into Xen')) throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 10_000));
      }
      throw notVerified(context.label, 'the node did not come back from the reboot in time.', 'Look at the server’s console; when it is up, run apply again: it resumes here.');
    },
    async verify(context) {
      const info = await read(context, 'xl info');
      if (info.code !== 0) throw notVerified(context.label, `xl does not answer: ${info.stderr.trim()}`, 'Check `systemctl status xen*` on the server.');
    },
  };
}
