/**
 * A full install on a fresh container lab (`npm run bench -- --full-install` only: it
 * takes the lab down and up again, so it runs only when no test run holds a lab lease).
 * Wall time of `lockstep apply`, and Lockstep's own overhead: the part of the wall time
 * during which no remote command or SFTP transfer was running on either server,
 * measured by bench/remote-time.mjs preloaded into the CLI (ssh2's exec channels and
 * SFTP calls, timed from the client).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitForQuietLab } from './lab-quiet';
import { LAB_ALLOWED_CHECKS, LOCKSTEP_ARGS, ROOT, parseJson, stats, unavailableFigure, type BenchContext, type FigureResult } from './types';

const BASE = {
  id: 'full-install',
  title: 'full install (fresh container lab)',
  note:
    'lab down + lab up, then one `lockstep apply` (13 steps, package bundle uploaded over SFTP). "remote busy" = time during ' +
    'which at least one remote command or SFTP call was running on either server; overhead = the rest of the wall time ' +
    '(start-up, validation logic, connecting, planning, journal). No peer: no other tool installs this pair.',
};

/** The time covered by at least one interval (ms). */
export function unionMs(intervals: readonly (readonly [number, number, ...unknown[]])[]): number {
  const sorted = [...intervals].sort((left, right) => left[0] - right[0]);
  let total = 0;
  let end = -Infinity;
  for (const [start, stop] of sorted) {
    if (stop <= end) continue;
    total += stop - Math.max(start, end);
    end = stop;
  }
  return total;
}

/** What the run's own journal says (independent of the preload): its duration and every step's. */
export interface JournalTimes {
  readonly path: string;
  /** run-finished.durationMs: from the first step to the last (validation and connecting come before). */
  readonly runSeconds: number;
  /** step id → target (a, b, pair) → seconds, from step-finished.durationMs. */
  readonly steps: Record<string, Record<string, number>>;
  readonly counts?: { changed: number; noop: number; failed: number };
  /** Epoch ms of run-started and run-finished, and of each step's first start and last finish. */
  readonly windows: { readonly runStarted: number; readonly runFinished: number; readonly steps: Record<string, [number, number]> };
}

/** An instrumented apply: wall and remote-busy seconds, the remote intervals' count, and the journal's times. */
export interface TimedApply {
  readonly wall: number;
  readonly busy: number;
  readonly execs: number;
  readonly sftpCalls: number;
  readonly summary: string;
  /** Overhead seconds per phase (see overheadByPhase). */
  readonly overheadByPhase: Record<string, number>;
  readonly journal?: JournalTimes;
}

/** What bench/remote-time.mjs writes at the CLI's exit. */
interface RemoteTimes {
  readonly wallMs: number;
  readonly timeOrigin?: number;
  readonly intervals: [number, number, string][];
}

function readJournalTimes(path: string): JournalTimes | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const steps: Record<string, Record<string, number>> = {};
  const windows = { runStarted: NaN, runFinished: NaN, steps: {} as Record<string, [number, number]> };
  let runSeconds = NaN;
  let counts: JournalTimes['counts'];
  for (const line of text.split('\n')) {
    const event = parseJson<{ type?: string; step?: string; target?: string; durationMs?: number; at?: string; counts?: JournalTimes['counts'] }>(line);
    const at = event?.at ? Date.parse(event.at) : NaN;
    if (event?.type === 'run-started') windows.runStarted = at;
    if (event?.type === 'step-started' && event.step) {
      const window = (windows.steps[event.step] ??= [at, at]);
      window[0] = Math.min(window[0], at);
    }
    if (event?.type === 'step-finished' && event.step && event.target && typeof event.durationMs === 'number') {
      (steps[event.step] ??= {})[event.target] = event.durationMs / 1000;
      const window = (windows.steps[event.step] ??= [at, at]);
      window[1] = Math.max(window[1], at);
    }
    if (event?.type === 'run-finished' && typeof event.durationMs === 'number') {
      runSeconds = event.durationMs / 1000;
      windows.runFinished = at;
      counts = event.counts;
    }
  }
  return { path, runSeconds, steps, windows, ...(counts && { counts }) };
}

/**
 * Where the overhead (no remote command or SFTP call running) fell: before the steps
 * (start-up, connecting, validation, planning), in each step (its own waits and logic),
 * after them. Seconds per phase, the largest first; the phases come from the journal.
 */
function overheadByPhase(recorded: RemoteTimes, journal: JournalTimes | undefined): Record<string, number> {
  const sorted = [...recorded.intervals].sort((left, right) => left[0] - right[0]);
  const idle: [number, number][] = [];
  let cursor = 0;
  for (const [start, stop] of sorted) {
    if (start > cursor) idle.push([cursor, start]);
    cursor = Math.max(cursor, stop);
  }
  if (recorded.wallMs > cursor) idle.push([cursor, recorded.wallMs]);
  const phases: [string, number, number][] = [];
  const origin = recorded.timeOrigin;
  if (journal && origin !== undefined && Number.isFinite(journal.windows.runStarted)) {
    phases.push(['before the steps (start-up, connecting, validation, plan)', 0, journal.windows.runStarted - origin]);
    for (const [step, [from, to]] of Object.entries(journal.windows.steps)) phases.push([step, from - origin, to - origin]);
    phases.push(['after the steps', journal.windows.runFinished - origin, recorded.wallMs]);
  } else phases.push(['whole run', 0, recorded.wallMs]);
  const byPhase: Record<string, number> = {};
  let attributed = 0;
  for (const [name, from, to] of phases) {
    const seconds = idle.reduce((sum, [start, stop]) => sum + Math.max(0, Math.min(stop, to) - Math.max(start, from)), 0) / 1000;
    if (seconds >= 0.05) byPhase[name] = Math.round(seconds * 100) / 100;
    attributed += seconds;
  }
  const total = idle.reduce((sum, [start, stop]) => sum + stop - start, 0) / 1000;
  if (total - attributed >= 0.05) byPhase['between steps'] = Math.round((total - attributed) * 100) / 100;
  return Object.fromEntries(Object.entries(byPhase).sort((left, right) => right[1] - left[1]));
}

