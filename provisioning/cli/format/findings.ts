import type { Finding, Severity } from '../../api/finding';
import type { CheckArea } from '../../checks/catalogue';

/**
 * Findings as a person reads them: grouped by area, failures first within a group,
 * every non-pass finding followed by its remedy. Pure, so the CLI output is tested
 * without a server.
 */
const AREA_TITLES: readonly (readonly [CheckArea, string])[] = [
  ['ssh', 'Connection'],
  ['host', 'Host'],
  ['disks', 'Disks'],
  ['network', 'Network'],
  ['software', 'Software'],
  ['safety', 'Safety'],
];

const SYMBOLS: Record<Severity, string> = { pass: '✓', info: 'i', warn: '!', fail: '✗' };
const ORDER: Record<Severity, number> = { fail: 0, warn: 1, info: 2, pass: 3 };

export interface FindingCounts {
  readonly pass: number;
  readonly info: number;
  readonly warn: number;
  readonly fail: number;
}

export function countFindings(findings: readonly Finding[]): FindingCounts {
  const counts = { pass: 0, info: 0, warn: 0, fail: 0 };
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

export function formatFindings(
  findings: readonly Finding[],
  areaOf: (finding: Finding) => CheckArea,
  options: { readonly showPasses?: boolean } = {},
): string {
  const lines: string[] = [];
  for (const [area, title] of AREA_TITLES) {
    const inArea = findings
      .filter((finding) => areaOf(finding) === area)
      .filter((finding) => options.showPasses !== false || finding.severity !== 'pass')
      .sort((left, right) => ORDER[left.severity] - ORDER[right.severity]);
    if (inArea.length === 0) continue;
    lines.push(title);
    for (const finding of inArea) {
      const where = [finding.node, finding.subject].filter(Boolean).join(' ');
      lines.push(
        `  ${SYMBOLS[finding.severity]} ${finding.id}${where ? ` [${where}]` : ''}: ${finding.message}`,
      );
      if (finding.severity === 'warn' || finding.severity === 'fail')
        lines.push(`      fix: ${finding.remedy}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

export function formatCounts(counts: FindingCounts): string {
  const parts = [
    `${counts.pass} passed`,
    `${counts.warn} warning${counts.warn === 1 ? '' : 's'}`,
    `${counts.fail} failed`,
  ];
  if (counts.info > 0) parts.splice(1, 0, `${counts.info} note${counts.info === 1 ? '' : 's'}`);
  return parts.join(', ');
}
