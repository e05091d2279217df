import type { Finding } from '../api/finding';
import { Catalogue, type CheckArea } from './catalogue';
import { diskChecks } from './disks';
import { hostChecks } from './host';
import { networkChecks } from './network';
import { safetyChecks } from './safety';
import { softwareChecks } from './software';
import { sshChecks } from './ssh';
import type { Check, CheckContext } from './types';

/** Every check, in catalogue order. */
export const allChecks: readonly Check[] = [
  ...sshChecks,
  ...hostChecks,
  ...diskChecks,
  ...networkChecks,
  ...softwareChecks,
  ...safetyChecks,
];

/**
 * Runs the checks on a gathered context. A check that throws becomes a finding of its
 * own ("could not be checked"), never a crash; `only` re-runs a chosen subset.
 */
export function runChecks(context: CheckContext, only?: readonly string[]): Finding[] {
  const selected = only && only.length > 0 ? allChecks.filter((check) => only.includes(check.id)) : allChecks;
  return selected.flatMap((check) => {
    try {
      return check.applicable(context) ? [...check.run(context)] : [];
    } catch (error) {
      return [
        {
          id: check.id,
          severity: 'warn' as const,
          message: `This check could not run: ${error instanceof Error ? error.message : String(error)}.`,
          remedy: 'Re-run validation; if it persists, report it with the support bundle.',
        },
      ];
    }
  });
}

/** The area of a finding, for grouping in the CLI and the wizard. */
export function areaOf(finding: Finding): CheckArea {
  return Catalogue.find((candidate) => candidate.id === finding.id)?.area ?? 'host';
}
