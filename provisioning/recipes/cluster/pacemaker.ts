import { LockstepError } from '../../api/errors';
import type { ResolvedSite } from '../../api/site';
import type { Decision, NodeStepContext, PairStep } from '../../engine/types';
import { command } from '../../util/shell';
import { parseCrmMon, type CrmStatus } from '../parse/cluster';
import { notVerified, read, run } from '../support/run';

/**
 * Cluster-wide Pacemaker properties, set once (on node a) through `crm_attribute`.
 * `stonith-enabled=false` is written only when the site acknowledges running without
 * fencing; `no-quorum-policy=stop` is right for `two_node` (the survivor keeps quorum)
 * and for a witness alike.
 */
export function wantedProperties(site: Pick<ResolvedSite, 'fencing'>): Record<string, string> {
  if (site.fencing.mode === 'none' && !site.fencing.acknowledgeNoFencing) {
    throw new LockstepError({
      code: 'config',
      field: 'fencing.acknowledgeNoFencing',
      message: 'The pair would run without fencing, and that risk is not acknowledged.',
      remedy: 'Give both nodes a `bmc` (fencing: ipmi), or set `fencing.acknowledgeNoFencing: true`.',
    });
  }
  return { 'stonith-enabled': site.fencing.mode === 'ipmi' ? 'true' : 'false', 'no-quorum-policy': 'stop' };
}

/** Decides from the current values (pure; null = not set). */
export function decideProperties(
  wanted: Record<string, string>,
  current: ReadonlyMap<string, string | null>,
): Decision {
  const changes = Object.entries(wanted)
    .filter(([name, value]) => current.get(name) !== value)
    .map(([name, value]) => ({
      summary: `set the cluster property ${name}=${value}`,
      commands: [propertyUpdate(name, value)],
    }));
  if (changes.length === 0)
    return {
      kind: 'noop',
      reason: `${Object.entries(wanted)
        .map(([name, value]) => `${name}=${value}`)
        .join(', ')} already set`,
    };
  return { kind: 'change', changes };
}

export function propertyQuery(name: string): string {
  return command('crm_attribute', '--type', 'crm_config', '--name', name, '--query', '--quiet');
}

function propertyUpdate(name: string, value: string): string {
  return command('crm_attribute', '--type', 'crm_config', '--name', name, '--update', value);
}

/**
 * Whether Pacemaker has a DC right now (one look, no waiting). Inspection uses this:
 * a plan is made before anything is installed, so "not running yet" means "will
 * change", never a wait.
 */
export async function clusterReadyNow(node: NodeStepContext): Promise<boolean> {
  const result = await read(node, 'crm_mon -1 --output-as=xml');
  if (result.code === 0 && parseCrmMon(result.stdout).dcPresent) return true;
  // Running but still electing a DC (e.g. just restarted): worth a short wait, so that a
  // converged pair is not reported as "will change" for a moment of election.
  const active = await read(node, 'systemctl is-active pacemaker');
  if (active.stdout.trim() !== 'active') return false;
  return waitForCluster(node, 60_000).then(
    () => true,
    () => false,
  );
}

/** Waits until Pacemaker has a DC (the CIB accepts updates). */
export async function waitForCluster(node: NodeStepContext, timeoutMs = 120_000): Promise<CrmStatus> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const result = await read(node, 'crm_mon -1 --output-as=xml');
    if (result.code === 0) {
      const status = parseCrmMon(result.stdout);
      if (status.dcPresent) return status;
      last = 'no designated controller yet';
    } else last = result.stderr.trim() || result.stdout.trim();
    if (Date.now() > deadline) {
      throw notVerified(
        node.label,
        `Pacemaker did not become ready: ${last}.`,
        'Read `journalctl -u pacemaker -n 50` on the server.',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

async function currentProperties(
  node: NodeStepContext,
  names: readonly string[],
): Promise<Map<string, string | null>> {
  const current = new Map<string, string | null>();
  for (const name of names) {
    const result = await read(node, propertyQuery(name));
    current.set(name, result.code === 0 ? result.stdout.trim() || null : null);
  }
  return current;
}

/** `fencing.policy` (pair): stonith-enabled and no-quorum-policy. */
export const clusterPropertiesStep: PairStep = {
  id: 'fencing.policy',
  title: 'Cluster properties (fencing, quorum policy)',
  group: 'fencing',
  scope: 'pair',
  applicable: () => true,
  async inspect(context) {
    const wanted = wantedProperties(context.site);
    const [a] = context.nodes;
    if (!(await clusterReadyNow(a))) return decideProperties(wanted, new Map());
    return decideProperties(wanted, await currentProperties(a, Object.keys(wanted)));
  },
  async apply(context) {
    const wanted = wantedProperties(context.site);
    const [a] = context.nodes;
    await waitForCluster(a);
    const decision = decideProperties(wanted, await currentProperties(a, Object.keys(wanted)));
    if (decision.kind === 'noop') return;
    for (const line of decision.changes.flatMap((change) => change.commands)) await run(a, line);
  },
  async verify(context) {
    const wanted = wantedProperties(context.site);
    const [a] = context.nodes;
    const decision = decideProperties(wanted, await currentProperties(a, Object.keys(wanted)));
    if (decision.kind === 'change')
      throw notVerified(
        a.label,
        `cluster properties not set: ${decision.changes.map((change) => change.summary).join('; ')}.`,
        'Run apply again; check `crm_attribute --type crm_config --name stonith-enabled --query`.',
      );
  },
};
