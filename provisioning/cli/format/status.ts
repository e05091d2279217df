/**
 * The human view of `lockstep status`: the pair level and its reasons first (what a
 * person needs in the first second), then nodes, links, storage, VMs and recent alerts.
 * Pure, so it is tested without a pair.
 */
import type { Alert, PairLevel, PairState } from '../../api/monitor';
import { formatBytes } from '../../api/units';

const LEVEL_TEXT: Record<PairLevel, string> = {
  protected: 'PROTECTED',
  degraded: 'DEGRADED',
  unprotected: 'UNPROTECTED',
  down: 'DOWN',
};

/** `3d 4h`, `5h 12m`, `42s`. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

function side(value: boolean | null): string {
  return value === null ? '?' : value ? 'up' : 'down';
}

/** The whole view as lines of text. */
export function formatStatus(state: PairState, recent: readonly Alert[] = []): string {
  const lines: string[] = [];
  lines.push(`Pair ${state.pair}: ${LEVEL_TEXT[state.level]}`);
  for (const reason of state.reasons) lines.push(`  - ${reason.message}`);
  if (state.reasons.length === 0) lines.push('  Both nodes online, every link up, storage in sync.');
  lines.push('');
  lines.push('Nodes');
  for (const node of state.nodes) {
    const details = node.reachable
      ? [
          node.quorate === null ? 'corosync stopped' : node.quorate ? 'quorate' : 'not quorate',
          node.pacemaker ? (node.dc ? 'pacemaker (DC)' : 'pacemaker') : 'pacemaker stopped',
          `up ${formatDuration(node.uptimeSeconds)}`,
          `load ${node.load1 ?? '?'}`,
          node.timeSynced === null ? 'clock sync ?' : node.timeSynced ? 'clock synced' : 'clock NOT synced',
        ]
      : ['no SSH'];
    lines.push(`  ${node.key}  ${(node.name ?? node.address).padEnd(16)} ${node.condition.padEnd(12)} ${details.join(', ')}`);
    for (const error of node.errors) lines.push(`       note: ${error}`);
  }
  lines.push('');
  lines.push('Links');
  if (state.links.length === 0) lines.push('  (none reported: corosync is not running)');
  for (const link of state.links) {
    const rate = link.bytesPerSecond !== undefined ? `, ${formatBytes(link.bytesPerSecond)}/s` : '';
    const latency = link.latencyMs !== undefined ? `, ${link.latencyMs} ms` : '';
    const nic = link.nic ? ` on ${link.nic}` : '';
    lines.push(`  ${link.id.padEnd(14)} ${link.up ? 'up' : 'DOWN'}  (a: ${side(link.a)}, b: ${side(link.b)})${nic}${rate}${latency}`);
  }
  lines.push('');
  lines.push('Storage');
  if (state.storage.length === 0) lines.push('  (no DRBD resources)');
  for (const s of state.storage) {
    const sync = s.syncPercent !== null ? `, sync ${s.syncPercent}%` : '';
    const oos = s.outOfSyncBytes ? `, ${formatBytes(s.outOfSyncBytes)} out of sync` : '';
    const speed = s.syncBytesPerSecond ? `, ${formatBytes(s.syncBytesPerSecond)}/s` : '';
    lines.push(
      `  ${s.resource.padEnd(14)} ${s.splitBrain ? 'SPLIT BRAIN ' : ''}${s.replication ?? '?'}  roles ${s.role.a ?? '?'}/${s.role.b ?? '?'}  disks ${s.disk.a ?? '?'}/${s.disk.b ?? '?'}${sync}${oos}${speed}`,
    );
  }
  lines.push('');
  lines.push('VMs');
  if (state.vms.length === 0) lines.push('  (none)');
  for (const vm of state.vms) {
    const where = vm.runsOn ? `on ${state.nodes.find((n) => n.key === vm.runsOn)?.name ?? vm.runsOn}` : 'not running';
    lines.push(`  ${vm.name.padEnd(16)} ${vm.state.padEnd(9)} ${where.padEnd(18)} ${vm.level}  ${vm.duplicate ? 'RUNS TWICE' : vm.protected ? 'protected' : 'unprotected'}`);
  }
  if (!state.fencing.configured) {
    lines.push('');
    lines.push(
      state.fencing.acknowledgedNone
        ? 'Fencing: none (acknowledged in the site file). A split brain can corrupt data.'
        : 'Fencing: none, and not acknowledged. A split brain can corrupt data.',
    );
  }
  if (state.timeDriftMs !== null) lines.push(`Clock difference between the nodes: ${state.timeDriftMs} ms.`);
  if (recent.length > 0) {
    lines.push('');
    lines.push('Recent alerts');
    for (const alert of recent)
      lines.push(`  ${alert.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}  ${alert.severity.padEnd(8)} ${alert.message}${alert.acknowledgedAt ? ' (acknowledged)' : ''}`);
  }
  return lines.join('\n');
}

/** One alert as a line for the live view. */
export function formatAlertLine(alert: Alert): string {
  return `${alert.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}  ${alert.severity.toUpperCase().padEnd(8)} ${alert.message}`;
}
