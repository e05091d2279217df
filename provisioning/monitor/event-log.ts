/**
 * The event log: every alert of a pair appended as one JSON line to
 * `<stateDir>/events/<pair>.jsonl`, read back by `status` (recent alerts) and the
 * console. One rotation (`.1`) past 5 MB keeps it bounded. Acknowledging an alert
 * appends `{"ack": id, "at": …}` to the same file: the log stays append-only (a crash
 * mid-write can only lose the last line), and an alert reads back acknowledged.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LockstepError } from '../api/errors';
import { AlertSchema, type Alert } from '../api/monitor';
import { stateDir } from '../util/paths';

const ROTATE_BYTES = 5 * 1024 * 1024;

/** Where a pair's event log lives. */
export function eventLogPath(pair: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'events', `${pair}.jsonl`);
}

/** Appends alerts (one line each); creates the folder; rotates once past 5 MB. */
export function appendAlerts(path: string, alerts: readonly Alert[]): void {
  if (alerts.length === 0) return;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (existsSync(path) && statSync(path).size > ROTATE_BYTES) renameSync(path, `${path}.1`);
  appendFileSync(path, alerts.map((alert) => `${JSON.stringify(alert)}\n`).join(''), { mode: 0o600 });
}

/** The newest `limit` alerts, oldest first, with their acknowledgements; a torn or foreign line is skipped, not fatal. */
export function readRecentAlerts(path: string, limit = 20): Alert[] {
  return readAlerts(path).slice(-limit);
}

/** Every alert of the log (the rotated part first), oldest first, acknowledgements applied. */
export function readAlerts(path: string): Alert[] {
  const alerts: Alert[] = [];
  const acks = new Map<string, string>();
  for (const file of [`${path}.1`, path]) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const value = JSON.parse(line) as unknown;
        const ack = ackOf(value);
        if (ack) {
          if (!acks.has(ack.id)) acks.set(ack.id, ack.at);
          continue;
        }
        const parsed = AlertSchema.safeParse(value);
        if (parsed.success) alerts.push(parsed.data);
      } catch {
        // A line cut by a crash mid-write: skip it.
      }
    }
  }
  return alerts.map((alert) => {
    const at = acks.get(alert.id);
    return at === undefined ? alert : { ...alert, acknowledgedAt: at };
  });
}

/**
 * Marks an alert acknowledged (once: a second acknowledgement keeps the first time).
 * Throws `usage` when the log holds no alert with that id.
 */
export function acknowledgeAlert(path: string, id: string, now: Date = new Date()): { alert: Alert; alreadyAcknowledged: boolean } {
  const alert = readAlerts(path).find((each) => each.id === id);
  if (!alert)
    throw new LockstepError({
      code: 'usage',
      field: 'id',
      message: `There is no alert "${id}" in ${path}.`,
      remedy: 'List the alerts with their ids: `lockstep alert list -c site.yaml`.',
    });
  if (alert.acknowledgedAt) return { alert, alreadyAcknowledged: true };
  const at = now.toISOString();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  appendFileSync(path, `${JSON.stringify({ ack: id, at })}\n`, { mode: 0o600 });
  return { alert: { ...alert, acknowledgedAt: at }, alreadyAcknowledged: false };
}

function ackOf(value: unknown): { id: string; at: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  return typeof record.ack === 'string' && typeof record.at === 'string' ? { id: record.ack, at: record.at } : undefined;
}
