import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LockstepEvent } from '../../../provisioning/api/events';
import type { Alert } from '../../../provisioning/api/monitor';
import type { LockstepClient } from '../../../renderer/src/api/api';
import type { DesktopNotifications, NotifyPermission } from '../../../renderer/src/api/desktop-notifications';
import { noticeFor, notifies, type DesktopNotice, type NotifyLevel } from '../../../renderer/src/console/alert-notices';
import { BURST_MS } from '../../../renderer/src/store/desktop-notifications';
import { createWizardStore } from '../../../renderer/src/store/wizard-store';

const at = '2026-11-29T12:00:00.000Z';
const alert = (kind: Alert['kind'], severity: Alert['severity'], message: string, subject = ''): Alert => ({
  id: `${at}:${kind}:${subject}`,
  at,
  pair: 'lab',
  kind,
  severity,
  message,
  ...(subject && { subject }),
});
const lost = alert('node-lost', 'critical', 'Node lockstep-b lost (left the cluster).', 'lockstep-b');
const level = alert('pair-level', 'critical', 'Pair lab is now unprotected: lockstep-b is offline.');
const linkDown = alert('link-down', 'warn', 'Link corosync-1 is down.', 'corosync-1');
const back = alert('node-back', 'info', 'Node lockstep-b is back (online).', 'lockstep-b');

describe('which alerts reach the desktop', () => {
  it('lets through what the level names, never an acknowledged alert, nothing when off', () => {
    const through = (chosen: NotifyLevel) => [lost, linkDown, back].filter((each) => notifies(each, chosen)).map((each) => each.kind);
    expect(through('off')).toEqual([]);
    expect(through('critical')).toEqual(['node-lost']);
    expect(through('warn')).toEqual(['node-lost', 'link-down']);
    expect(through('all')).toEqual(['node-lost', 'link-down', 'node-back']);
    expect(notifies({ ...lost, acknowledgedAt: at }, 'all')).toBe(false);
  });

  it('one alert is its own notice; a burst is one notice led by the most severe', () => {
    expect(noticeFor([lost])).toEqual({
      title: 'lab: Server lost',
      body: 'Node lockstep-b lost (left the cluster).',
      tag: lost.id,
      urgent: true,
      alertIds: [lost.id],
    });
    expect(noticeFor([linkDown])?.urgent).toBe(false);
    const burst = noticeFor([back, linkDown, lost, level, alert('link-down', 'warn', 'Link corosync-0 is down.', 'corosync-0')]);
    expect(burst?.title).toBe('lab: 5 new alerts');
    expect(burst?.body.split('\n')).toEqual([lost.message, level.message, linkDown.message, '…and 2 more in the console.']);
    expect(burst?.urgent).toBe(true);
    expect(burst?.alertIds).toHaveLength(5);
    expect(noticeFor([])).toBeUndefined();
  });
});

/** The desktop as the store sees it: what it showed, with a permission the test sets. */
function fakeDesktop(permission: NotifyPermission, answer: NotifyPermission = permission) {
  const shown: DesktopNotice[] = [];
  const requests: string[] = [];
  let saved: NotifyLevel | undefined;
  const desktop: DesktopNotifications = {
    permission: () => permission,
    requestPermission: async () => {
      requests.push('asked');
      permission = answer;
      return answer;
    },
    show: (notice) => shown.push(notice),
    savedLevel: () => saved,
    saveLevel: (next) => {
      saved = next;
    },
  };
  return { desktop, shown, requests, saved: () => saved };
}

const watchClient = {
  watchPair: async () => new Promise(() => undefined),
  cancel: async () => ({}),
} as unknown as LockstepClient;

const monitorAlert = (operationId: string, each: Alert): LockstepEvent => ({ type: 'monitor', at, operationId, event: { type: 'alert', alert: each } });

describe('desktop notifications from the console’s watch', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function watchingStore(permission: NotifyPermission, answer?: NotifyPermission) {
    const fake = fakeDesktop(permission, answer);
    const store = createWizardStore(watchClient, () => 'watch-1', fake.desktop);
    store.setState({ sitePath: '/site.yaml' });
    void store.getState().startWatch();
    return { store, ...fake };
  }

  it('raises one notice for the alerts of one poll, for the live watch only, each alert once', () => {
    const { store, shown } = watchingStore('granted');
    expect(store.getState().notifications).toEqual({ level: 'warn', permission: 'granted' });
    for (const each of [lost, level, back]) store.getState().handleEvent(monitorAlert('watch-1', each));
    // Another operation's alert (an older watch) is not this console's news.
    store.getState().handleEvent(monitorAlert('watch-0', linkDown));
    expect(shown).toEqual([]);
    vi.advanceTimersByTime(BURST_MS);
    expect(shown.map((each) => each.title)).toEqual(['lab: 2 new alerts']);
    expect(shown[0]?.alertIds).toEqual([lost.id, level.id]);
    // The same alert again (a re-sent event) raises nothing.
    store.getState().handleEvent(monitorAlert('watch-1', lost));
    vi.advanceTimersByTime(BURST_MS);
    expect(shown).toHaveLength(1);
    // The console's list has every alert, notified or not.
    expect(store.getState().console.alerts.map((each) => each.kind)).toEqual(['node-lost', 'pair-level', 'node-back']);
  });

  it('keeps the chosen level and shows nothing when it is off', () => {
    const { store, shown, saved, desktop } = watchingStore('granted');
    void store.getState().setNotifyLevel('off');
    expect(saved()).toBe('off');
    store.getState().handleEvent(monitorAlert('watch-1', lost));
    vi.advanceTimersByTime(BURST_MS);
    expect(shown).toEqual([]);
    // A new store (the app restarted) starts from the saved level.
    expect(createWizardStore(watchClient, () => 'x', desktop).getState().notifications.level).toBe('off');
  });

  it('asks for permission when turned on in a browser that was never asked, and says when it is refused', async () => {
    const { store, requests, shown } = watchingStore('default', 'denied');
    expect(store.getState().notifications.permission).toBe('default');
    await store.getState().setNotifyLevel('critical');
    expect(requests).toEqual(['asked']);
    expect(store.getState().notifications).toEqual({ level: 'critical', permission: 'denied' });
    store.getState().handleEvent(monitorAlert('watch-1', lost));
    vi.advanceTimersByTime(BURST_MS);
    expect(shown).toEqual([]);
  });
});
