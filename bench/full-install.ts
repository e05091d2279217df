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
import { LAB_ALLOWED_CHECKS, LOCKSTEP_ARGS, ROOT, stats, unavailableFigure, type BenchContext, type FigureResult } from './types';

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

/** Runs `lockstep apply` with the remote-time preload; returns wall and remote-busy seconds. */
export function timedApply(siteFile: string, knownHosts: string, scratch: string, name: string): { wall: number; busy: number; summary: string } {
  const times = join(scratch, `${name}-remote-times.json`);
  const run = spawnSync(
    process.execPath,
    ['--import', join(ROOT, 'bench/remote-time.mjs'), ...LOCKSTEP_ARGS, '--json', '-c', siteFile, '--known-hosts', knownHosts, 'apply', '--yes', '--allow-checks', LAB_ALLOWED_CHECKS],
    { encoding: 'utf8', env: { ...process.env, LOCKSTEP_BENCH_REMOTE_TIMES: times }, maxBuffer: 256 * 1024 * 1024, timeout: 1_800_000 },
  );
  const last = (run.stdout ?? '').trim().split('\n').pop() ?? '';
  const finished = (() => {
    try {
      return JSON.parse(last) as { type?: string; ok?: boolean; message?: string };
    } catch {
      return undefined;
    }
  })();
  if (run.status !== 0 || finished?.type !== 'run-finished' || !finished.ok)
    throw new Error(`apply failed (exit ${run.status ?? run.signal}): ${finished?.message ?? (run.stderr ?? '').trim().split('\n').pop() ?? ''}`);
  const recorded = JSON.parse(readFileSync(times, 'utf8')) as { wallMs: number; intervals: [number, number, string][] };
  return { wall: recorded.wallMs / 1000, busy: unionMs(recorded.intervals) / 1000, summary: finished.message ?? '' };
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
    const { wall, busy, summary } = timedApply(info.siteFile, info.knownHostsPath, context.scratch, 'full-install');
    const overhead = wall - busy;
    return {
      ...BASE,
      lockstep: {
        label: 'lockstep apply',
        command: `lockstep apply -c <lab site> --yes --allow-checks ${LAB_ALLOWED_CHECKS}`,
        measurement: stats([wall]),
        detail: `overhead ${((overhead / wall) * 100).toFixed(1)} % (${overhead.toFixed(1)} s); ${summary}`,
      },
      peers: [{ label: 'remote busy (of the same run)', command: 'exec channels + SFTP calls', measurement: stats([busy]) }],
    };
  } catch (error) {
    return unavailableFigure(BASE, error instanceof Error ? error.message : String(error));
  }
}
