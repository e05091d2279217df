import { z } from 'zod';
import { DecisionSchema } from './apply-events';

/**
 * The console's actions as the contract carries them: what a person asks for (node to
 * maintenance and back, migrate a VM, change a VM's level) and what came of it. Each
 * action is a small plan run by the engine (inspect → change or no-op with a reason →
 * apply → verify), so its result says which of the two it was and why. Types and zod
 * schemas only: the renderer imports this.
 */

/** A node as the user names it: its cluster name, its address, or `a`/`b` (site-file order). */
const NodeRefSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$/, 'Expected a node name, its address, or a / b.');

/** A libvirt domain name as Lockstep accepts it (it becomes a Pacemaker resource id `vm-NAME`). */
export const VmNameSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'Expected a VM name of letters, digits, `_`, `.` and `-` (at most 63).');

/** The availability levels of PRODUCT.md: `ha` restarts on the survivor, `ft` keeps running, `none` is local. */
export const AvailabilityLevelSchema = z.enum(['ha', 'ft', 'none']);
export type AvailabilityLevel = z.infer<typeof AvailabilityLevelSchema>;

/** What a person asks the console to do. */
export const ActionRequestSchema = z.discriminatedUnion('kind', [
  /** `standby` moves everything off the node (maintenance); `online` brings it back. */
  z.object({ kind: z.literal('node-mode'), node: NodeRefSchema, mode: z.enum(['standby', 'online']) }).strict(),
  /** Moves a Pacemaker-managed VM to `node` (default: the node it does not run on). */
  z.object({ kind: z.literal('vm-migrate'), vm: VmNameSchema, node: NodeRefSchema.optional() }).strict(),
  /** Makes a VM `ha` (a Pacemaker VirtualDomain resource) or `none` (libvirt only); `ft` is refused. */
  z.object({ kind: z.literal('vm-level'), vm: VmNameSchema, level: AvailabilityLevelSchema }).strict(),
]);
export type ActionRequest = z.infer<typeof ActionRequestSchema>;

/** What an action did: changed (with what) or nothing to do (with why), and its log. */
export const ActionResultSchema = z.object({
  /** Stable id of the action (`node.standby`, `node.online`, `vm.migrate`, `vm.level`). */
  action: z.string(),
  /** What a person reads: "Put lockstep-b into maintenance (standby)". */
  title: z.string(),
  /** The node or VM it concerned. */
  subject: z.string(),
  decision: DecisionSchema,
  /** `planned`: a dry run (nothing was changed). */
  outcome: z.enum(['changed', 'noop', 'planned']),
  /** One sentence for the notice: what is true now. */
  message: z.string(),
  /** The commands run and what was waited for (never a secret). */
  log: z.array(z.string()),
  durationMs: z.number(),
});
export type ActionResult = z.infer<typeof ActionResultSchema>;

/** Whether an action can interrupt VMs, so the UI and the CLI confirm it first. */
export function isDisruptive(request: ActionRequest): boolean {
  switch (request.kind) {
    case 'node-mode':
      return request.mode === 'standby';
    case 'vm-migrate':
      return true;
    case 'vm-level':
      return request.level === 'none';
  }
}

/**
 * `vm create` / the console's "Create VM": a new VM on a mirrored disk at a level. The
 * name also names its disk (an LV and a DRBD resource), hence the stricter rule than
 * `VmNameSchema`. Sizes in MiB. `image`: a raw disk image on the computer running
 * Lockstep, copied onto the disk (import). Only `ha` is created; `ft` and `none` are
 * refused with the reason (see `vmCreateRefusal`).
 */
export const VmCreateRequestSchema = z
  .object({
    vm: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9-]{0,46}$/, 'Expected lowercase letters, digits and dashes, starting with a letter (at most 47): it also names the VM\'s disk.'),
    level: AvailabilityLevelSchema.default('ha'),
    diskMiB: z
      .number({ error: 'Expected a disk size: a number of at least 16 MiB.' })
      .int('Expected a disk size in whole MiB.')
      .min(16, 'Expected a disk of at least 16 MiB.')
      .max(64 * 1024 * 1024, 'Expected a disk of at most 64 TiB.'),
    memoryMiB: z
      .number({ error: 'Expected a memory size: a number of at least 16 MiB.' })
      .int('Expected memory in whole MiB.')
      .min(16, 'Expected at least 16 MiB of memory.')
      .max(16 * 1024 * 1024, 'Expected at most 16 TiB of memory.'),
    vcpus: z.number({ error: 'Expected 1 to 64 virtual CPUs.' }).int('Expected 1 to 64 virtual CPUs.').min(1, 'Expected 1 to 64 virtual CPUs.').max(64, 'Expected 1 to 64 virtual CPUs.'),
    /** A NIC on the pair's first business network. */
    network: z.boolean().default(true),
    image: z.string().min(1, 'Expected the path of a raw disk image.').max(4096, 'Expected a path of at most 4096 characters.').optional(),
  })
  .strict();
export type VmCreateRequest = z.output<typeof VmCreateRequestSchema>;

/** Why a level cannot be created by `vm create` (null for `ha`): the same words in every door. */
export function vmCreateRefusal(level: AvailabilityLevel): { message: string; remedy: string } | null {
  if (level === 'ft')
    return {
      message: 'Level ft (QEMU COLO lock-stepping) is not offered for VMs by this version: it is proven only as a pair of QEMU processes in the VM lab (docs/ft-colo.md).',
      remedy: 'Create it with level ha: the cluster restarts it on the survivor within seconds.',
    };
  if (level === 'none')
    return {
      message: 'vm create makes protected VMs; a VM at level none needs no Lockstep.',
      remedy: 'Create it with virt-install or virsh on one node; `lockstep vm level NAME ha` protects it later.',
    };
  return null;
}
