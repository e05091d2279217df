import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { injectedLab, runLockstep } from '../helpers/lab';
import { applyHarness, applyOnce, lastEvent, parseEvents, undoConfiguration } from './apply-support';

/**
 * Idempotence, the Molecule way: apply, apply again, the second run changes nothing
 * and says so. And plan-before-change: a saved plan applies while it matches the
 * servers and is refused, naming the steps, once they changed.
 */
const { lab, skipReason } = injectedLab();

describe.skipIf(!lab)(
  `apply against the practice lab${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const harness = lab ? applyHarness(lab) : undefined;

    it('applies, then a second apply reports zero changes and exits 0', { timeout: 1_200_000 }, async () => {
      const first = await applyOnce(harness!);
      expect(first.code, first.stderr).toBe(0);
      expect(lastEvent(first.stdout)).toMatchObject({ type: 'run-finished', ok: true });

      const second = await applyOnce(harness!);
      expect(second.code, second.stderr).toBe(0);
      const events = parseEvents(second.stdout);
      const finished = events.at(-1);
      expect(finished).toMatchObject({ type: 'run-finished', ok: true, counts: { changed: 0, failed: 0 } });
      expect(finished?.type === 'run-finished' && finished.message).toMatch(
        /^nothing to change: \d+ steps already done$/,
      );
      expect(
        events
          .filter((event) => event.type === 'step-finished')
          .every((event) => event.type === 'step-finished' && event.outcome === 'noop'),
      ).toBe(true);
    });

    it('prints the plan per server with "already done" on a converged pair', async () => {
      const plan = await runLockstep(harness!.args('plan'), { env: harness!.env });
      expect(plan.code, plan.stderr).toBe(0);
      expect(plan.stdout).toMatch(/^Plan for pair \S+: \d+ steps, nothing to change, \d+ already done/);
      expect(plan.stdout).toContain(`${lab!.nodes[0]!.address} (`);
      expect(plan.stdout).toContain(`${lab!.nodes[1]!.address} (`);
      expect(plan.stdout).not.toContain('will change');
    });

    it(
      'applies a saved plan that still matches, and refuses one the servers no longer match',
      { timeout: 1_200_000 },
      async () => {
        const planFile = join(harness!.stateDir, '..', 'plan.json');
        const made = await runLockstep(harness!.args('plan', '--out', planFile), { env: harness!.env });
        expect(made.code, made.stderr).toBe(0);
        const matching = await runLockstep(harness!.args('apply', '--plan', planFile, '--yes', '--json'), {
          env: harness!.env,
        });
        expect(matching.code, matching.stderr).toBe(0);

        await undoConfiguration('b');
        const stale = await runLockstep(harness!.args('apply', '--plan', planFile, '--yes'), {
          env: harness!.env,
        });
        expect(stale.code).toBe(1);
        expect(stale.stderr).toContain('[plan.stale]');
        expect(stale.stderr).toMatch(/no longer matches the servers; steps that differ: \S+/);
        expect(stale.stderr).toContain(lab!.nodes[1]!.address);

        const repaired = await applyOnce(harness!);
        expect(repaired.code, repaired.stderr).toBe(0);
      },
    );

    it('refuses to apply without a terminal unless --yes, and a file that is not a plan', async () => {
      const noYes = await runLockstep(harness!.args('apply'), { env: harness!.env });
      expect(noYes.code).toBe(2);
      expect(noYes.stderr).toContain('--yes');
      const junk = join(harness!.stateDir, '..', 'junk.json');
      writeFileSync(junk, '{"hello": 1}');
      const bad = await runLockstep(harness!.args('apply', '--plan', junk, '--yes'), { env: harness!.env });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('is not a Lockstep plan');
    });
  },
);
