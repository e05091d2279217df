/**
 * The charts' history on disk: `<stateDir>/history/<pair>.json`, written whole (to a
 * temporary file, then renamed, so a crash never leaves half a file) at most once a
 * minute and when a watch ends. A missing or damaged file is an empty history.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PairHistorySchema } from '../api/monitor';
import { stateDir } from '../util/paths';
import { MetricHistory } from './history';

/** Where a pair's chart history lives on this computer. */
export function historyPath(pair: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'history', `${pair}.json`);
}

/** The saved history, or an empty one (missing or damaged file). */
export function loadHistory(path: string): MetricHistory {
  if (!existsSync(path)) return new MetricHistory();
  try {
    const parsed = PairHistorySchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? MetricHistory.from(parsed.data) : new MetricHistory();
  } catch {
    return new MetricHistory();
  }
}

/** Writes the history whole, atomically (temporary file, then rename). */
export function saveHistory(path: string, history: MetricHistory, now: number = Date.now()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, JSON.stringify(history.toHistory(now)), { mode: 0o600 });
  renameSync(temporary, path);
}
