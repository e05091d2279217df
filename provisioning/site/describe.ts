import { fileURLToPath, pathToFileURL } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { parse } from 'yaml';
import { z } from 'zod';
import type { SiteFieldDoc } from '../api/site';
import { SiteFileSchema, docOf, validateSite } from '../api/site';
import { LockstepError } from '../api/errors';
import { formatSiteFile } from './format';
import { parseSiteText, type LocatedSiteProblem } from './load';
import { applyDiscovered, resolveSite } from './resolve';

/**
 * Generates docs/site-file.md from the schema, so the reference cannot drift from the
 * format: `npx tsx provisioning/site/describe.ts > docs/site-file.md`. A unit test
 * fails when the committed file differs.
 */

/** One row of the field reference. */
export interface FieldRow {
  readonly field: string;
  readonly type: string;
  readonly required: boolean;
  readonly doc: SiteFieldDoc | undefined;
}

function unwrapOptional(schema: z.ZodType): { inner: z.ZodType; optional: boolean } {
  let inner = schema;
  let optional = false;
  while (inner instanceof z.ZodOptional) {
    optional = true;
    inner = inner.unwrap() as z.ZodType;
  }
  return { inner, optional };
}

function typeName(schema: z.ZodType): string {
  const { inner } = unwrapOptional(schema);
  if (inner instanceof z.ZodString) return 'text';
  if (inner instanceof z.ZodNumber) return 'integer';
  if (inner instanceof z.ZodBoolean) return 'boolean';
  if (inner instanceof z.ZodEnum)
    return (inner.options as string[]).map((option) => `\`${option}\``).join(' | ');
  if (inner instanceof z.ZodLiteral)
    return [...inner.values].map((value) => `\`${String(value)}\``).join(' | ');
  if (inner instanceof z.ZodArray) return `list of ${typeName(inner.element as z.ZodType)}`;
  if (inner instanceof z.ZodObject) return 'mapping';
  if (inner instanceof z.ZodUnion) return (inner.options as z.ZodType[]).map(typeName).join(' | ');
  return 'value';
}

