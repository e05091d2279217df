import { describe, expect, it } from 'vitest';
import { unfinishedRun, runsDir } from '../../provisioning/engine/journal';
import { injectedLab } from '../helpers/lab';
import {
  applyHarness,
  applyOnce,
  applyUntil,
  completedSteps,
  changedSteps,
  lastEvent,
  managedFiles,
  parseEvents,
  undoConfiguration,
} from './apply-support';

/**
 * Resumption: kill `apply` (SIGKILL, no chance to clean up) after 1, 3 and 5 steps, or
 * cancel it (SIGINT), and the next run converges to exactly the state a clean run
 * leaves — no file written twice, no line duplicated — with the journal saying where
 * the killed run stopped.
 */
const { lab, skipReason } = injectedLab();

// One retry: killing a process at an exact event is timing-sensitive on a loaded
// 2-core machine; a case must still pass whole (kill, rerun, converged, nothing
// duplicated) to count. Flakes seen are noted in the session note for follow-up.
describe.skipIf(!lab)(
  `apply resumes on the practice lab${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  { retry: 1 },
  () => {
    const harness = lab ? applyHarness(lab) : undefined;
    let clean: { a: Map<string, string>; b: Map<string, string> } | undefined;

    const converge = async (): Promise<void> => {
      const run = await applyOnce(harness!);
      expect(run.code, run.stderr).toBe(0);
      const again = await applyOnce(harness!);
      expect(again.code, again.stderr).toBe(0);
      expect(changedSteps(again.stdout)).toEqual([]);
      expect(lastEvent(again.stdout)).toMatchObject({ type: 'run-finished', counts: { changed: 0 } });
    };

    it('converges from scratch (the reference state)', { timeout: 1_200_000 }, async () => {
      await converge();
      clean = { a: await managedFiles('a'), b: await managedFiles('b') };
      for (const files of [clean.a, clean.b])
        for (const [path, content] of files)
          expect(content.split('managed by Lockstep').length - 1, path).toBe(1);
    });

    for (const steps of [1, 3, 5]) {
      it(
        `is killed (SIGKILL) after ${steps} step${steps === 1 ? '' : 's'}; the rerun converges with nothing duplicated`,
        { timeout: 1_200_000 },
        async () => {
          await undoConfiguration('a');
          await undoConfiguration('b');
          const killed = await applyUntil(
            harness!,
            (events) => completedSteps(events).length >= steps,
            'SIGKILL',
          );
          const events = parseEvents(killed.stdout);
          if (killed.signalled) {
            expect(killed.exitSignal).toBe('SIGKILL');
            expect(events.some((event) => event.type === 'run-finished')).toBe(false);
            // The journal tells the next run that this one never ended.
            const previous = unfinishedRun(runsDir('lab', harness!.stateDir));
            expect(previous?.ending).toBe('interrupted');
          }
          const rerun = await applyOnce(harness!);
          expect(rerun.code, rerun.stderr).toBe(0);
          if (killed.signalled)
            expect(parseEvents(rerun.stdout)[0]).toMatchObject({
              type: 'run-started',
              previousRun: { ending: 'interrupted' },
            });
          const again = await applyOnce(harness!);
          expect(changedSteps(again.stdout)).toEqual([]);
          expect(lastEvent(again.stdout)).toMatchObject({ type: 'run-finished', counts: { changed: 0 } });
          expect(await managedFiles('a')).toEqual(clean!.a);
          expect(await managedFiles('b')).toEqual(clean!.b);
        },
      );
    }

    it(
      'is cancelled (SIGINT) mid-run: exit 130, the journal says where, the next run repairs',
      { timeout: 1_200_000 },
      async () => {
        await undoConfiguration('a');
        await undoConfiguration('b');
        const cancelled = await applyUntil(
          harness!,
          (events) =>
            events.some((event) => event.type === 'step-decided' && event.decision.kind === 'change'),
          'SIGINT',
        );
        expect(cancelled.code, cancelled.stderr).toBe(130);
        const last = lastEvent(cancelled.stdout);
        expect(last?.type).toBe('run-cancelled');
        expect(unfinishedRun(runsDir('lab', harness!.stateDir))?.ending).toBe('cancelled');
        const rerun = await applyOnce(harness!);
        expect(rerun.code, rerun.stderr).toBe(0);
        expect(await managedFiles('a')).toEqual(clean!.a);
        expect(await managedFiles('b')).toEqual(clean!.b);
      },
    );
  },
);
