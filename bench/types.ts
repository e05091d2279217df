/**
 * What every bench figure shares: the contenders, the measurements and the lab's files.
 * `bench/bench.ts` runs the figures and prints the table; the figures that cannot be a
 * hyperfine command line (a fault injected, a browser driven, a full install) live in
 * their own files and return measurements they took themselves.
 */
import { spawnSync } from 'node:child_process';
import { quote } from '../provisioning/util/shell';

/** How a measurement prints: seconds of wall time (the default), CPU seconds per minute, MiB, or a share. */
export type Unit = 'time' | 'cpu-per-minute' | 'mib' | 'percent';

/** What was measured for one contender (seconds, CPU s/min, MiB or percent, per `unit`). */
export interface Measurement {
  readonly mean: number;
  readonly stddev: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
  readonly unit?: Unit;
  /** Every run's value, in the order taken (so that later runs can be compared sample by sample). */
  readonly samples?: readonly number[];
  /** User and system CPU seconds of the command and its children, mean per run (hyperfine figures). */
  readonly userCpu?: number;
  readonly systemCpu?: number;
}

export interface ContenderResult {
  readonly label: string;
  readonly command: string;
  readonly measurement?: Measurement;
  readonly unavailable?: string;
  /** Shown after the value (e.g. the overhead share of a full install). */
  readonly detail?: string;
}

/** One figure of the table: Lockstep and one or more peers doing the same job. */
export interface FigureResult {
  readonly id: string;
  readonly title: string;
  readonly note: string;
  readonly lockstep: ContenderResult;
  readonly peers: readonly ContenderResult[];
  /** Set when the figure as a whole could not run (e.g. the lab is down). */
  readonly unavailable?: string;
  /** Per-run detail kept in the JSON only (instrumented applies with their journal times, console samples). */
  readonly runs?: readonly unknown[];
}

export interface LabFiles {
  readonly addresses: readonly string[];
  readonly identityFile: string;
  readonly knownHostsPath: string;
  readonly siteFile: string;
  /** The lab's state directory (leases live in `<labDir>/leases`). */
  readonly labDir: string;
}

/** The apply the bench runs before its figures, so that every run times a converged lab. */
export interface ConvergeResult {
  readonly ok: boolean;
  readonly wallSeconds: number;
  /** Steps changed / already done / failed (a fresh lab: a full install; a converged one: 0 changed). */
  readonly counts?: { readonly changed: number; readonly noop: number; readonly failed: number };
  readonly message: string;
}

/** What every figure may use: the lab's files, a scratch directory and the run's flags. */
export interface BenchContext {
  readonly lab?: LabFiles;
  readonly labProblem?: string;
  readonly scratch: string;
  readonly fullInstall: boolean;
  /** Set when the selected figures needed a converged lab (bench.ts converges it first). */
  readonly converge?: ConvergeResult;
}

export const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
export const LOCKSTEP_ARGS = [`${ROOT}/bin/lockstep.mjs`];
export const LOCKSTEP = `${quote(process.execPath)} ${quote(`${ROOT}/bin/lockstep.mjs`)}`;
/** The checks the container lab cannot pass (no virtualization flags, no disks, no DRBD module). */
export const LAB_ALLOWED_CHECKS = 'cpu.virt-missing,disk.none-available,kmod.drbd-unavailable';

/** Mean, sample standard deviation, min and max of some samples. */
export function stats(samples: readonly number[], unit: Unit = 'time'): Measurement {
  const n = samples.length;
  const mean = samples.reduce((sum, value) => sum + value, 0) / n;
  const variance = n > 1 ? samples.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, stddev: Math.sqrt(variance), min: Math.min(...samples), max: Math.max(...samples), runs: n, unit, samples: [...samples] };
}

/** OpenSSH options to log in to a lab server as the bench does (no connection sharing). */
export function sshArgs(lab: LabFiles): string[] {
  return [
    '-i', lab.identityFile,
    '-o', `UserKnownHostsFile=${lab.knownHostsPath}`,
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    '-o', 'ControlMaster=no',
    '-o', 'ControlPath=none',
  ];
}

/** Runs a command on a lab server (as root) and returns its output; throws when it fails. */
export function onServer(lab: LabFiles, address: string, command: string, input?: string): string {
  const run = spawnSync('ssh', [...sshArgs(lab), `root@${address}`, command], {
    encoding: 'utf8',
    timeout: 120_000,
    ...(input !== undefined && { input }),
  });
  if (run.status !== 0) throw new Error(`ssh ${address} ${command.slice(0, 60)}: exit ${run.status ?? run.signal}: ${(run.stderr ?? '').trim().slice(-200)}`);
  return run.stdout;
}

export function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A figure that failed as a whole: one row saying why. */
export function unavailableFigure(base: Pick<FigureResult, 'id' | 'title' | 'note'>, why: string): FigureResult {
  return { ...base, unavailable: why, lockstep: { label: 'lockstep', command: '', unavailable: why }, peers: [] };
}
