/**
 * The event log: every alert of a pair appended as one JSON line to
 * `<stateDir>/events/<pair>.jsonl`, read back by `status` (recent alerts) and the
 * console. One rotation (`.1`) past 5 MB keeps it bounded.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

/** The newest `limit` alerts, oldest first; a torn or foreign line is skipped, not fatal. */
export function readRecentAlerts(path: string, limit = 20): Alert[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  const alerts: Alert[] = [];
  for (const line of lines.slice(-limit * 2)) {
    try {
      const parsed = AlertSchema.safeParse(JSON.parse(line));
      if (parsed.success) alerts.push(parsed.data);
    } catch {
      // A line cut by a crash mid-write: skip it.
    }
  }
  return alerts.slice(-limit);
}
