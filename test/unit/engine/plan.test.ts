import { describe, expect, it } from 'vitest';
import { LockstepError } from '../../../provisioning/api/errors';
import { assertPlanMatches, comparePlans, makePlan, planCounts } from '../../../provisioning/engine/plan';
import type { Step } from '../../../provisioning/engine/types';
import { newServers, pairStep, session, setStep } from './fake-steps';

const signal = new AbortController().signal;
const fixedNow = () => new Date('2026-11-29T12:00:00Z');

describe('makePlan', () => {
  it('says per node what will change and what is already done, and marks steps that do not apply', async () => {
    const servers = newServers();
    servers.b.set('x', '1');
    const notForThisSite: Step = { ...setStep(servers, 'xen.boot', 'xen', '1'), applicable: () => false };
    const steps = [setStep(servers, 'one', 'x', '1'), pairStep(servers, 'agree', 'x', 'agreed', []), notForThisSite];
    const plan = await makePlan(steps, session(), { signal, now: fixedNow });
    expect(plan.steps).toEqual([
      {
        id: 'one',
        title: 'set x',
        group: 'packages',
        scope: 'node',
        applicable: true,
        decisions: {
          a: { kind: 'change', changes: [{ summary: 'set x to 1', commands: ['set x=1'] }] },
          b: { kind: 'noop', reason: 'x is 1' },
        },
      },
      {
        id: 'agree',
        title: 'agree on agreed',
        group: 'cluster',
        scope: 'pair',
        applicable: true,
        decisions: { pair: { kind: 'change', changes: [{ summary: 'agree on agreed', commands: ['agree'] }] } },
      },
      { id: 'xen.boot', title: 'set xen', group: 'packages', scope: 'node', applicable: false, decisions: {} },
    ]);
    expect(plan.createdAt).toBe('2026-11-29T12:00:00.000Z');
    expect(plan.nodes).toEqual({ a: { label: '10.0.0.11', hostname: 'node-a' }, b: { label: '10.0.0.12', hostname: 'node-b' } });
    expect(planCounts(plan)).toEqual({ steps: 2, change: 2, noop: 0, notApplicable: 1 });
    // Planning changed nothing.
    expect(servers.a.has('x')).toBe(false);
  });

  it('accepts a saved plan while the servers are unchanged, and refuses it naming the steps that differ', async () => {
    const servers = newServers();
    const steps = [setStep(servers, 'one', 'x', '1'), setStep(servers, 'two', 'y', '2')];
    const saved = await makePlan(steps, session(), { signal, now: fixedNow });
    const same = await makePlan(steps, session(), { signal });
    expect(comparePlans(saved, same)).toEqual([]);
    expect(() => assertPlanMatches(saved, same, 'plan.json')).not.toThrow();

    servers.b.set('y', '2'); // someone changed server b since the plan
    const fresh = await makePlan(steps, session(), { signal });
    expect(fresh.fingerprints.a).toBe(saved.fingerprints.a);
    expect(fresh.fingerprints.b).not.toBe(saved.fingerprints.b);
    let error: unknown;
    try {
      assertPlanMatches(saved, fresh, 'plan.json');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LockstepError);
    expect((error as LockstepError).code).toBe('plan.stale');
    expect((error as LockstepError).message).toContain('steps that differ: two');
    expect((error as LockstepError).message).toContain('two on 10.0.0.12: planned "will change (set y to 2)", now "already done"');
    expect((error as LockstepError).remedy).toContain('lockstep plan');
  });

  it('refuses a plan made for other pair facts or another site', async () => {
    const servers = newServers();
    const steps = [setStep(servers, 'one', 'x', '1')];
    const saved = await makePlan(steps, session(), { signal });
    const other = { ...session(), pair: { ...session().pair, storageAvailable: true } };
    const fresh = await makePlan(steps, other, { signal });
    expect(comparePlans(saved, fresh).map((difference) => difference.text)).toEqual([
      'the servers changed since the plan was made: the roles, addresses or disks decided from them are different',
    ]);
    const otherSite = { ...session(), site: { ...session().site, hypervisor: 'xen' as const } };
    expect(comparePlans(saved, await makePlan(steps, otherSite, { signal }))[0]?.text).toBe(
      'the site file changed since the plan was made',
    );
  });

  it('names the step and node whose inspection failed', async () => {
    const servers = newServers();
    const broken: Step = {
      ...setStep(servers, 'broken', 'x', '1'),
      inspect: () => Promise.reject(new LockstepError({ code: 'command.failed', message: 'dpkg is locked', remedy: 'wait' })),
    };
    await expect(makePlan([broken], session(), { signal })).rejects.toThrow(/Inspecting "set x" \(broken\) on 10\.0\.0\.1[12] failed: dpkg is locked/);
  });
});
