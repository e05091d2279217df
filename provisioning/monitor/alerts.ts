/**
 * Alerts are derived, never collected: diffing two successive pair states says what
 * happened between them (a node lost, a link down, a resync finished…). Pure, so the
 * same rules serve the CLI watch, the console and the tests.
 */
import { TIME_DRIFT_LIMIT_MS, type Alert, type AlertKind, type PairState } from '../api/monitor';
import type { NodeKey } from '../api/site';
import { failureKey } from './model';
import { isSyncing } from './parse/drbd';

const GOOD_NODE = new Set(['online', 'standby', 'maintenance']);

/**
 * The alerts that lead from `before` to `after` (none for the first state).
 * `lastPlaces`: where each VM last ran in any earlier state. A failover usually passes
 * through states where the VM runs nowhere (its node lost, the survivor still starting
 * it), so "moved" compares with the last place seen, not only with `before`.
 */
export function deriveAlerts(before: PairState | undefined, after: PairState, lastPlaces: ReadonlyMap<string, NodeKey> = new Map()): Alert[] {
  if (!before) return [];
  const alerts: Alert[] = [];
  const add = (kind: AlertKind, severity: Alert['severity'], message: string, extra: { node?: string; subject?: string } = {}): void => {
    alerts.push({
      id: `${after.at}:${kind}:${extra.subject ?? extra.node ?? ''}`,
      at: after.at,
      pair: after.pair,
      kind,
      severity,
      message,
      ...extra,
    });
  };

  if (before.level !== after.level) {
    const severity = after.level === 'down' ? 'critical' : after.level === 'unprotected' ? 'critical' : after.level === 'degraded' ? 'warn' : 'info';
    add('pair-level', severity, `Pair ${after.pair} is now ${after.level}${after.reasons[0] ? `: ${after.reasons[0].message}` : '.'}`);
  }

  after.nodes.forEach((node, index) => {
    const old = before.nodes[index];
    if (!old) return;
    const label = node.name ?? old.name ?? node.address;
    const wasGood = GOOD_NODE.has(old.condition);
    const isGood = GOOD_NODE.has(node.condition);
    if (wasGood && !isGood)
      add('node-lost', 'critical', `Node ${label} lost (${node.condition === 'unreachable' ? 'unreachable over SSH' : 'left the cluster'}).`, { node: label });
    if (!wasGood && isGood) add('node-back', 'info', `Node ${label} is back (${node.condition}).`, { node: label });
  });

  for (const link of after.links) {
    const old = before.links.find((l) => l.id === link.id);
    if (!old) continue;
    if (old.up && !link.up) add('link-down', link.kind === 'replication' ? 'critical' : 'warn', `Link ${link.id} is down.`, { subject: link.id });
    if (!old.up && link.up) add('link-up', 'info', `Link ${link.id} is up again.`, { subject: link.id });
  }

  for (const resource of after.storage) {
    const old = before.storage.find((s) => s.resource === resource.resource);
    if (resource.splitBrain && !old?.splitBrain)
      add('split-brain', 'critical', `DRBD resource ${resource.resource}: split brain (StandAlone with both nodes up).`, { subject: resource.resource });
    const was = old ? isSyncing(old.replication) : false;
    const is = isSyncing(resource.replication);
    if (!was && is) add('resync-started', 'warn', `DRBD resource ${resource.resource}: resync started.`, { subject: resource.resource });
    if (was && !is) add('resync-finished', 'info', `DRBD resource ${resource.resource}: resync finished (${resource.disk.a ?? '?'}/${resource.disk.b ?? '?'}).`, { subject: resource.resource });
  }

  for (const vm of after.vms) {
    const old = before.vms.find((v) => v.name === vm.name);
    if (vm.duplicate && !old?.duplicate)
      add('split-brain', 'critical', `VM ${vm.name} runs on both nodes at once.`, { subject: vm.name });
    const was = old?.runsOn ?? lastPlaces.get(vm.name);
    if (was && vm.runsOn && was !== vm.runsOn && old?.runsOn !== vm.runsOn) {
      const from = after.nodes.find((n) => n.key === was);
      const to = after.nodes.find((n) => n.key === vm.runsOn);
      add('failover', 'warn', `VM ${vm.name} moved from ${from?.name ?? was} to ${to?.name ?? vm.runsOn}.`, { subject: vm.name });
    }
  }

  // A failed operation is how a VM restarted in place shows: its node stays, so no failover.
  const recorded = new Set(before.failures.map(failureKey));
  for (const failure of after.failures) {
    if (recorded.has(failureKey(failure))) continue;
    const what = failure.vm ? `VM ${failure.vm}` : `Resource ${failure.resource}`;
    const why = failure.reason ? `${failure.status}: ${failure.reason}` : failure.status;
    add(
      'resource-failed',
      'warn',
      `${what}: ${failure.operation} failed on ${failure.node} (${why}); the cluster recovers it (a restart, or a move to the other node). \`crm_resource --cleanup --resource ${failure.resource}\` clears the record.`,
      { node: failure.node, subject: failure.vm ?? failure.resource },
    );
  }

  const known = new Set(before.fencing.history.map(fenceKey));
  for (const event of after.fencing.history) {
    if (known.has(fenceKey(event))) continue;
    add('fencing', event.status === 'success' ? 'critical' : 'warn', `Fencing: ${event.action} of ${event.target} ${event.status === 'success' ? 'succeeded' : event.status}.`, {
      node: event.target,
    });
  }

  const driftBefore = (before.timeDriftMs ?? 0) > TIME_DRIFT_LIMIT_MS;
  const driftAfter = (after.timeDriftMs ?? 0) > TIME_DRIFT_LIMIT_MS;
  if (!driftBefore && driftAfter)
    add('time-drift', 'warn', `The nodes' clocks drift apart by ${after.timeDriftMs} ms (limit ${TIME_DRIFT_LIMIT_MS} ms).`);
  return alerts;
}

function fenceKey(event: PairState['fencing']['history'][number]): string {
  return `${event.target}|${event.action}|${event.completed ?? ''}|${event.status}`;
}

/** True when two states differ in anything a person would see (ignores times and counters). */
export function stateChanged(before: PairState | undefined, after: PairState): boolean {
  if (!before) return true;
  return JSON.stringify(visible(before)) !== JSON.stringify(visible(after));
}

function visible(state: PairState): unknown {
  return {
    level: state.level,
    reasons: state.reasons,
    nodes: state.nodes.map((n) => [n.name, n.condition, n.corosync, n.pacemaker, n.quorate, n.dc, n.timeSynced]),
    links: state.links.map((l) => [l.id, l.a, l.b, l.up]),
    storage: state.storage.map((s) => ({ ...s, outOfSyncBytes: null, syncBytesPerSecond: null })),
    vms: state.vms,
    failures: state.failures.map(failureKey),
    fencing: state.fencing,
  };
}
