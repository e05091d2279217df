import { parseCrmMonitor, xmlAttributes } from '../../monitor/parse/crm-mon';
/** What `corosync-quorumtool -s` says about the cluster. */
export interface QuorumStatus {
  readonly quorate: boolean;
  readonly nodes: number;
  readonly expectedVotes: number | null;
  readonly totalVotes: number | null;
  readonly flags: readonly string[];
  readonly members: readonly {
    readonly nodeid: number;
    readonly votes: number;
    readonly name: string;
    readonly local: boolean;
    /** The node's state towards the quorum device (`A`live, `V`ote, `NMW`…), with a witness only. */
    readonly qdevice?: readonly string[];
  }[];
  /** The quorum device (a witness) and its votes; null when the cluster has none. */
  readonly qdevice: { readonly votes: number } | null;
}

/** The flags of the Qdevice column: NR (not registered), A/NA (alive), V/NV (vote), MW/NMW (master wins). */
const QDEVICE_FLAGS = '(?:NR|NA|A|NV|V|NMW|MW)';

/** Parses `corosync-quorumtool -s` (exit 0 quorate, 2 not quorate). */
export function parseQuorumTool(stdout: string): QuorumStatus {
  const field = (name: string): string | undefined =>
    new RegExp(`^${name}:\\s*(.*?)\\s*$`, 'm').exec(stdout)?.[1];
  const number = (name: string): number | null => {
    const value = field(name);
    return value === undefined || !/^\d+$/.test(value) ? null : Number(value);
  };
  const members: QuorumStatus['members'][number][] = [];
  let qdevice: QuorumStatus['qdevice'] = null;
  const section = stdout.split(/^Membership information\s*$/m)[1] ?? '';
  const memberLine = new RegExp(
    `^\\s*(\\d+)\\s+(\\d+)\\s+(?:(${QDEVICE_FLAGS}(?:,${QDEVICE_FLAGS})*)\\s+)?(\\S+)(\\s+\\(local\\))?\\s*$`,
  );
  for (const line of section.split('\n')) {
    const match = memberLine.exec(line);
    if (!match) continue;
    // The device's own line: node id 0, named "Qdevice".
    if (match[1] === '0' && match[4] === 'Qdevice') {
      qdevice = { votes: Number(match[2]) };
      continue;
    }
    members.push({
      nodeid: Number(match[1]),
      votes: Number(match[2]),
      name: match[4] ?? '',
      local: match[5] !== undefined,
      ...(match[3] !== undefined && { qdevice: match[3].split(',') }),
    });
  }
  return {
    quorate: /^yes$/i.test(field('Quorate') ?? ''),
    nodes: number('Nodes') ?? members.length,
    expectedVotes: number('Expected votes'),
    totalVotes: number('Total votes'),
    flags: (field('Flags') ?? '').split(/\s+/).filter(Boolean),
    members,
    qdevice,
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
  readonly resources: readonly {
    readonly id: string;
    readonly agent: string;
    readonly role: string;
    readonly active: boolean;
  }[];
}

/**
 * Parses `crm_mon -1 --output-as=xml` for the recipes: the console's parser reads the
 * same XML, so this is a view of its result, not a second parser.
 */
export function parseCrmMon(xml: string): CrmStatus {
  const status = parseCrmMonitor(xml);
  return {
    dcPresent: status.dcName !== null,
    quorum: status.quorum,
    nodes: status.nodes.map(({ isDc: _isDc, ...node }) => node),
    resources: status.resources.map(({ id, agent, role, active }) => ({ id, agent, role, active })),
  };
}

/** Escapes text for an XML attribute value. */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** The `name → value` pairs of the nvpairs in a CIB fragment. */
export function parseNvpairs(xml: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const match of xml.matchAll(/<nvpair\b[^>]*>/g)) {
    const a = xmlAttributes(match[0]);
    const name = a.get('name');
    if (name !== undefined) result.set(name, a.get('value') ?? '');
  }
  return result;
}
