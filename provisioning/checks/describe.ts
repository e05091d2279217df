import { Catalogue, Thresholds, type CheckArea } from './catalogue';

/**
 * Renders docs/checks.md from the catalogue, so the published list of ids, rules,
 * thresholds and remedies is the code's own. `npm run docs` writes it; a unit test
 * fails when the file is stale.
 */
const AREAS: readonly { area: CheckArea; title: string }[] = [
  { area: 'ssh', title: 'SSH' },
  { area: 'host', title: 'Host' },
  { area: 'disks', title: 'Disks' },
  { area: 'network', title: 'Network' },
  { area: 'software', title: 'Software' },
  { area: 'safety', title: 'Safety' },
];

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function describeChecks(): string {
  const lines = [
    '# Validation checks',
    '',
    '<!-- Generated from provisioning/checks/catalogue.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    '`lockstep validate -c site.yaml` runs every check on both servers before anything is changed.',
    'Each finding carries a stable `id` (below), a severity (`pass`, `info`, `warn`, `fail`),',
    'the node and subject it concerns, a message and a remedy. Installation cannot continue past a `fail`.',
    '',
  ];
  for (const { area, title } of AREAS) {
    lines.push(
      `## ${title}`,
      '',
      '| id | checks | severity rule and threshold | remedy |',
      '|---|---|---|---|',
    );
    for (const entry of Catalogue.filter((candidate) => candidate.area === area)) {
      lines.push(`| \`${entry.id}\` | ${cell(entry.title)} | ${cell(entry.rule)} | ${cell(entry.remedy)} |`);
    }
    lines.push('');
  }
  lines.push('## Thresholds', '', '| name | value |', '|---|---|');
  for (const [name, value] of Object.entries(Thresholds)) lines.push(`| \`${name}\` | ${value} |`);
  lines.push('');
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('describe.ts')) process.stdout.write(describeChecks());
