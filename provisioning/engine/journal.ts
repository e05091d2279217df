import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ApplyEventSchema, type ApplyEvent, type PreviousRun, type StopPoint } from '../api/apply-events';
import { stateDir } from '../util/paths';

/**
 * The journal of a run: every event, redacted, one JSON object per line, appended and
 * written through before the run goes on — so a run killed at any moment leaves a
 * journal that says exactly how far it got. `<stateDir>/runs/<pair>/<run-id>.jsonl`;
 * `current` in the same folder names the latest run.
 */
export function runsDir(pair: string, base: string = stateDir()): string {
  return join(base, 'runs', pair);
}

/** A run id that sorts by time: `20250101T120000123Z-3f9a`. */
export function newRunId(now: Date = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(2).toString('hex')}`;
}

export const CURRENT_POINTER = 'current';

/** An open journal file; `write` appends one event and returns once the OS has it. */
export class Journal {
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Creates the run's file and points `current` at it. */
  static open(dir: string, runId: string): Journal {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, `${runId}.jsonl`);
    const fd = openSync(path, 'a', 0o600);
    const pointer = join(dir, CURRENT_POINTER);
    writeFileSync(`${pointer}.tmp`, `${runId}\n`, { mode: 0o600 });
    renameSync(`${pointer}.tmp`, pointer);
    return new Journal(path, fd);
  }

  write(event: ApplyEvent): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${JSON.stringify(event)}\n`);
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The events of a journal file; a last line cut off by a kill is ignored. */
export function readJournal(path: string): ApplyEvent[] {
  const events: ApplyEvent[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const parsed = ApplyEventSchema.safeParse(JSON.parse(line));
      if (parsed.success) events.push(parsed.data);
    } catch {
      // a partial line: the process died while writing it
    }
  }
  return events;
}

/** The latest run of a pair (the `current` pointer), or null when there was none. */
export function latestRun(dir: string): { runId: string; path: string } | null {
  const pointer = join(dir, CURRENT_POINTER);
  if (!existsSync(pointer)) return null;
  const runId = readFileSync(pointer, 'utf8').trim();
  const path = join(dir, `${runId}.jsonl`);
  return runId && existsSync(path) ? { runId, path } : null;
}

/** How a run ended and what it left unfinished, from its events. */
export function summarizeRun(runId: string, events: readonly ApplyEvent[]): PreviousRun {
  const open = new Map<string, StopPoint>();
  const failed: StopPoint[] = [];
  let ending: PreviousRun['ending'] = 'interrupted';
  for (const event of events) {
    switch (event.type) {
      case 'step-started':
        open.set(`${event.step}@${event.target}`, { step: event.step, target: event.target, status: 'interrupted' });
        break;
      case 'step-finished':
        open.delete(`${event.step}@${event.target}`);
        if (event.outcome === 'failed' || event.outcome === 'interrupted')
          failed.push({ step: event.step, target: event.target, status: event.outcome });
        break;
      case 'run-finished':
        ending = event.ok ? 'finished' : 'failed';
        break;
      case 'run-cancelled':
        ending = 'cancelled';
        break;
      default:
        break;
    }
  }
  return { runId, ending, unfinished: [...failed, ...open.values()] };
}

/** The latest run, when it did not finish cleanly (what a new run resumes); null otherwise. */
export function unfinishedRun(dir: string): PreviousRun | null {
  const latest = latestRun(dir);
  if (!latest) return null;
  const summary = summarizeRun(latest.runId, readJournal(latest.path));
  return summary.ending === 'finished' ? null : summary;
}
