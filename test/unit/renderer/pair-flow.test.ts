import { describe, expect, it } from 'vitest';
import type { ApplyEvent } from '../../../provisioning/api/apply-events';
import type { AreaFinding, ValidateResult } from '../../../provisioning/api/contract';
import type { LockstepEvent } from '../../../provisioning/api/events';
import type { PairState } from '../../../provisioning/api/monitor';
import type { LockstepClient } from '../../../renderer/src/api/api';
import {
  blockingFails,
  initialInstall,
  mergeFindings,
  reduceInstall,
  targetKey,
  validationPassed,
} from '../../../renderer/src/store/pair-flow';
import { createWizardStore } from '../../../renderer/src/store/wizard-store';
import { applyEvent, runStarted } from './apply-fixtures';

const finding = (id: string, severity: AreaFinding['severity'], node?: string): AreaFinding => ({
  id,
  severity,
  ...(node && { node }),
  message: `${id} ${severity}`,
  remedy: `fix ${id}`,
  area: 'host',
});

const LAB_FAILS = [
  finding('cpu.virt-missing', 'fail', 'a'),
  finding('disk.none-available', 'fail', 'a'),
  finding('kmod.drbd-unavailable', 'fail', 'b'),
];

const report = (findings: AreaFinding[]): ValidateResult => ({
  findings,
  capacity: { poolBytes: 0, vcpus: 1, memoryBytes: 1024 },
  connectionFailed: false,
  failed: findings.some((each) => each.severity === 'fail'),
  only: [],
});

describe('Validate', () => {
  it('blocks on every fail unless the user goes on past the lab’s container-only checks', () => {
    const result = report([...LAB_FAILS, finding('os.unsupported', 'pass', 'a')]);
    const base = { siteIsLab: true, validation: { running: false, allowLab: false, result } };
    expect(validationPassed(base)).toBe(false);
    expect(validationPassed({ ...base, validation: { ...base.validation, allowLab: true } })).toBe(true);
    // Only for the lab's site file, and never for another failing check.
    expect(validationPassed({ ...base, siteIsLab: false, validation: { ...base.validation, allowLab: true } })).toBe(false);
    const other = report([...LAB_FAILS, finding('net.no-private-link', 'fail')]);
    expect(blockingFails(other.findings, ['cpu.virt-missing', 'disk.none-available', 'kmod.drbd-unavailable']).map((each) => each.id)).toEqual([
      'net.no-private-link',
    ]);
  });

  it('re-running one check replaces its findings in place', () => {
    const before = [finding('a.one', 'pass'), finding('b.two', 'fail', 'x'), finding('b.two', 'fail', 'y'), finding('c.three', 'warn')];
    const merged = mergeFindings(before, [finding('b.two', 'pass', 'x'), finding('b.two', 'pass', 'y')], ['b.two']);
    expect(merged.map((each) => `${each.id}:${each.severity}`)).toEqual(['a.one:pass', 'b.two:pass', 'b.two:pass', 'c.three:warn']);
  });
});

describe('Install', () => {
  const event = applyEvent;

  it('folds the engine’s events into per-server step lists and a log tail', () => {
    const events: ApplyEvent[] = [
      runStarted([
        { id: 'packages', title: 'Packages', group: 'packages', scope: 'node' },
        { id: 'cluster', title: 'Cluster', group: 'cluster', scope: 'pair' },
      ]),
      event({ type: 'step-started', step: 'packages', target: 'a' }, 2),
      event({ type: 'step-log', step: 'packages', target: 'a', line: 'apt-get install corosync' }, 3),
      event({ type: 'step-finished', step: 'packages', target: 'a', outcome: 'noop', durationMs: 10, reason: 'installed' }, 4),
      event(
        {
          type: 'step-finished',
          step: 'packages',
          target: 'b',
          outcome: 'failed',
          durationMs: 10,
          failure: { code: 'step.failed', message: 'apt failed', remedy: 'check the mirror', command: 'apt-get install x' },
        },
        5,
      ),
    ];
    const state = events.reduce(reduceInstall, initialInstall);
    expect(state.status[targetKey('packages', 'a')]).toMatchObject({ state: 'noop', reason: 'installed' });
    expect(state.status[targetKey('packages', 'b')]?.failure?.command).toBe('apt-get install x');
    expect(state.status[targetKey('cluster', 'pair')]?.state).toBe('pending');
    expect(state.log).toContain('[10.0.0.11] apt-get install corosync');
  });

  it('streams only the events of its own run, and cancels through the same operation id', async () => {
    const calls: string[] = [];
    let finish: (() => void) | undefined;
    const client = {
      apply: (args: { operationId: string }) => {
        calls.push(`apply ${args.operationId}`);
        return new Promise((resolve) => {
          finish = () =>
            resolve({ runId: 'r1', journalPath: '/j', outcome: 'cancelled', counts: { changed: 0, noop: 0, failed: 0 }, stoppedAt: null, failure: null });
        });
      },
      cancel: async (args: { operationId: string }) => {
        calls.push(`cancel ${args.operationId}`);
        finish?.();
        return { cancelled: true };
      },
    } as unknown as LockstepClient;
    const store = createWizardStore(client, () => 'op-1');
    store.setState({ sitePath: '/site.yaml', siteIsLab: true });
    const running = store.getState().startInstall();
    const other: LockstepEvent = { type: 'apply', operationId: 'other', at: '', event: event({ type: 'step-started', step: 'x', target: 'a' }, 1) };
    store.getState().handleEvent(other);
    expect(store.getState().install.status).toEqual({});
    await store.getState().cancelInstall();
    await running;
    expect(calls).toEqual(['apply op-1', 'cancel op-1']);
    expect(store.getState().install.result?.outcome).toBe('cancelled');
    expect(store.getState().install.running).toBe(false);
  });
});

describe('Console', () => {
  it('keeps the newest pair state from the watch', async () => {
    const state = (at: string, level: PairState['level']): PairState =>
      ({ pair: 'lab', at, level, reasons: [], nodes: [], links: [], storage: [], vms: [], fencing: { configured: false, acknowledgedNone: true, history: [] }, timeDriftMs: null }) as unknown as PairState;
    const client = {
      watchPair: async () => ({ state: state('2026-01-01T00:00:00Z', 'down'), recentAlerts: [], history: { windowSeconds: 3600, series: [] } }),
    } as unknown as LockstepClient;
    const store = createWizardStore(client, () => 'watch-1');
    store.setState({ sitePath: '/site.yaml' });
    await store.getState().startWatch();
    store.getState().handleEvent({ type: 'monitor', operationId: 'watch-1', at: '', event: { type: 'state', state: state('2026-01-01T00:00:05Z', 'protected') } });
    expect(store.getState().console.state?.level).toBe('protected');
  });
});
