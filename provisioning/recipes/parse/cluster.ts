/** What `corosync-quorumtool -s` says about the cluster. */
export interface QuorumStatus {
  readonly quorate: boolean;
  readonly nodes: number;
  readonly expectedVotes: number | null;
  readonly totalVotes: number | null;
  readonly flags: readonly string[];
  readonly members: readonly { readonly nodeid: number; readonly votes: number; readonly name: string; readonly local: boolean }[];
}

/** Parses `corosync-quorumtool -s` (exit 0 quorate, 2 not quorate). */
export function parseQuorumTool(stdout: string): QuorumStatus {
  const field = (name: string): string | undefined => new RegExp(`^${name}:\\s*(.*?)\\s*$`, 'm').exec(stdout)?.[1];
  const number = (name: string): number | null => {
    const value = field(name);
    return value === undefined || !/^\d+$/.test(value) ? null : Number(value);
  };
  const members: QuorumStatus['members'][number][] = [];
  const section = stdout.split(/^Membership information\s*$/m)[1] ?? '';
  for (const line of section.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(?:(?:NR|A|NA|NMW)\s+)*(\S+)(\s+\(local\))?\s*$/.exec(line);
    if (match) members.push({ nodeid: Number(match[1]), votes: Number(match[2]), name: match[3] ?? '', local: match[4] !== undefined });
  }
  return {
    quorate: /^yes$/i.test(field('Quorate') ?? ''),
    nodes: number('Nodes') ?? members.length,
    expectedVotes: number('Expected votes'),
    totalVotes: number('Total votes'),
    flags: (field('Flags') ?? '').split(/\s+/).filter(Boolean),
    members,
  };
}

/** A node as `crm_mon --output-as=xml` reports it. */
export interface CrmNode {
  readonly name: string;
  readonly id: string;
  readonly online: boolean;
  readonly standby: boolean;
  readonly maintenance: boolean;
  readonly unclean: boolean;
}

/** The parts of `crm_mon -1 --output-as=xml` the verify step and the fencing steps read. */
export interface CrmStatus {
  readonly dcPresent: boolean;
  readonly quorum: boolean;
  readonly nodes: readonly CrmNode[];
  readonly resources: readonly { readonly id: string; readonly agent: string; readonly role: string; readonly active: boolean }[];
}

function attributes(tag: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const match of tag.matchAll(/([\w:-]+)="([^"]*)"/g)) result.set(match[1] ?? '', unescapeXml(match[2] ?? ''));
  return result;
}

/** Parses `crm_mon -1 --output-as=xml`. */
export function parseCrmMon(xml: string): CrmStatus {
  const dc = /<current_dc\b[^>]*>/.exec(xml)?.[0] ?? '';
  const dcAttrs = attributes(dc);
  const nodesBlock = /<nodes>([\s\S]*?)<\/nodes>/.exec(xml)?.[1] ?? '';
  const nodes = [...nodesBlock.matchAll(/<node\b[^>]*>/g)].map((match) => {
    const a = attributes(match[0]);
    return {
      name: a.get('name') ?? '',
      id: a.get('id') ?? '',
      online: a.get('online') === 'true',
      standby: a.get('standby') === 'true',
      maintenance: a.get('maintenance') === 'true',
      unclean: a.get('unclean') === 'true',
    };
  });
  const resources = [...xml.matchAll(/<resource\b[^>]*>/g)].map((match) => {
    const a = attributes(match[0]);
    return { id: a.get('id') ?? '', agent: a.get('resource_agent') ?? '', role: a.get('role') ?? '', active: a.get('active') === 'true' };
  });
  return { dcPresent: dcAttrs.get('present') === 'true', quorum: dcAttrs.get('with_quorum') === 'true', nodes, resources };
}

/** Escapes text for an XML attribute value. */
export function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;');
}

export function unescapeXml(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCodePoint(parseInt(code, 16)))
    .replaceAll('&amp;', '&');
}

/** The `name → value` pairs of the nvpairs in a CIB fragment. */
export function parseNvpairs(xml: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const match of xml.matchAll(/<nvpair\b[^>]*>/g)) {
    const a = attributes(match[0]);
    const name = a.get('name');
    if (name !== undefined) result.set(name, a.get('value') ?? '');
  }
  return result;
}
