import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type {
  Auto,
  BusinessNetwork,
  ConcreteSite,
  DiscoveredSite,
  NodeKey,
  PerNode,
  ResolvedBmc,
  ResolvedNode,
  ResolvedSite,
  SiteFile,
} from '../api/site';
import { LockstepError } from '../api/errors';
import { AUTO, NODE_KEYS, SITE_DEFAULTS, defaultBmcPasswordEnv, fieldName } from '../api/site';

/** Where relative paths in a site file start, and what `~` means. */
export interface ResolveOptions {
  /** The site file's folder. */
  readonly baseDir: string;
  readonly homeDir?: string;
}

/** Expands `~` and makes a path absolute against the site file's folder. */
export function resolveSitePath(path: string, options: ResolveOptions): string {
  const home = options.homeDir ?? homedir();
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return isAbsolute(path) ? path : resolve(options.baseDir, path);
}

/**
 * Applies every documented default (SITE_DEFAULTS and the field docs in
 * `provisioning/api/site.ts`). Fields decided by probing stay `'auto'`; see
 * `applyDiscovered`.
 */
export function resolveSite(file: SiteFile, options: ResolveOptions): ResolvedSite {
  const sshPort = file.ssh?.port ?? SITE_DEFAULTS.sshPort;
  const sshUser = file.ssh?.user ?? SITE_DEFAULTS.sshUser;
  const nodes = file.nodes.map((node, index): ResolvedNode => ({
    address: node.address,
    port: node.port ?? sshPort,
    name: node.name ?? AUTO,
    bmc: node.bmc
      ? {
          address: node.bmc.address,
          user: node.bmc.user,
          port: node.bmc.port ?? SITE_DEFAULTS.bmcPort,
          password: node.bmc.password ?? { env: defaultBmcPasswordEnv(NODE_KEYS[index] ?? 'a') },
        }
      : null,
  }));
  const [first, second] = nodes;
  if (!first || !second || nodes.length !== 2)
    throw new Error('resolveSite needs a validated site with two nodes');

  const network = file.network === AUTO || file.network === undefined ? {} : file.network;
  const management =
    network.management === AUTO || network.management === undefined ? {} : network.management;
  const privateLink = network.private === AUTO || network.private === undefined ? {} : network.private;
  const disks = file.storage?.disks === AUTO || file.storage?.disks === undefined ? {} : file.storage.disks;
  const bothBmc = first.bmc !== null && second.bmc !== null;

  return {
    name: file.name,
    nodes: [first, second],
    ssh: {
      user: sshUser,
      identityFile:
        file.ssh?.identityFile === undefined ? null : resolveSitePath(file.ssh.identityFile, options),
      port: sshPort,
    },
    hypervisor: file.hypervisor ?? SITE_DEFAULTS.hypervisor,
    network: {
      management: { a: management.a ?? AUTO, b: management.b ?? AUTO },
      private: {
        a: privateLink.a ?? AUTO,
        b: privateLink.b ?? AUTO,
        subnet: privateLink.subnet ?? AUTO,
        mtu: privateLink.mtu ?? AUTO,
      },
      business:
        network.business === undefined || network.business === AUTO
          ? AUTO
          : network.business.map((bridge) => ({
              bridge: bridge.bridge,
              a: bridge.a ?? AUTO,
              b: bridge.b ?? AUTO,
            })),
    },
    storage: {
      disks: { a: disks.a ?? AUTO, b: disks.b ?? AUTO },
      wipe: file.storage?.wipe ?? [],
      volumeGroup: file.storage?.volumeGroup ?? SITE_DEFAULTS.volumeGroup,
    },
    quorum:
      file.quorum === undefined || file.quorum === 'two_node'
        ? 'two_node'
        : {
            witness: {
              address: file.quorum.witness.address,
              port: file.quorum.witness.port ?? sshPort,
              user: file.quorum.witness.user ?? sshUser,
            },
          },
    fencing: {
      mode: file.fencing?.mode ?? (bothBmc ? 'ipmi' : 'none'),
      acknowledgeNoFencing: file.fencing?.acknowledgeNoFencing ?? false,
    },
    packages:
      (file.packages?.source ??
        (file.packages?.bundle !== undefined ? 'bundle' : SITE_DEFAULTS.packageSource)) === 'bundle' &&
      file.packages?.bundle !== undefined
        ? { source: 'bundle', bundle: resolveSitePath(file.packages.bundle, options) }
        : { source: 'mirror' },
    availability: { default: file.availability?.default ?? SITE_DEFAULTS.availability },
    ...(file.alerts && {
      alerts: {
        webhook:
          file.alerts.webhook === undefined
            ? null
            : typeof file.alerts.webhook === 'string'
              ? { url: file.alerts.webhook }
              : { env: file.alerts.webhook.env },
      },
    }),
  };
}

