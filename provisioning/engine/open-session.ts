import { LockstepError } from '../api/errors';
import type { Secrets } from '../api/endpoint';
import type { Finding } from '../api/finding';
import type { ResolvedSite } from '../api/site';
import { runChecks } from '../checks/registry';
import { gather } from '../validation/gather';
import { derivePairFacts } from './pair-facts';
import type { EngineNode, EngineSession } from './session';

/**
 * Opens what plan and apply need from a site: connects to both servers, reads them,
 * validates, and decides the pair facts. Validation must pass: a `fail` finding stops
 * here (exit 1) unless its id is in `allowChecks` — the practice lab in containers
 * has no DRBD module and cannot own disks, so a lab run passes
 * `--allow-checks kmod.drbd-unavailable,disk.none-available` and the storage steps
 * report themselves not applicable there.
 */
export interface OpenSessionOptions {
  readonly knownHostsPath: string;
  readonly secrets?: Secrets;
  /** Further secrets to keep out of events and journals (BMC passwords). */
  readonly extraSecrets?: readonly string[];
  readonly signal: AbortSignal;
  /** Check ids whose `fail` findings are accepted for this run. */
  readonly allowChecks?: readonly string[];
  readonly progress?: (message: string) => void;
}

export interface OpenedSession {
  readonly session: EngineSession;
  readonly findings: readonly Finding[];
  /** The `fail` findings accepted through `allowChecks`. */
  readonly allowed: readonly Finding[];
  close(): Promise<void>;
}

export async function openSession(site: ResolvedSite, options: OpenSessionOptions): Promise<OpenedSession> {
  const { context, transports } = await gather(site, {
    knownHostsPath: options.knownHostsPath,
    signal: options.signal,
    ...(options.secrets && { secrets: options.secrets }),
    ...(options.progress && { progress: options.progress }),
  });
  const close = async (): Promise<void> => {
    await Promise.all(transports.map((transport) => transport?.close()));
  };
  try {
    for (const node of context.nodes) {
      const problem = node.connectError ?? node.sudoError;
      if (problem) throw new LockstepError({ ...problem, host: problem.host ?? node.label });
    }
    options.progress?.('validating');
    const findings = runChecks(context);
    const allow = new Set(options.allowChecks ?? []);
    const fails = findings.filter((finding) => finding.severity === 'fail');
    const blocking = fails.filter((finding) => !allow.has(finding.id));
    if (blocking.length > 0) throw checksFailed(blocking);
    const [a, b] = context.nodes;
    const [transportA, transportB] = transports;
    if (!a.inventory || !b.inventory || !transportA || !transportB)
      throw new LockstepError({
        code: 'ssh.unreachable',
        message: 'One of the servers could not be read.',
        remedy: 'Run `lockstep validate -c site.yaml` and fix what it reports.',
      });
    const nodes: readonly [EngineNode, EngineNode] = [
      { key: 'a', label: a.label, transport: transportA, inventory: a.inventory },
      { key: 'b', label: b.label, transport: transportB, inventory: b.inventory },
    ];
    const session: EngineSession = {
      site,
      pair: derivePairFacts(context),
      nodes,
      secrets: [
        options.secrets?.password,
        options.secrets?.passphrase,
        options.secrets?.sudoPassword,
        ...(options.extraSecrets ?? []),
      ].filter((secret): secret is string => !!secret),
    };
    return { session, findings, allowed: fails.filter((finding) => allow.has(finding.id)), close };
  } catch (error) {
    await close();
    throw error;
  }
}

function checksFailed(fails: readonly Finding[]): LockstepError {
  const lines = fails.map((finding) => `  - ${finding.id}${finding.node ? ` (${finding.node})` : ''}: ${finding.message}`);
  const ids = [...new Set(fails.map((finding) => finding.id))];
  return new LockstepError({
    code: 'checks.failed',
    message: `Validation failed; nothing was changed:\n${lines.join('\n')}`,
    remedy: `Fix what the checks report (\`lockstep validate -c site.yaml\` shows each fix). To go on past a check you have judged harmless — e.g. the practice lab's containers have no DRBD module and no disks of their own — pass --allow-checks ${ids.join(',')}.`,
    details: { findings: fails },
  });
}
