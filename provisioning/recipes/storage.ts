import { LockstepError } from '../api/errors';
import type { Decision, NodeStep, NodeStepContext, PairFacts } from '../engine/types';
import { command } from '../util/shell';
import { marker, readFile, writeCommand, writeFileIfChanged } from './support/files';
import { notVerified, read, run } from './support/run';

/**
 * Mirrored storage: the LVM volume group on the pool disks (only the disks validation
 * vetted, never any other), and DRBD's common configuration plus the template every
 * per-VM-disk resource is made from (protocol C, split-brain policies, resource-level
 * fencing through Pacemaker). Containers share the host's kernel (no DRBD module) and
 * see the host's disks: there these steps do nothing and say why.
 */

export const NO_STORAGE_REASON = 'no DRBD module on this kernel (container lab)';

/** Parses `pvs --reportformat json -o pv_name,vg_name`. */
export function parsePvs(stdout: string): Map<string, string> {
  const data = JSON.parse(stdout.trim() || '{"report":[]}') as { report: Array<{ pv?: Array<{ pv_name: string; vg_name: string }> }> };
  return new Map(data.report.flatMap((report) => report.pv ?? []).map((pv) => [pv.pv_name, pv.vg_name]));
}

/** Decides the VG (pure): `disks` are the real device paths (symlinks resolved), `pvs` device → VG. */
export function decideVolumeGroup(volumeGroup: string, disks: readonly string[], pvs: ReadonlyMap<string, string>, vgExists: boolean): Decision {
  for (const disk of disks) {
    const owner = pvs.get(disk);
    if (owner && owner !== volumeGroup) {
      throw new LockstepError({
        code: 'config',
        field: 'storage.disks',
        message: `${disk} already belongs to the volume group ${owner}.`,
        remedy: 'Choose another disk, or remove it from that volume group first (this erases what it holds).',
      });
    }
  }
  const fresh = disks.filter((disk) => !pvs.has(disk));
  const changes = [];
  if (fresh.length) changes.push({ summary: `make ${fresh.join(', ')} LVM physical volumes`, commands: [command('pvcreate', '--', ...fresh)] });
  const outside = disks.filter((disk) => pvs.get(disk) !== volumeGroup);
  if (!vgExists) changes.push({ summary: `create the volume group ${volumeGroup}`, commands: [command('vgcreate', '--', volumeGroup, ...disks)] });
  else if (outside.length) changes.push({ summary: `add ${outside.join(', ')} to ${volumeGroup}`, commands: [command('vgextend', '--', volumeGroup, ...outside)] });
  if (changes.length === 0) return { kind: 'noop', reason: `the volume group ${volumeGroup} spans ${disks.join(', ')}` };
  return { kind: 'change', changes };
}

async function vgFacts(context: NodeStepContext): Promise<{ disks: string[]; pvs: Map<string, string>; vgExists: boolean }> {
  const disks: string[] = [];
  for (const disk of context.pair.disks[context.node]) {
    const real = await run(context, command('readlink', '-e', '--', disk), { quiet: true, fix: `The disk ${disk} is not present on the server: check storage.disks.` });
    disks.push(real.stdout.trim());
  }
  const pvs = parsePvs((await run(context, 'pvs --reportformat json -o pv_name,vg_name', { quiet: true })).stdout);
  const vg = await read(context, command('vgs', '--', context.site.storage.volumeGroup));
  return { disks, pvs, vgExists: vg.code === 0 };
}

/** `storage.volume-group` (node). */
export const volumeGroupStep: NodeStep = {
  id: 'storage.volume-group',
  title: 'LVM volume group on the pool disks',
  group: 'storage',
  scope: 'node',
  applicable: () => true,
  async inspect(context) {
    if (!context.pair.storageAvailable) return { kind: 'noop', reason: NO_STORAGE_REASON };
    if (context.pair.disks[context.node].length === 0) return { kind: 'noop', reason: 'no pool disks on this node' };
    const facts = await vgFacts(context);
    return decideVolumeGroup(context.site.storage.volumeGroup, facts.disks, facts.pvs, facts.vgExists);
  },
  async apply(context) {
    if (!context.pair.storageAvailable || context.pair.disks[context.node].length === 0) return;
    const facts = await vgFacts(context);
    const decision = decideVolumeGroup(context.site.storage.volumeGroup, facts.disks, facts.pvs, facts.vgExists);
    if (decision.kind === 'noop') return;
    for (const line of decision.changes.flatMap((change) => change.commands)) await run(context, line, { fix: 'A disk with an old signature needs an explicit wipe consent (storage.wipe).' });
  },
  async verify(context) {
    if (!context.pair.storageAvailable || context.pair.disks[context.node].length === 0) return;
    const facts = await vgFacts(context);
    const missing = facts.disks.filter((disk) => facts.pvs.get(disk) !== context.site.storage.volumeGroup);
    if (!facts.vgExists || missing.length) throw notVerified(context.label, `the volume group ${context.site.storage.volumeGroup} lacks ${missing.join(', ') || 'itself'}.`, 'Run `pvs` and `vgs` on the server.');
  },
};

export const DRBD_GLOBAL = '/etc/drbd.d/global_common.conf';
export const DRBD_TEMPLATE = '/etc/drbd.d/lockstep-resource.template';
export const DRBD_BASE_PORT = 7788;

