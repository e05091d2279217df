/**
 * Whether a QEMU can run the `ft` level (COLO), from what was measured rather than what
 * its feature list claims: every building block must be there, and the version and
 * accelerator must not be known to fail. The `ft.colo-unsupported` check and the COLO
 * driver's callers use this one decision. docs/ft-colo.md records the measurements.
 */

/** The QEMU objects and block drivers COLO is built from (QEMU's docs/COLO-FT.txt). */
export const COLO_BUILDING_BLOCKS = [
  'colo-compare',
  'filter-mirror',
  'filter-redirector',
  'filter-rewriter',
  'replication',
] as const;

/**
 * The `--with-pkgversion` of a QEMU 7.2 built with `test/lab/colo-qemu/colo-tcg-bql.patch`
 * (the fix for the TCG checkpoint hang). QEMU prints it in `--version` and in the QMP
 * greeting's `package`.
 */
export const COLO_TCG_FIX_MARKER = 'lockstep-colo-tcg-bql';

/** What Lockstep knows about COLO on one QEMU. */
export type ColoVerdict =
  /** COLO with a primary kill and a secondary failover was run on this kind of QEMU, and the guest kept running. */
  | { readonly status: 'proven'; readonly reason: string }
  /** Nothing is known to fail, but Lockstep has not run it: `ft` is experimental there. */
  | { readonly status: 'unproven'; readonly reason: string }
  /** Known not to work (or cannot work): `ft` is refused. */
  | { readonly status: 'refused'; readonly reason: string };

/** What is known about the QEMU that would run the VM. */
export interface ColoSupportInput {
  /** `7.2.22`; null when QEMU is not installed. */
  readonly version: string | null;
  /** The distribution's package version (`Debian 1:7.2+dfsg-7+deb12u18+b3`), when known. */
  readonly package?: string | null;
  /** The COLO building blocks this build offers (see `COLO_BUILDING_BLOCKS`). */
  readonly features: readonly string[];
  /** How the VM runs there: KVM (`/dev/kvm`) or TCG (emulation); null when unknown. */
  readonly accel: 'kvm' | 'tcg' | null;
}

/** Major, minor, micro of a `7.2.22`-style version; null when it is not one. */
export function parseQemuVersion(version: string): [number, number, number] | null {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  if (!match) return null;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

const TCG_DEADLOCK =
  'under TCG a checkpoint of the primary never ends: COLO saves the RAM without the big QEMU lock, and TCG’s dirty-log sync then waits in run_on_cpu on a condition that needs that lock, so the migration thread comes back owning the lock unawares and waits for itself (QMP stops answering), or the checkpoint never ends with QMP still answering (the VM stays stopped); measured on 7.2.22 within the first checkpoints';

/** The decision; pure. */
export function coloSupport(input: ColoSupportInput): ColoVerdict {
  const version = input.version;
  if (!version) return { status: 'refused', reason: 'QEMU is not installed.' };
  const missing = COLO_BUILDING_BLOCKS.filter((block) => !input.features.includes(block));
  if (missing.length > 0)
    return {
      status: 'refused',
      reason: `QEMU ${version} lacks COLO building blocks: ${missing.join(', ')}.`,
    };
  const parsed = parseQemuVersion(version);
  if (!parsed) return { status: 'unproven', reason: `QEMU version ${version} is not one Lockstep can read.` };
  const [major, minor] = parsed;
  const is72 = major === 7 && minor === 2;
  const fixed = (input.package ?? '').includes(COLO_TCG_FIX_MARKER);

  if (input.accel === 'tcg') {
    if (is72 && fixed)
      return {
        status: 'proven',
        reason: `QEMU ${version} with Lockstep’s checkpoint-lock fix runs COLO under TCG: the secondary took over a killed primary with the guest’s memory intact.`,
      };
    if (is72)
      return {
        status: 'refused',
        reason: `QEMU ${version} cannot run COLO here: ${TCG_DEADLOCK}.`,
      };
    return {
      status: 'refused',
      reason: `QEMU ${version} under TCG (no KVM) is refused: ${TCG_DEADLOCK}; upstream's colo.c still makes the same unlocked call, and no other release has been run under TCG.`,
    };
  }
  const where = input.accel === 'kvm' ? 'with KVM' : 'where it is unknown whether KVM works';
  if (is72)
    return {
      status: 'unproven',
      reason: `QEMU ${version} ${where}: the TCG checkpoint hang does not apply (KVM's dirty bitmap sync does not call run_on_cpu; its dirty ring, off by default, would), but Lockstep has not run COLO under KVM: ft is experimental.`,
    };
  return {
    status: 'unproven',
    reason: `QEMU ${version} ${where} has every COLO building block, but Lockstep has only run COLO on QEMU 7.2: ft is experimental.`,
  };
}