/** Runs `lockstep apply` with the remote-time preload; returns wall and remote-busy seconds. */
export function timedApply(siteFile: string, knownHosts: string, scratch: string, name: string): TimedApply {
  const times = join(scratch, `${name}-remote-times.json`);
  const run = spawnSync(
    process.execPath,
    ['--import', join(ROOT, 'bench/remote-time.mjs'), ...LOCKSTEP_ARGS, '--json', '-c', siteFile, '--known-hosts', knownHosts, 'apply', '--yes', '--allow-checks', LAB_ALLOWED_CHECKS],
    { encoding: 'utf8', env: { ...process.env, LOCKSTEP_BENCH_REMOTE_TIMES: times }, maxBuffer: 256 * 1024 * 1024, timeout: 1_800_000 },
  );
  const lines = (run.stdout ?? '').trim().split('\n');
  const finished = parseJson<{ type?: string; ok?: boolean; message?: string }>(lines.at(-1) ?? '');
  if (run.status !== 0 || finished?.type !== 'run-finished' || !finished.ok)
    throw new Error(`apply failed (exit ${run.status ?? run.signal}): ${finished?.message ?? (run.stderr ?? '').trim().split('\n').pop() ?? ''}`);
  const started = lines.map((line) => parseJson<{ type?: string; journal?: string }>(line)).find((event) => event?.type === 'run-started');
  const recorded = JSON.parse(readFileSync(times, 'utf8')) as RemoteTimes;
  const journal = started?.journal ? readJournalTimes(started.journal) : undefined;
  return {
    wall: recorded.wallMs / 1000,
    busy: unionMs(recorded.intervals) / 1000,
    execs: recorded.intervals.filter((interval) => interval[2] === 'exec').length,
    sftpCalls: recorded.intervals.filter((interval) => interval[2] === 'sftp').length,
    summary: finished.message ?? '',
    overheadByPhase: overheadByPhase(recorded, journal),
    ...(journal && { journal }),
  };
}

/** The two phases with the most overhead, for the table (`: fencing.policy 18.2 s, …`). */
export function topPhases(byPhase: Record<string, number>): string {
  const top = Object.entries(byPhase).slice(0, 2);
  return top.length === 0 ? '' : `, most in ${top.map(([phase, seconds]) => `${phase.split(' (')[0]} ${seconds.toFixed(1)} s`).join(', ')}`;
}

function lockstep(args: readonly string[]): void {
  process.stderr.write(`bench: lockstep ${args.join(' ')}\n`);
  const run = spawnSync(process.execPath, [...LOCKSTEP_ARGS, ...args], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 900_000 });
  if (run.status !== 0) throw new Error(`lockstep ${args.join(' ')} failed (exit ${run.status ?? run.signal})`);
}

export async function fullInstall(context: BenchContext): Promise<FigureResult> {
  if (!context.fullInstall) return unavailableFigure(BASE, 'needs a fresh lab; run `npm run bench -- --full-install`');
  const lab = context.lab;
  if (lab) {
    const busy = await waitForQuietLab(lab.labDir, 240_000, BASE.title);
    if (busy.length > 0) return unavailableFigure(BASE, `the lab is in use by pid ${busy.join(', ')}; a fresh lab would break it`);
  }
  try {
    lockstep(['lab', 'down']);
    lockstep(['lab', 'up']);
    const status = spawnSync(process.execPath, [...LOCKSTEP_ARGS, '--json', 'lab', 'status'], { encoding: 'utf8' });
    const info = (JSON.parse(status.stdout) as { info?: { siteFile: string; knownHostsPath: string } }).info;
    if (!info) throw new Error('the lab did not come back up');
    process.stderr.write(`\n▶ ${BASE.title}: lockstep apply\n`);
    const timed = timedApply(info.siteFile, info.knownHostsPath, context.scratch, 'full-install');
    const { wall, busy, summary } = timed;
    const overhead = wall - busy;
    return {
      ...BASE,
      lockstep: {
        label: 'lockstep apply',
        command: `lockstep apply -c <lab site> --yes --allow-checks ${LAB_ALLOWED_CHECKS}`,
        measurement: stats([wall]),
        detail: `overhead ${((overhead / wall) * 100).toFixed(1)} % (${overhead.toFixed(1)} s${topPhases(timed.overheadByPhase)}); ${summary}`,
      },
      peers: [{ label: 'remote busy (of the same run)', command: 'exec channels + SFTP calls', measurement: stats([busy]) }],
      runs: [timed],
    };
  } catch (error) {
    return unavailableFigure(BASE, error instanceof Error ? error.message : String(error));
  }
}
