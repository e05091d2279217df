import {
  VmCreateRequestSchema,
  vmCreateRefusal,
  type AvailabilityLevel,
  type VmCreateRequest,
} from '../../../provisioning/api/actions';

/**
 * The console's "Create VM" form as typed, and the request it makes: checked by the
 * contract's own `VmCreateRequestSchema`, so each field says under itself what the
 * engine (and `lockstep vm create`) would refuse, in the same words. Pure: the store
 * and its tests call it.
 */

/** How a size is typed next to its number. */
export type SizeUnit = 'MiB' | 'GiB';

/** The form's fields, as text where the user types a number. */
export interface VmCreateForm {
  readonly name: string;
  readonly diskSize: string;
  readonly diskUnit: SizeUnit;
  /** In MiB. */
  readonly memory: string;
  readonly vcpus: string;
  /** A NIC on the pair's first business network. */
  readonly network: boolean;
  /** A raw disk image on the computer running Lockstep; empty for a blank disk. */
  readonly image: string;
  readonly level: AvailabilityLevel;
}

/** A field that can be wrong. */
export type VmCreateField = 'name' | 'diskSize' | 'memory' | 'vcpus' | 'image' | 'level';

/** What each field says is wrong, for the fields that are. */
export type VmCreateErrors = Partial<Record<VmCreateField, string>>;

/** The defaults of `lockstep vm create`: 1 GiB disk, 1 GiB memory, one vCPU, one NIC, level ha. */
export const initialVmCreateForm: VmCreateForm = {
  name: '',
  diskSize: '1',
  diskUnit: 'GiB',
  memory: '1024',
  vcpus: '1',
  network: true,
  image: '',
  level: 'ha',
};

/** The form field of each request field (the schema's issue paths). */
const FIELD_OF: Readonly<Record<string, VmCreateField>> = {
  vm: 'name',
  diskMiB: 'diskSize',
  memoryMiB: 'memory',
  vcpus: 'vcpus',
  image: 'image',
  level: 'level',
};

/** A typed number, or NaN when the text is not one (the schema then says what it expects). */
function numberOf(text: string): number {
  const trimmed = text.trim();
  return /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/** MiB from a number and its unit, rounded up as the CLI's `--disk-size 1.5G` is. */
export function mibOf(text: string, unit: SizeUnit): number {
  const value = numberOf(text);
  return unit === 'GiB' ? Math.ceil(value * 1024) : value;
}

/**
 * The request the form makes, or what is wrong with it: the schema's first message for
 * each field, and a level this version does not create refused with `vmCreateRefusal`'s reason.
 */
export function vmCreateRequestOf(form: VmCreateForm): { request: VmCreateRequest; errors?: undefined } | { request?: undefined; errors: VmCreateErrors } {
  const errors: Record<string, string> = {};
  const parsed = VmCreateRequestSchema.safeParse({
    vm: form.name,
    level: form.level,
    diskMiB: mibOf(form.diskSize, form.diskUnit),
    memoryMiB: numberOf(form.memory),
    vcpus: numberOf(form.vcpus),
    network: form.network,
    ...(form.image.trim() && { image: form.image.trim() }),
  });
  for (const issue of parsed.error?.issues ?? []) {
    const field = FIELD_OF[String(issue.path[0])];
    if (field && !errors[field]) errors[field] = issue.message;
  }
  const refusal = vmCreateRefusal(form.level);
  if (refusal) errors.level ??= refusal.message;
  if (parsed.success && Object.keys(errors).length === 0) return { request: parsed.data };
  return { errors };
}
