import { LockstepError } from '../api/errors';
import type { Secrets } from '../api/endpoint';
import { parseCidr, type ResolvedSite, type SiteFileInput, type DiscoveredSite } from '../api/site';
import { formatBytes, formatSpeed } from '../api/units';
import { derivePairFacts } from '../engine/pair-facts';
import type { PairFacts } from '../engine/types';
import { applyDiscovered, resolveSite } from '../site/resolve';
import type { SiteNotes } from '../site/format';
import { validateSite } from '../api/site';
import { gather } from './gather';
import { reportFor, type ValidationReport } from './validate';

/**
 * `lockstep init`: a site file written from what the servers are, not from what the
 * admin remembers. Everything automatic is resolved by probing (names, management
 * NICs, the cabled private link and a free subnet, business NICs, pool disks), and each
 * choice gets a comment saying why it was made.
 */
export interface InitOptions {
  readonly name: string;
  readonly hosts: readonly { readonly host: string; readonly port: number }[];
  readonly user: string;
  readonly identityFile?: string;
  readonly baseDir: string;
  readonly knownHostsPath: string;
  readonly secrets?: Secrets;
  readonly signal?: AbortSignal;
  readonly progress?: (message: string) => void;
}

export interface InitResult {
  readonly site: ResolvedSite;
  readonly notes: SiteNotes;
  readonly report: ValidationReport;
  /** The roles, addresses and disks decided from probing (what the wizard shows and lets the user change). */
  readonly pair: PairFacts;
}

export async function initSite(options: InitOptions): Promise<InitResult> {
  const input: SiteFileInput = {
    name: options.name,
    nodes: options.hosts.map((host) => ({
      address: host.host,
      ...(host.port !== 22 && { port: host.port }),
    })),
    ssh: { user: options.user, ...(options.identityFile && { identityFile: options.identityFile }) },
  };
  const checked = validateSite(input);
  if (!checked.ok)
    throw new LockstepError({
      code: 'usage',
      message: `The servers given cannot form a site: ${checked.problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ')}.`,
      remedy: 'Give two distinct servers: lockstep init HOST HOST.',
    });
  const site = resolveSite(checked.site, { baseDir: options.baseDir });
  const { context, transports } = await gather(site, options);
  try {
    const report = reportFor(context);
    const unreachable = context.nodes.find((node) => node.connectError);
    if (unreachable?.connectError) throw new LockstepError(unreachable.connectError);
    const pair = derivePairFacts(context);
    const found = discovered(pair, site);
    const concrete = found ? applyDiscovered(site, found) : site;
    return {
      site: concrete,
      notes: notesFor(
        pair,
        report,
        context.nodes.map((node) => node.label),
      ),
      report,
      pair,
    };
  } finally {
    await Promise.allSettled(transports.map((transport) => transport?.close()));
  }
}

/** What probing decided, in the site file's terms; undefined when no private link was found. */
function discovered(pair: PairFacts, site: ResolvedSite): DiscoveredSite | undefined {
  const link = pair.privateLink;
  if (!link) return undefined;
  const subnet = parseCidr(`${link.a.address}/${link.prefixLength}`);
  return {
    nodeNames: pair.hostnames,
    management: { a: pair.management.a.nic, b: pair.management.b.nic },
    private: {
      a: link.a.nic,
      b: link.b.nic,
      subnet: `${subnet?.network ?? link.a.address}/${link.prefixLength}`,
      mtu: link.mtu,
    },
    business: pair.business,
    disks: site.storage.disks.a === 'auto' || site.storage.disks.b === 'auto' ? pair.disks : { a: [], b: [] },
  };
}

function notesFor(pair: PairFacts, report: ValidationReport, labels: readonly string[]): SiteNotes {
  const [a = 'a', b = 'b'] = labels;
  const wire = report.context.wire && !('error' in report.context.wire) ? report.context.wire : undefined;
  const link = pair.privateLink;
  const poolNote = (key: 'a' | 'b'): string => {
    const disks = pair.disks[key];
    return disks.length > 0
      ? `empty disks found on ${key === 'a' ? a : b}: ${disks.join(', ')}`
      : `no empty disk found on ${key === 'a' ? a : b}`;
  };
  const capacity = report.capacity;
  return {
    'nodes[0].name': `host name reported by ${a}`,
    'nodes[1].name': `host name reported by ${b}`,
    'network.management': `the NICs carrying this SSH session: ${pair.management.a.nic} (${pair.management.a.address}) and ${pair.management.b.nic} (${pair.management.b.address})`,
    'network.private': link
      ? `private link ${link.a.nic} ↔ ${link.b.nic}: cabled directly, found by probing the wire${wire?.privateLink?.carrierConfirmed ? ' and confirmed by the carrier test' : ''}${wire?.privateLink?.speedMbps ? ` (${formatSpeed(wire.privateLink.speedMbps)})` : ''}; addresses ${link.a.address} and ${link.b.address}`
      : 'no direct cable was found between the servers: connect a free NIC of each with a direct cable, then run init again',
    'network.private.subnet': 'a /30 that no address or route on either server uses',
    'network.business':
      pair.business.length > 0
        ? `the remaining connected NICs, bridged for VMs: ${pair.business.map((net) => `${net.bridge} (${net.a} / ${net.b})`).join(', ')}`
        : 'no NIC left for business networks',
    'storage.disks.a': poolNote('a'),
    'storage.disks.b': poolNote('b'),
    ...(capacity.poolBytes !== null && {
      storage: `usable mirrored capacity: ${formatBytes(capacity.poolBytes)} (the smaller server decides)`,
    }),
  };
}