/** DRBD 8.4 (Debian's kernel) keeps `fencing` in `disk`; DRBD 9 moved it to `net` and renamed the handler. */
export function renderDrbdGlobal(pairName: string, major: 8 | 9): string {
  const fencing = '        fencing resource-only;';
  const handler = major === 9 ? 'crm-fence-peer.9.sh' : 'crm-fence-peer.sh';
  const unfence = major === 9 ? 'crm-unfence-peer.9.sh' : 'crm-unfence-peer.sh';
  return `${[
    marker(pairName),
    'global {',
    '    usage-count no;',
    '}',
    'common {',
    '    handlers {',
    `        fence-peer "/usr/lib/drbd/${handler}";`,
    `        after-resync-target "/usr/lib/drbd/${unfence}";`,
    '        split-brain "/usr/lib/drbd/notify-split-brain.sh root";',
    '    }',
    '    disk {',
    ...(major === 8 ? [fencing] : []),
    '        on-io-error detach;',
    '    }',
    '    net {',
    '        protocol C;',
    '        after-sb-0pri discard-zero-changes;',
    '        after-sb-1pri discard-secondary;',
    '        after-sb-2pri disconnect;',
    ...(major === 9 ? [fencing] : []),
    '    }',
    '}',
  ].join('\n')}\n`;
}

/** One DRBD resource per VM disk (pure): what the VM issue writes to /etc/drbd.d/NAME.res. */
export function renderDrbdResource(pairName: string, pair: PairFacts, volumeGroup: string, name: string, minor: number): string {
  const link = pair.privateLink;
  const address = (node: 'a' | 'b'): string => {
    const ip = link ? link[node].address : pair.management[node].address;
    return ip.includes(':') ? `ipv6 [${ip}]:${DRBD_BASE_PORT + minor}` : `${ip}:${DRBD_BASE_PORT + minor}`;
  };
  return `${[
    marker(pairName),
    `resource ${name} {`,
    `    device /dev/drbd${minor};`,
    `    disk /dev/${volumeGroup}/${name};`,
    '    meta-disk internal;',
    `    on ${pair.hostnames.a} {`,
    `        address ${address('a')};`,
    '    }',
    `    on ${pair.hostnames.b} {`,
    `        address ${address('b')};`,
    '    }',
    '}',
  ].join('\n')}\n`;
}

/** The template on the server, with @NAME@ and @MINOR@ placeholders (the same text as `renderDrbdResource`). */
export function renderDrbdTemplate(pairName: string, pair: PairFacts, volumeGroup: string): string {
  return renderDrbdResource(pairName, pair, volumeGroup, '@NAME@', 0)
    .replace('/dev/drbd0;', '/dev/drbd@MINOR@;')
    .replaceAll(`:${DRBD_BASE_PORT}`, ':@PORT@');
}

async function drbdMajor(context: NodeStepContext): Promise<8 | 9> {
  const version = await read(context, "cat /proc/drbd 2>/dev/null | head -n1; modinfo -F version drbd 2>/dev/null");
  return /(^|\s)(version: )?9\./m.test(version.stdout) ? 9 : 8;
}

/** `storage.drbd-config` (node). */
export const drbdConfigStep: NodeStep = {
  id: 'storage.drbd-config',
  title: 'DRBD configuration',
  group: 'storage',
  scope: 'node',
  applicable: () => true,
  async inspect(context) {
    if (!context.pair.storageAvailable) return { kind: 'noop', reason: NO_STORAGE_REASON };
    const major = await drbdMajor(context);
    const changes = [];
    if ((await readFile(context, DRBD_GLOBAL)) !== renderDrbdGlobal(context.pair.pairName, major)) changes.push({ summary: `write ${DRBD_GLOBAL} (DRBD ${major}, protocol C, split-brain policies, resource-level fencing)`, commands: [writeCommand(DRBD_GLOBAL)] });
    if ((await readFile(context, DRBD_TEMPLATE)) !== renderDrbdTemplate(context.pair.pairName, context.pair, context.site.storage.volumeGroup)) changes.push({ summary: `write ${DRBD_TEMPLATE}`, commands: [writeCommand(DRBD_TEMPLATE)] });
    if (changes.length === 0) return { kind: 'noop', reason: 'the DRBD configuration is as planned' };
    changes.push({ summary: 'load the DRBD module at boot', commands: ['write /etc/modules-load.d/lockstep-drbd.conf', 'modprobe drbd'] });
    return { kind: 'change', changes };
  },
  async apply(context) {
    if (!context.pair.storageAvailable) return;
    const major = await drbdMajor(context);
    await writeFileIfChanged(context, DRBD_GLOBAL, renderDrbdGlobal(context.pair.pairName, major));
    await writeFileIfChanged(context, DRBD_TEMPLATE, renderDrbdTemplate(context.pair.pairName, context.pair, context.site.storage.volumeGroup));
    await writeFileIfChanged(context, '/etc/modules-load.d/lockstep-drbd.conf', `${marker(context.pair.pairName)}\ndrbd\n`);
    await run(context, 'modprobe drbd');
  },
  async verify(context) {
    if (!context.pair.storageAvailable) return;
    const dump = await read(context, 'drbdadm dump all');
    if (dump.code !== 0) throw notVerified(context.label, `drbdadm rejects the configuration: ${dump.stderr.trim()}`, `Check ${DRBD_GLOBAL}.`);
    const module = await read(context, 'test -e /proc/drbd');
    if (module.code !== 0) throw notVerified(context.label, 'the DRBD module is not loaded.', 'Run `modprobe drbd` on the server and read its error.');
  },
};