/** Every field of the format in document order, with its type and documentation. */
export function fieldRows(): FieldRow[] {
  const rows: FieldRow[] = [];
  const visit = (schema: z.ZodType, field: string): void => {
    const { inner, optional } = unwrapOptional(schema);
    if (field !== '') rows.push({ field, type: typeName(schema), required: !optional, doc: docOf(schema) });
    const objects: z.ZodType[] = inner instanceof z.ZodUnion ? [...(inner.options as z.ZodType[])] : [inner];
    for (const option of objects) {
      const candidate = unwrapOptional(option).inner;
      const container =
        candidate instanceof z.ZodArray ? unwrapOptional(candidate.element as z.ZodType).inner : candidate;
      const prefix = candidate instanceof z.ZodArray ? `${field}[]` : field;
      if (!(container instanceof z.ZodObject)) continue;
      for (const [key, child] of Object.entries(container.shape as Record<string, z.ZodType>)) {
        visit(child, prefix === '' ? key : `${prefix}.${key}`);
      }
    }
  };
  visit(SiteFileSchema, '');
  return rows;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

const SMALLEST = `name: pair1
nodes:
  - address: 10.0.0.11
  - address: 10.0.0.12
ssh:
  user: root
  identityFile: ~/.ssh/id_ed25519
`;

const FULL = `name: pair1
nodes:
  - address: 10.0.0.11
    name: node-a
    bmc: { address: 10.0.1.11, user: ADMIN, password: { env: LOCKSTEP_BMC_A_PASSWORD } }
  - address: 10.0.0.12
    name: node-b
    bmc: { address: 10.0.1.12, user: ADMIN, password: prompt }
ssh:
  user: admin
  identityFile: ~/.ssh/id_ed25519
hypervisor: kvm
network:
  management: auto
  private: { subnet: 10.99.0.0/30 }
  business:
    - { bridge: br-biz, a: enp2s0, b: enp3s0 }
storage:
  disks:
    a: [/dev/disk/by-id/nvme-SAMSUNG_MZQL23T8HCLS-00A07_S64HNE0T100001]
    b: auto
  wipe:
    - node: a
      device: /dev/disk/by-id/nvme-SAMSUNG_MZQL23T8HCLS-00A07_S64HNE0T100001
      model: SAMSUNG MZQL23T8HCLS-00A07
      serial: S64HNE0T100001
quorum:
  witness: { address: 10.0.0.13 }
packages: { source: mirror }
availability: { default: ha }
`;

const HOME = '/home/admin';

function exampleSite(text: string): ReturnType<typeof resolveSite> {
  const parsed = validateSite(parse(text));
  if (!parsed.ok) throw new Error(`example site is invalid: ${JSON.stringify(parsed.problems)}`);
  return resolveSite(parsed.site, { baseDir: HOME, homeDir: HOME });
}

const BAD = `name: pair1
nodes:
  - adress: 10.0.0.11
  - address: 10.0.0.300
`;

/** The real messages for a small broken file, so the example cannot drift either. */
function exampleProblems(): string {
  try {
    parseSiteText(BAD, { file: 'site.yaml', baseDir: HOME, homeDir: HOME });
  } catch (error) {
    if (error instanceof LockstepError) {
      const problems = (error.details?.problems ?? []) as readonly LocatedSiteProblem[];
      return problems.map((problem) => problem.text).join('\n');
    }
    throw error;
  }
  throw new Error('the broken example site loaded without problems');
}

function fence(text: string, language = 'yaml'): string {
  return `\`\`\`${language}\n${text.trimEnd()}\n\`\`\``;
}

/** The whole of docs/site-file.md, formatted as `npm run format` would leave it. */
export async function describeSiteFormat(): Promise<string> {
  const rows = fieldRows().map((row) => {
    const doc = row.doc;
    const defaultText = row.required ? '**required**' : (doc?.default ?? 'none');
    const example = doc?.example === undefined ? '' : `\`${doc.example}\``;
    const accepts = doc ? `${doc.description} Expected: ${doc.expected}.` : '';
    return `| \`${row.field}\` | ${cell(row.type)} | ${cell(defaultText)} | ${cell(example)} | ${cell(accepts)} |`;
  });
  const smallest = exampleSite(SMALLEST);
  const full = applyDiscovered(exampleSite(FULL), {
    nodeNames: { a: 'node-a', b: 'node-b' },
    management: { a: 'enp1s0', b: 'enp1s0' },
    private: { a: 'enp3s0', b: 'enp2s0', subnet: '10.99.0.0/30', mtu: 9000 },
    business: [{ bridge: 'br-biz', a: 'enp2s0', b: 'enp3s0' }],
    disks: { a: [], b: ['/dev/disk/by-id/nvme-SAMSUNG_MZQL23T8HCLS-00A07_S64HNE0T200002'] },
  });
  const notes = {
    'network.management': 'management: enp1s0 on both nodes, the interfaces that carry the SSH session',
    'network.private':
      'private link: enp3s0 ↔ enp2s0, found by probing the wire (10 Gb/s); MTU 9000 carried end to end',
    'storage.disks.b': 'disks of node b: the one empty candidate disk (3.84 TB NVMe)',
  };
  const markdown = [
    '# The site file',
    '',
    '<!-- Generated by `npx tsx provisioning/site/describe.ts > docs/site-file.md` from',
    '     provisioning/api/site.ts; do not edit by hand (a unit test compares them). -->',
    '',
    'A site file describes one pair: its name, its two servers and how to install them. It is',
    'YAML, read with `-c/--config`; the desktop app validates its forms with the same schema.',
    '',
    '## The smallest file',
    '',
    'Only `name` and the two node addresses are required; `ssh` says how to log in.',
    '',
    fence(SMALLEST),
    '',
    'Every other field has a default. `auto` means Lockstep decides by probing the servers',
    '(`lockstep init` writes the result into the file). With the defaults applied, the file',
    'above means:',
    '',
    fence(formatSiteFile(smallest, {}, { homeDir: HOME })),
    '',
    '## Rules',
    '',
    '- Unknown fields are errors (with the closest known field suggested), never ignored.',
    '- `nodes` lists exactly two servers: the first is node `a`, the second node `b`.',
    '  Both may share an address only with different ports.',
    '- No password, passphrase or other secret is ever written in the file. BMC passwords',
    '  come from `{ env: NAME }` or `prompt`; SSH and sudo passwords from',
    '  `LOCKSTEP_SSH_PASSWORD` / `LOCKSTEP_SUDO_PASSWORD` or a prompt.',
    '- `ssh.identityFile` must exist when the file is loaded; `~` is your home folder and a',
    '  relative path is relative to the site file (also for `packages.bundle`).',
    '- A disk with data is used only when `storage.wipe` names it with its model and serial.',
    '- `fencing.mode: none` must come with `acknowledgeNoFencing: true`. Without BMCs the mode',
    '  is `none` by default and `validate` reports `fence.none` until you acknowledge it.',
    '',
    'Each problem is reported with file, line and column, the field, what was expected, what',
    'was found and how to fix it, all at once. For',
    '',
    fence(BAD),
    '',
    'Lockstep says:',
    '',
    fence(exampleProblems(), 'text'),
    '',
    '## Fields',
    '',
    '`nodes[]` is each entry of the list; `a` and `b` are the two nodes.',
    '',
    '| field | type | default | example | description |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    '## A complete file, as `lockstep init` writes it',
    '',
    fence(formatSiteFile(full, notes, { homeDir: HOME })),
    '',
  ].join('\n');
  const config = (await resolveConfig(fileURLToPath(import.meta.url))) ?? {};
  return format(markdown, { ...config, parser: 'markdown' });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(await describeSiteFormat());
}
