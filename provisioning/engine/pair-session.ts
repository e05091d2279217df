import { LockstepError } from '../api/errors';
import type { Secrets } from '../api/endpoint';
import type { ResolvedSite } from '../api/site';
import { recipeSteps, type RecipeOptions } from '../recipes';
import { connect } from '../ssh/connect';
import { openSession, type OpenedSession } from './open-session';
import type { Step } from './types';

/**
 * What plan and apply start from, whichever door asks (the CLI after its prompts, the
 * app's service with the wizard's secrets): an open, validated session on the pair and
 * the install steps, with fresh-connection and BMC-password callbacks wired to the site.
 */
export interface PairSession {
  readonly pair: OpenedSession;
  readonly steps: readonly Step[];
  readonly site: ResolvedSite;
}

export interface PairSessionOptions {
  readonly knownHostsPath: string;
  readonly secrets: Secrets;
  /** BMC passwords of node a and b, when the site fences with IPMI. */
  readonly bmcPasswords?: readonly [string | undefined, string | undefined];
  readonly signal: AbortSignal;
  /** Check ids whose `fail` findings are accepted for this run (`--allow-checks`). */
  readonly allowChecks?: readonly string[];
  readonly progress?: (message: string) => void;
}

/** Connects, validates and decides the pair facts, then builds the recipe steps for the site. */
export async function openPairSession(site: ResolvedSite, options: PairSessionOptions): Promise<PairSession> {
  const { knownHostsPath, secrets } = options;
  const bmcPasswords = options.bmcPasswords ?? [undefined, undefined];
  const [bmcA, bmcB] = bmcPasswords;
  const pair = await openSession(site, {
    knownHostsPath,
    // Validation tests each BMC with its password (fence.bmc-unreachable).
    secrets: { ...secrets, bmcPasswords: { ...(bmcA && { a: bmcA }), ...(bmcB && { b: bmcB }) } },
    extraSecrets: bmcPasswords.filter((secret): secret is string => !!secret),
    signal: options.signal,
    allowChecks: options.allowChecks ?? [],
    ...(options.progress && { progress: options.progress }),
  });
  const login = { user: site.ssh.user, ...(site.ssh.identityFile && { identityFile: site.ssh.identityFile }) };
  const recipeOptions: RecipeOptions = {
    freshConnection: (node, nodeSignal) => {
      const target = site.nodes[node === 'a' ? 0 : 1];
      return connect(
        { endpoint: { host: target.address, port: target.port }, login, secrets, knownHostsPath },
        { label: target.address, signal: nodeSignal },
      );
    },
    bmcPassword: async (node) => {
      const secret = bmcPasswords[node === 'a' ? 0 : 1];
      if (!secret)
        throw new LockstepError({
          code: 'config',
          field: `nodes[${node === 'a' ? 0 : 1}].bmc.password`,
          message: `No BMC password for node ${node}.`,
          remedy: `Export the environment variable the site file names (default LOCKSTEP_BMC_${node.toUpperCase()}_PASSWORD), or use password: prompt on a terminal.`,
        });
      return secret;
    },
    ...(site.quorum !== 'two_node' && {
      witnessConnection: (witnessSignal: AbortSignal) => {
        const witness = (site.quorum as Exclude<ResolvedSite['quorum'], 'two_node'>).witness;
        return connect(
          {
            endpoint: { host: witness.address, port: witness.port },
            login: { ...login, user: witness.user },
            secrets,
            knownHostsPath,
          },
          { label: witness.address, signal: witnessSignal },
        );
      },
    }),
  };
  return { pair, steps: recipeSteps(recipeOptions), site };
}