/** The fields of a resolved site that are still `'auto'`: what probing must decide, and what `plan` prints. */
export function autoFields(site: ResolvedSite): string[] {
  const fields: string[] = [];
  const check = (path: (string | number)[], value: unknown): void => {
    if (value === AUTO) fields.push(fieldName(path));
  };
  site.nodes.forEach((node, index) => check(['nodes', index, 'name'], node.name));
  for (const node of NODE_KEYS) {
    check(['network', 'management', node], site.network.management[node]);
    check(['network', 'private', node], site.network.private[node]);
  }
  check(['network', 'private', 'subnet'], site.network.private.subnet);
  check(['network', 'private', 'mtu'], site.network.private.mtu);
  if (site.network.business === AUTO) check(['network', 'business'], site.network.business);
  else {
    site.network.business.forEach((bridge, index) => {
      for (const node of NODE_KEYS) check(['network', 'business', index, node], bridge[node]);
    });
  }
  for (const node of NODE_KEYS) check(['storage', 'disks', node], site.storage.disks[node]);
  return fields;
}

function pick<T>(chosen: T | Auto, found: T): T {
  return chosen === AUTO ? found : chosen;
}

function pickPerNode<T>(chosen: PerNode<T | Auto>, found: PerNode<T>): PerNode<T> {
  return { a: pick(chosen.a, found.a), b: pick(chosen.b, found.b) };
}

/**
 * Fills every `'auto'` with what probing found; explicit choices in the file win.
 * Business bridges written in the file keep their names; an `auto` interface in one
 * takes the interface probing found for the bridge of the same name.
 */
export function applyDiscovered(site: ResolvedSite, found: DiscoveredSite): ConcreteSite {
  const nodeNames: Record<NodeKey, string> = found.nodeNames;
  const [first, second] = site.nodes;
  const concreteNode = (node: ResolvedNode, key: NodeKey): ResolvedNode<never> => ({
    ...node,
    name: pick(node.name, nodeNames[key]),
    bmc: node.bmc === null ? null : ({ ...node.bmc } satisfies ResolvedBmc),
  });
  const business: readonly BusinessNetwork<never>[] =
    site.network.business === AUTO
      ? found.business
      : site.network.business.map((bridge) => {
          const match = found.business.find((candidate) => candidate.bridge === bridge.bridge);
          if (!match && (bridge.a === AUTO || bridge.b === AUTO)) {
            throw new LockstepError({
              code: 'config',
              message: `Probing found no interface for business bridge ${bridge.bridge}, and the site file leaves it to \`auto\`.`,
              remedy:
                'Name the interfaces of this bridge in the site file (`a:` and `b:`), or check the cabling.',
              field: 'network.business',
            });
          }
          return {
            bridge: bridge.bridge,
            a: pick(bridge.a, match?.a ?? ''),
            b: pick(bridge.b, match?.b ?? ''),
          };
        });
  return {
    ...site,
    nodes: [concreteNode(first, 'a'), concreteNode(second, 'b')],
    network: {
      management: pickPerNode(site.network.management, found.management),
      private: {
        ...pickPerNode(site.network.private, found.private),
        subnet: pick(site.network.private.subnet, found.private.subnet),
        mtu: pick(site.network.private.mtu, found.private.mtu),
      },
      business,
    },
    storage: { ...site.storage, disks: pickPerNode(site.storage.disks, found.disks) },
  };
}
