import type { Secrets } from '../api/endpoint';
import { LockstepError } from '../api/errors';
import { defaultBmcPasswordEnv, type NodeKey, type ResolvedSite } from '../api/site';
import { loadSiteFile } from '../site/load';
import { defaultKnownHostsPath } from '../util/paths';
import type { GlobalOptions } from './context';
import { isInteractive, passwordFrom, sshPassword, sudoPassword } from './prompt';

/**
 * What every site-file command (validate, plan, apply, status) starts from: the
 * resolved site, the pinned-keys file, and the secrets the login needs — asked once,
 * held in memory only.
 */
export interface SiteSession {
  readonly site: ResolvedSite;
  readonly sitePath: string;
  readonly knownHostsPath: string;
  readonly secrets: Secrets;
}

export async function openSiteSession(options: GlobalOptions): Promise<SiteSession> {
  if (!options.config)
    throw new LockstepError({
      code: 'usage',
      field: '--config',
      message: 'This command needs a site file.',
      remedy:
        'Pass -c site.yaml (the practice lab writes one: `lockstep lab status` shows its path; `lockstep init HOST HOST` writes one for real servers).',
    });
  const loaded = loadSiteFile(options.config);
  const site = loaded.site;
  const host = site.nodes[0].address;
  const ask = isInteractive() && !options.json;
  // A key file or agent is the normal path; a password is asked only when neither is set.
  const needsPassword = !site.ssh.identityFile && !process.env.SSH_AUTH_SOCK;
  const password = needsPassword
    ? await sshPassword(site.ssh.user, host, { ask })
    : await sshPassword(site.ssh.user, host, { ask: false });
  const sudo = site.ssh.user === 'root' ? undefined : await sudoPassword(site.ssh.user, host, { ask });
  // Never asked here (status needs none): validate tests the BMCs whose passwords are exported.
  const bmc = await bmcPasswords(site, { ask: false });
  return {
    site,
    sitePath: loaded.path,
    knownHostsPath: options.knownHosts ?? defaultKnownHostsPath(),
    secrets: {
      ...(password !== undefined && { password }),
      ...(sudo !== undefined && { sudoPassword: sudo }),
      ...((bmc.a !== undefined || bmc.b !== undefined) && { bmcPasswords: bmc }),
    },
  };
}

/**
 * The BMC passwords of the site's nodes: from the environment variable each `bmc`
 * names, or for `password: prompt` from LOCKSTEP_BMC_A_PASSWORD / _B_, else asked on a
 * terminal when `ask`.
 */
export async function bmcPasswords(
  site: ResolvedSite,
  options: { readonly ask: boolean; readonly env?: NodeJS.ProcessEnv },
): Promise<{ a?: string; b?: string }> {
  const env = options.env ?? process.env;
  const [a, b] = await Promise.all(
    site.nodes.map(async (node, index) => {
      const source = node.bmc?.password;
      if (!source) return undefined;
      const key: NodeKey = index === 0 ? 'a' : 'b';
      return source === 'prompt'
        ? passwordFrom(defaultBmcPasswordEnv(key), `BMC password of node ${key}: `, { ask: options.ask, env })
        : env[source.env];
    }),
  );
  return { ...(a !== undefined && { a }), ...(b !== undefined && { b }) };
}
