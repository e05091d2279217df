import type { TestProject } from 'vitest/node';
import { LAB_BUNDLE_DIR } from '../../provisioning/lab/site-file';
import { labUnsupportedReason, runLockstep, runProcess, REPO_ROOT, type LabInfo } from '../helpers/lab';

/**
 * Brings the practice lab up once for the whole integration run, through the built CLI
 * as a user would (`lockstep lab up --json`), and hands its LabInfo to the tests
 * (`inject('lab')`). Tears it down afterwards unless LOCKSTEP_KEEP_LAB=1. Where the
 * lab cannot run (not Linux, not root) it provides the reason instead, and the lab
 * tests report themselves skipped with it.
 *
 * The lab is one per machine: a run takes a lease on it (`lab up --lease <pid>`) and
 * at the end releases it (`lab down --release <pid>`), which takes the lab down only
 * when no other live run holds a lease.
 */
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

  const up = await runLockstep(['lab', 'up', '--json', '--lease', String(process.pid)]);
  if (up.code !== 0) throw new Error(`lockstep lab up failed (exit ${up.code}):\n${up.stderr}\n${up.stdout}`);
  const info = JSON.parse(up.stdout) as LabInfo;
  process.stderr.write(`[integration] practice lab up in ${(up.elapsedMs / 1000).toFixed(1)} s\n`);
  // The lab's servers have no internet: installs come from the offline bundle its site
  // file names, built here once (later runs reuse every unchanged file).
  const bundle = await runLockstep(['bundle', 'build', '--out', LAB_BUNDLE_DIR]);
  if (bundle.code !== 0)
    throw new Error(`lockstep bundle build failed (exit ${bundle.code}):\n${bundle.stderr}`);
  process.stderr.write(`[integration] offline bundle ready in ${(bundle.elapsedMs / 1000).toFixed(1)} s\n`);
  project.provide('lab', info);
  project.provide('labSkipReason', null);

  return async () => {
    if (process.env.LOCKSTEP_KEEP_LAB === '1') {
      process.stderr.write('[integration] LOCKSTEP_KEEP_LAB=1: leaving the practice lab up\n');
      return;
    }
    const down = await runLockstep(['lab', 'down', '--release', String(process.pid)]);
    if (down.code !== 0) throw new Error(`lockstep lab down failed (exit ${down.code}):\n${down.stderr}`);
    if (/stays up/.test(down.stdout)) process.stderr.write(`[integration] ${down.stdout.trim()}\n`);
  };
}
