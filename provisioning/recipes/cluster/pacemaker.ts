import { LockstepError } from '../../api/errors';
import type { ResolvedSite } from '../../api/site';
import type { Decision, NodeStepContext, PairStep, PairStepContext } from '../../engine/types';
import { command } from '../../util/shell';
import { parseCrmMon, type CrmStatus } from '../parse/cluster';
import { notVerified, read, run } from '../support/run';

/**
 * Cluster-wide Pacemaker properties, set once (on node a) through `crm_attribute`.
 * `stonith-enabled=false` is written only when the site acknowledges running without
 * fencing; `no-quorum-policy=stop` is right for `two_node` (the survivor keeps quorum)
 * and for a witness alike.
 */
export type SettingType = 'crm_config' | 'rsc_defaults';

/**
 * Resource defaults: with no stickiness Pacemaker may "rebalance" when a failed node
 * returns, moving a VM back — a stop and a start, the outage failover just avoided
 * (the VM lab's HA test saw it). Any stickiness above the locations' 0 keeps it where
 * it runs; moving it back is the admin's `vm migrate`.
 */
export const RESOURCE_DEFAULTS: Readonly<Record<string, string>> = { 'resource-stickiness': '100' };

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
  wanted: Readonly<Record<string, string>>,
  current: ReadonlyMap<string, string | null>,
  type: SettingType = 'crm_config',
): Decision {
  const what = type === 'crm_config' ? 'cluster property' : 'resource default';
  const changes = Object.entries(wanted)
    .filter(([name, value]) => current.get(name) !== value)
    .map(([name, value]) => ({
      summary: `set the ${what} ${name}=${value}`,
      commands: [propertyUpdate(name, value, type)],
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

export function propertyQuery(name: string, type: SettingType = 'crm_config'): string {
  return command('crm_attribute', '--type', type, '--name', name, '--query', '--quiet');
}

function propertyUpdate(name: string, value: string, type: SettingType): string {
  return command('crm_attribute', '--type', type, '--name', name, '--update', value);
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
  type: SettingType,
): Promise<Map<string, string | null>> {
  const current = new Map<string, string | null>();
  for (const name of names) {
    const result = await read(node, propertyQuery(name, type));
    current.set(name, result.code === 0 ? result.stdout.trim() || null : null);
  }
  return current;
}

/** The properties and the resource defaults, as one decision (pure). */
export function decideSettings(
  site: Pick<ResolvedSite, 'fencing'>,
  properties: ReadonlyMap<string, string | null>,
  defaults: ReadonlyMap<string, string | null>,
): Decision {
  const wanted = wantedProperties(site);
  const decisions = [decideProperties(wanted, properties), decideProperties(RESOURCE_DEFAULTS, defaults, 'rsc_defaults')];
  const changes = decisions.flatMap((decision) => (decision.kind === 'change' ? decision.changes : []));
  if (changes.length > 0) return { kind: 'change', changes };
  return { kind: 'noop', reason: decisions.map((decision) => (decision.kind === 'noop' ? decision.reason : '')).join('; ') };
}

async function currentSettings(context: PairStepContext): Promise<Decision> {
  const [a] = context.nodes;
  const wanted = wantedProperties(context.site);
  return decideSettings(
    context.site,
    await currentProperties(a, Object.keys(wanted), 'crm_config'),
    await currentProperties(a, Object.keys(RESOURCE_DEFAULTS), 'rsc_defaults'),
  );
}

/** `fencing.policy` (pair): stonith-enabled, no-quorum-policy and the resource stickiness. */
export const clusterPropertiesStep: PairStep = {
  id: 'fencing.policy',
  title: 'Cluster properties (fencing, quorum policy, stickiness)',
  group: 'fencing',
  scope: 'pair',
  applicable: () => true,
  async inspect(context) {
    if (!(await clusterReadyNow(context.nodes[0]))) return decideSettings(context.site, new Map(), new Map());
    return currentSettings(context);
  },
  async apply(context) {
    const [a] = context.nodes;
    await waitForCluster(a);
    const decision = await currentSettings(context);
    if (decision.kind === 'noop') return;
    for (const line of decision.changes.flatMap((change) => change.commands)) await run(a, line);
  },
  async verify(context) {
    const decision = await currentSettings(context);
    if (decision.kind === 'change')
      throw notVerified(
        context.nodes[0].label,
        `cluster properties not set: ${decision.changes.map((change) => change.summary).join('; ')}.`,
        'Run apply again; check `crm_attribute --type crm_config --name stonith-enabled --query`.',
      );
  },
};
