import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { labUnsupportedReason, runLockstep, runProcess, REPO_ROOT, type LabInfo } from '../helpers/lab';

/**
 * Brings the practice lab up once for the whole integration run, through the built CLI
 * as a user would (`lockstep lab up --json`), and hands its LabInfo to the tests
 * (`inject('lab')`). Tears it down afterwards unless LOCKSTEP_KEEP_LAB=1. Where the
 * lab cannot run (not Linux, not root) it provides the reason instead, and the lab
 * tests report themselves skipped with it.
 *
 * The lab is one per machine: a run takes a lease on it (`<lab dir>/leases/<pid>`) and
 * takes it down at the end only when no other live run holds a lease.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Vitest globalSetup of the integration project. */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const reason = labUnsupportedReason();
  if (reason) {
    process.stderr.write(`[integration] practice lab skipped: ${reason}\n`);
    project.provide('lab', null);
    project.provide('labSkipReason', reason);
    return undefined;
  }

  const build = await runProcess(process.execPath, ['build/build-cli.mjs'], { cwd: REPO_ROOT });
  if (build.code !== 0) throw new Error(`building the CLI failed:\n${build.stderr}`);

  const up = await runLockstep(['lab', 'up', '--json']);
  if (up.code !== 0) throw new Error(`lockstep lab up failed (exit ${up.code}):\n${up.stderr}\n${up.stdout}`);
  const info = JSON.parse(up.stdout) as LabInfo;
  process.stderr.write(`[integration] practice lab up in ${(up.elapsedMs / 1000).toFixed(1)} s\n`);
  project.provide('lab', info);
  project.provide('labSkipReason', null);
  const leases = join(dirname(info.siteFile), 'leases');
  mkdirSync(leases, { recursive: true });
  writeFileSync(join(leases, String(process.pid)), '');

  return async () => {
    rmSync(join(leases, String(process.pid)), { force: true });
    const others = readdirSync(leases).filter((entry) => alive(Number(entry)));
    if (others.length > 0) {
      process.stderr.write(
        `[integration] another test run (pid ${others.join(', ')}) still uses the practice lab: leaving it up\n`,
      );
      return;
    }
    if (process.env.LOCKSTEP_KEEP_LAB === '1') {
      process.stderr.write('[integration] LOCKSTEP_KEEP_LAB=1: leaving the practice lab up\n');
      return;
    }
    const down = await runLockstep(['lab', 'down']);
    if (down.code !== 0) throw new Error(`lockstep lab down failed (exit ${down.code}):\n${down.stderr}`);
  };
}
