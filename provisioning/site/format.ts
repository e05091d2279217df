import { homedir } from 'node:os';
import { isAbsolute, relative, sep } from 'node:path';
import { Document, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { ResolvedSite, SitePath } from '../api/site';
import { AUTO, docOf, parseFieldName, siteFieldSchema } from '../api/site';

/**
 * Why each value was chosen, by field name (`network.private`, `nodes[0].name`,
 * `storage.disks.a`): "private link: enp3s0 ↔ enp2s0, found by probing the wire (10 Gb/s)".
 */
export type SiteNotes = Readonly<Record<string, string>>;

/** Where the written file will live, so paths can be written portably. */
export interface FormatOptions {
  /** `~` replaces this prefix of paths (default: the user's home folder). */
  readonly homeDir?: string;
  /** Paths inside this folder are written relative to it (the folder the file is written to). */
  readonly baseDir?: string;
  /** The first comment line; default names the pair. */
  readonly header?: string;
}

const SECTIONS = [
  'ssh',
  'hypervisor',
  'network',
  'storage',
  'quorum',
  'fencing',
  'packages',
  'availability',
  'alerts',
] as const;

/**
 * Writes a resolved site as YAML with a comment above each section (what it is) and
 * above each noted field (what was chosen and why). `loadSiteFile` reads the result
 * back to an equal `ResolvedSite`.
 */
export function formatSiteFile(
  site: ResolvedSite,
  notes: SiteNotes = {},
  options: FormatOptions = {},
): string {
  const home = options.homeDir ?? homedir();
  // The more specific of the two folders wins: a key in ~/.ssh stays `~/…` even when
  // the site file lives somewhere in the home folder.
  const portable = (path: string): string => {
    const underHome = path === home || path.startsWith(home + sep);
    const base = options.baseDir;
    const inside = base && isAbsolute(path) ? relative(base, path) : '..';
    const underBase = inside !== '' && !inside.startsWith('..') && !isAbsolute(inside);
    if (underBase && !(underHome && base !== undefined && home.length > base.length))
      return `./${inside.split(sep).join('/')}`;
    if (path === home) return '~';
    if (underHome) return `~/${path.slice(home.length + 1)}`;
    return path;
  };
  const allAuto = (values: readonly unknown[]): boolean => values.every((value) => value === AUTO);
  const privateLink = site.network.private;
  const unacknowledgedNone = site.fencing.mode === 'none' && !site.fencing.acknowledgeNoFencing;

  const value = {
    name: site.name,
    nodes: site.nodes.map((node) => ({
      address: node.address,
      port: node.port,
      name: node.name,
      ...(node.bmc && { bmc: node.bmc }),
    })),
    ssh: {
      user: site.ssh.user,
      ...(site.ssh.identityFile !== null && { identityFile: portable(site.ssh.identityFile) }),
      port: site.ssh.port,
    },
    hypervisor: site.hypervisor,
    network: {
      management: allAuto([site.network.management.a, site.network.management.b])
        ? AUTO
        : site.network.management,
      private: allAuto([privateLink.a, privateLink.b, privateLink.subnet, privateLink.mtu])
        ? AUTO
        : privateLink,
      business: site.network.business,
    },
    storage: {
      disks: allAuto([site.storage.disks.a, site.storage.disks.b]) ? AUTO : site.storage.disks,
      wipe: site.storage.wipe,
      volumeGroup: site.storage.volumeGroup,
    },
    quorum: site.quorum,
    // `mode: none` written out must carry the acknowledgement, so an unacknowledged
    // default stays implicit (and `validate` reports `fence.none`).
    fencing: unacknowledgedNone ? { acknowledgeNoFencing: false } : site.fencing,
    packages:
      site.packages.source === 'bundle'
        ? { source: 'bundle', bundle: portable(site.packages.bundle) }
        : site.packages,
    availability: site.availability,
    ...(site.alerts && {
      alerts: site.alerts.webhook === null ? {} : { webhook: 'url' in site.alerts.webhook ? site.alerts.webhook.url : site.alerts.webhook },
    }),
  };

  const document = new Document(value);
  document.commentBefore = [
    ` ${options.header ?? `Lockstep site file for the pair ${site.name}.`}`,
    ' Every field is described in docs/site-file.md; `auto` means Lockstep decides by probing.',
  ].join('\n');

  for (const section of SECTIONS) {
    const schema = siteFieldSchema([section]);
    const doc = schema && docOf(schema);
    if (doc) comment(document, [section], doc.description, true);
  }
  if (unacknowledgedNone) {
    comment(
      document,
      ['fencing', 'acknowledgeNoFencing'],
      'No BMCs given, so no fencing: `validate` fails with fence.none until you add a bmc to both nodes or set this to true.',
    );
  }
  for (const [field, text] of Object.entries(notes)) comment(document, parseFieldName(field), text);
  flowLeaves(document.contents);
  return document.toString({ lineWidth: 0 });
}

/** Puts a comment above the key of a field (or above a list item). Unknown paths are ignored. */
function comment(document: Document, path: SitePath, text: string, spaceBefore = false): void {
  let node: unknown = document.contents;
  let target: { commentBefore?: string | null; spaceBefore?: boolean } | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && item.key.value === segment,
      );
      if (!pair || !isScalar(pair.key)) return;
      target = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (!node) return;
      target = node as typeof target;
    } else {
      return;
    }
  }
  if (!target) return;
  const lines = text.split('\n').map((line) => ` ${line}`);
  target.commentBefore = target.commentBefore
    ? `${target.commentBefore}\n${lines.join('\n')}`
    : lines.join('\n');
  if (spaceBefore) target.spaceBefore = true;
}

const FLOW_KEYS = new Set(['a', 'b', 'env', 'bridge', 'subnet', 'mtu']);

/** Per-node pairs and `{ env: X }` read best on one line: `management: { a: enp1s0, b: enp1s0 }`. */
function flowLeaves(node: unknown): void {
  if (isMap(node)) {
    const small = node.items.every(
      (pair) => isScalar(pair.value) && isScalar(pair.key) && FLOW_KEYS.has(String(pair.key.value)),
    );
    const hasComments = node.items.some((pair) => isScalar(pair.key) && pair.key.commentBefore);
    if (small && !hasComments) node.flow = true;
    for (const pair of node.items) flowLeaves(pair.value);
  } else if (isSeq(node)) {
    for (const item of node.items) flowLeaves(item);
  }
}
