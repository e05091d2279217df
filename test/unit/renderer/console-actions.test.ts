import { describe, expect, it } from 'vitest';
import type { ActionRequest, ActionResult } from '../../../provisioning/api/actions';
import type { Alert } from '../../../provisioning/api/monitor';
import { ApiError, type LockstepClient } from '../../../renderer/src/api/api';
import { createWizardStore } from '../../../renderer/src/store/wizard-store';

const plan = (request: ActionRequest, dryRun: boolean): ActionResult => ({
  action: 'node.standby',
  title: 'Put lockstep-b into maintenance (standby)',
  subject: 'lockstep-b',
  decision: { kind: 'change', changes: [{ summary: 'put lockstep-b into standby', commands: ['crm_attribute …'] }] },
  outcome: dryRun ? 'planned' : 'changed',
  message: dryRun ? 'Would put lockstep-b into standby.' : `done ${JSON.stringify(request)}`,
  log: [],
  durationMs: 10,
});

function fakeClient() {
  const calls: string[] = [];
  const client = {
    runAction: async (args: { action: ActionRequest; dryRun?: boolean; operationId?: string }) => {
      calls.push(`${args.dryRun ? 'plan' : 'run'} ${args.action.kind} ${'mode' in args.action ? args.action.mode : ''}`.trim());
      return plan(args.action, args.dryRun ?? false);
    },
    ackAlert: async (args: { alertId: string }) => {
      calls.push(`ack ${args.alertId}`);
      if (args.alertId === 'gone') throw new ApiError({ code: 'usage', message: 'There is no alert "gone".', remedy: 'List them.' });
      return { alert: { ...alert, acknowledgedAt: '2026-11-29T12:01:00.000Z' }, alreadyAcknowledged: false };
    },
    validate: async () => {
      calls.push('validate');
      return { findings: [], capacity: { poolBytes: null, vcpus: null, memoryBytes: null }, connectionFailed: false, failed: false, only: [] };
    },
  } as unknown as LockstepClient;
  return { client, calls };
}

const alert: Alert = {
  id: 'x:node-lost:lockstep-b',
  at: '2026-11-29T12:00:00.000Z',
  pair: 'lab',
  kind: 'node-lost',
  severity: 'critical',
  message: 'Node lockstep-b lost.',
};

describe('console actions', () => {
  it('shows the engine’s plan for a disruptive action and runs it only once confirmed', async () => {
    const { client, calls } = fakeClient();
    const store = createWizardStore(client, () => 'op');
    store.setState({ sitePath: '/site.yaml' });
    await store.getState().proposeAction({ kind: 'node-mode', node: 'lockstep-b', mode: 'standby' });
    expect(calls).toEqual(['plan node-mode standby']);
    expect(store.getState().consoleAction.proposal?.plan?.outcome).toBe('planned');
    await store.getState().confirmAction();
    expect(calls).toEqual(['plan node-mode standby', 'run node-mode standby']);
    expect(store.getState().consoleAction.proposal).toBeUndefined();
    expect(store.getState().consoleAction.last?.result?.outcome).toBe('changed');
  });

  it('runs a harmless action at once, and a cancelled proposal runs nothing', async () => {
    const { client, calls } = fakeClient();
    const store = createWizardStore(client, () => 'op');
    store.setState({ sitePath: '/site.yaml' });
    await store.getState().proposeAction({ kind: 'node-mode', node: 'lockstep-b', mode: 'online' });
    expect(calls).toEqual(['run node-mode online']);
    await store.getState().proposeAction({ kind: 'vm-migrate', vm: 'web1' });
    store.getState().dismissAction();
    await store.getState().confirmAction();
    expect(calls).toEqual(['run node-mode online', 'plan vm-migrate']);
  });

  it('acknowledges an alert in place, and shows the engine’s error for one that is gone', async () => {
    const { client } = fakeClient();
    const store = createWizardStore(client, () => 'op');
    store.setState({ sitePath: '/site.yaml', console: { starting: false, alerts: [alert], history: { windowSeconds: 3600, series: [] } } });
    await store.getState().acknowledgeAlert(alert.id);
    expect(store.getState().console.alerts).toEqual([{ ...alert, acknowledgedAt: '2026-11-29T12:01:00.000Z' }]);
    expect(store.getState().acknowledging).toEqual([]);
    await store.getState().acknowledgeAlert('gone');
    expect(store.getState().ackError?.message).toBe('There is no alert "gone".');
  });

  it('re-runs the checks for the console without touching the Validate step', async () => {
    const { client, calls } = fakeClient();
    const store = createWizardStore(client, () => 'op');
    store.setState({ sitePath: '/site.yaml' });
    await store.getState().recheck();
    expect(calls).toEqual(['validate']);
    expect(store.getState().consoleChecks.result?.failed).toBe(false);
    expect(store.getState().validation.result).toBeUndefined();
  });
});
