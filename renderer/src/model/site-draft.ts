import type { Endpoint } from '../../../provisioning/api/endpoint';
import {
  AUTO,
  NODE_KEYS,
  SITE_DEFAULTS,
  defaultBmcPasswordEnv,
  validateSite,
  type NodeKey,
  type ResolvedSite,
  type SiteFileInput,
  type SiteProblem,
} from '../../../provisioning/api/site';

/**
 * The site the wizard edits on Network roles, Disks and Options. It has the shape of a
 * resolved site (every default written out, `auto` where probing decides), because
 * that is what `loadSiteFile` returns for an opened file and what the screens need to
 * show; `toSiteFile` turns it back into the site-file mapping `saveSite` checks and writes.
 */
export type SiteDraft = ResolvedSite;

/** A node's key by its position in the site (`nodes[0]` is `a`). */
export function nodeKeyAt(index: number): NodeKey {
  return NODE_KEYS[index] ?? 'a';
}

/** The draft of an opened site file (the resolved site `loadSiteFile` returned), on the servers chosen. */
export function draftFromSite(site: Record<string, unknown>, endpoints?: readonly Endpoint[]): SiteDraft {
  const draft = site as unknown as SiteDraft;
  if (!endpoints || endpoints.length !== 2) return draft;
  const nodes = draft.nodes.map((node, index) => {
    const endpoint = endpoints[index];
    if (!endpoint || (endpoint.host === node.address && endpoint.port === node.port)) return node;
    return { ...node, address: endpoint.host, port: endpoint.port, name: AUTO };
  }) as unknown as SiteDraft['nodes'];
  return { ...draft, nodes };
}

/** The draft of a new pair: the two servers and the login, every other field at its default. */
export function newDraft(
  endpoints: readonly Endpoint[],
  login: { readonly user: string; readonly identityFile?: string },
  name = 'pair1',
): SiteDraft {
  const node = (index: number) => ({
    address: endpoints[index]?.host ?? '',
    port: endpoints[index]?.port ?? SITE_DEFAULTS.sshPort,
    name: AUTO,
    bmc: null,
  });
  return {
    name,
    nodes: [node(0), node(1)],
    ssh: { user: login.user || SITE_DEFAULTS.sshUser, identityFile: login.identityFile || null, port: SITE_DEFAULTS.sshPort },
    hypervisor: SITE_DEFAULTS.hypervisor,
    network: {
      management: { a: AUTO, b: AUTO },
      private: { a: AUTO, b: AUTO, subnet: AUTO, mtu: AUTO },
      business: AUTO,
    },
    storage: { disks: { a: AUTO, b: AUTO }, wipe: [], volumeGroup: SITE_DEFAULTS.volumeGroup },
    quorum: 'two_node',
    fencing: { mode: 'none', acknowledgeNoFencing: false },
    packages: { source: SITE_DEFAULTS.packageSource },
    availability: { default: SITE_DEFAULTS.availability },
  };
}

/** The site-file mapping of a draft: what `saveSite` writes and `validateSite` judges. */
export function toSiteFile(draft: SiteDraft): SiteFileInput {
  return {
    name: draft.name,
    nodes: draft.nodes.map((node) => ({
      address: node.address,
      port: node.port,
      name: node.name,
      ...(node.bmc && {
        bmc: { address: node.bmc.address, user: node.bmc.user, port: node.bmc.port, password: node.bmc.password },
      }),
    })),
    ssh: {
      user: draft.ssh.user,
      ...(draft.ssh.identityFile !== null && { identityFile: draft.ssh.identityFile }),
      port: draft.ssh.port,
    },
    hypervisor: draft.hypervisor,
    network: {
      management: { ...draft.network.management },
      private: { ...draft.network.private },
      business: draft.network.business === AUTO ? AUTO : draft.network.business.map((bridge) => ({ ...bridge })),
    },
    storage: {
      disks: {
        a: diskList(draft.storage.disks.a),
        b: diskList(draft.storage.disks.b),
      },
      wipe: draft.storage.wipe.map((consent) => ({ ...consent })),
      volumeGroup: draft.storage.volumeGroup,
    },
    quorum: draft.quorum === 'two_node' ? 'two_node' : { witness: { ...draft.quorum.witness } },
    fencing: { ...draft.fencing },
    packages: { ...draft.packages },
    availability: { ...draft.availability },
    ...(draft.alerts?.webhook && {
      alerts: { webhook: 'url' in draft.alerts.webhook ? draft.alerts.webhook.url : { env: draft.alerts.webhook.env } },
    }),
  };
}

/** An empty choice is no choice: the file says `auto` (and Validate explains what that finds). */
function diskList(disks: readonly string[] | typeof AUTO): string[] | typeof AUTO {
  return disks === AUTO || disks.length === 0 ? AUTO : [...disks];
}

/** Every problem of the draft, by the site format's own rules (cross-field ones included). */
export function draftProblems(draft: SiteDraft): readonly SiteProblem[] {
  const result = validateSite(toSiteFile(draft));
  return result.ok ? [] : result.problems;
}

/** Whether two drafts would write the same site file (key order does not matter). */
export function sameSite(left: SiteDraft, right: SiteDraft): boolean {
  return canonical(toSiteFile(left)) === canonical(toSiteFile(right));
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** A node's BMC with its defaults, for the Options form when fencing is switched to IPMI. */
export function emptyBmc(index: number) {
  return {
    address: '',
    user: '',
    port: SITE_DEFAULTS.bmcPort,
    password: { env: defaultBmcPasswordEnv(nodeKeyAt(index)) },
  };
}

/**
 * `lockstep init`'s reasons for the values the draft took over unchanged from probing,
 * to be written as comments in the saved file (a value the user changed gets none).
 */
export function notesFor(
  draft: SiteDraft,
  suggestion: { readonly notes: Readonly<Record<string, string>>; readonly management: PerNodeNic; readonly privateLink: { readonly a: { readonly nic: string }; readonly b: { readonly nic: string }; readonly subnet: string } | null } | undefined,
): Record<string, string> {
  if (!suggestion) return {};
  const notes: Record<string, string> = {};
  const take = (field: string): void => {
    const note = suggestion.notes[field];
    if (note) notes[field] = note;
  };
  const network = draft.network;
  if (network.management.a === suggestion.management.a.nic && network.management.b === suggestion.management.b.nic)
    take('network.management');
  const link = suggestion.privateLink;
  if (link && network.private.a === link.a.nic && network.private.b === link.b.nic) take('network.private');
  if (link && network.private.subnet === link.subnet) take('network.private.subnet');
  return notes;
}

type PerNodeNic = { readonly a: { readonly nic: string }; readonly b: { readonly nic: string } };
