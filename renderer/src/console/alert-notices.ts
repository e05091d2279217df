import type { Alert, AlertKind } from '../../../provisioning/api/monitor';

/**
 * What the console raises as desktop notifications, decided without the DOM: which
 * alerts the chosen level lets through, and the one notice a burst of them becomes
 * (a failover arrives with its node-lost, link-down and pair-level alerts in the same
 * poll; four toasts at once would bury the one that matters).
 */

/** How much of the alert stream reaches the desktop. */
export type NotifyLevel = 'off' | 'critical' | 'warn' | 'all';

export const NOTIFY_LEVELS: readonly { readonly value: NotifyLevel; readonly label: string }[] = [
  { value: 'off', label: 'Off' },
  { value: 'critical', label: 'Critical only' },
  { value: 'warn', label: 'Warnings and critical' },
  { value: 'all', label: 'All alerts' },
];

/** Warnings and critical alerts: what an operator away from the window needs to hear about. */
export const DEFAULT_NOTIFY_LEVEL: NotifyLevel = 'warn';

export function isNotifyLevel(value: unknown): value is NotifyLevel {
  return NOTIFY_LEVELS.some((level) => level.value === value);
}

const RANK: Record<Alert['severity'], number> = { info: 0, warn: 1, critical: 2 };
const THRESHOLD: Record<Exclude<NotifyLevel, 'off'>, number> = { all: 0, warn: 1, critical: 2 };

/** Whether `level` lets this alert through (an acknowledged alert is old news). */
export function notifies(alert: Alert, level: NotifyLevel): boolean {
  if (level === 'off' || alert.acknowledgedAt) return false;
  return RANK[alert.severity] >= THRESHOLD[level];
}

const KIND_TITLES: Record<AlertKind, string> = {
  'node-lost': 'Server lost',
  'node-back': 'Server back',
  'link-down': 'Link down',
  'link-up': 'Link up',
  'split-brain': 'Split brain',
  'resync-started': 'Resync started',
  'resync-finished': 'Resync finished',
  failover: 'Failover',
  'resource-failed': 'Resource failed',
  fencing: 'Fencing',
  'time-drift': 'Time drift',
  'pair-level': 'Pair state changed',
};

/** One desktop notification: what the OS shows, and the alerts it stands for. */
export interface DesktopNotice {
  readonly title: string;
  readonly body: string;
  /** Replaces an earlier notice with the same tag instead of stacking. */
  readonly tag: string;
  /** Critical: stays on screen until the operator dismisses it. */
  readonly urgent: boolean;
  readonly alertIds: readonly string[];
}

/** Lines of a burst's body before "and N more". */
const BURST_LINES = 3;

/** The notice for alerts that arrived together: the alert itself, or a summary led by the most severe. */
export function noticeFor(alerts: readonly Alert[]): DesktopNotice | undefined {
  const [first] = alerts;
  if (!first) return undefined;
  const pair = first.pair;
  const urgent = alerts.some((alert) => alert.severity === 'critical');
  if (alerts.length === 1) {
    return { title: `${pair}: ${KIND_TITLES[first.kind]}`, body: first.message, tag: first.id, urgent, alertIds: [first.id] };
  }
  const bySeverity = [...alerts].sort((x, y) => RANK[y.severity] - RANK[x.severity]);
  const lines = bySeverity.slice(0, BURST_LINES).map((alert) => alert.message);
  const more = alerts.length - lines.length;
  if (more > 0) lines.push(`…and ${more} more in the console.`);
  return {
    title: `${pair}: ${alerts.length} new alerts`,
    body: lines.join('\n'),
    tag: bySeverity[0]?.id ?? first.id,
    urgent,
    alertIds: alerts.map((alert) => alert.id),
  };
}
