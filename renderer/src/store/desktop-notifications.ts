import type { Alert } from '../../../provisioning/api/monitor';
import type { DesktopNotifications, NotifyPermission } from '../api/desktop-notifications';
import { DEFAULT_NOTIFY_LEVEL, noticeFor, notifies, type NotifyLevel } from '../console/alert-notices';

/**
 * Desktop notifications as one slice of the wizard's store: the operator's level (kept
 * on this computer), the permission the page has, and the live alerts of the console's
 * watch turned into notices. Alerts of one poll arrive within milliseconds of each
 * other; they are gathered for `BURST_MS` and raised as one notice.
 */
export const BURST_MS = 500;

/** Alert ids remembered against re-sent events; far more than a watch's backlog. */
const SEEN_LIMIT = 1000;

export interface NotificationsSlice {
  readonly notifications: {
    readonly level: NotifyLevel;
    readonly permission: NotifyPermission;
  };
}

export interface NotificationsActions {
  /** Keeps the level; turning notifications on asks for permission when the page has none yet. */
  setNotifyLevel(level: NotifyLevel): Promise<void>;
  /** Asks for permission (from a click: browsers ask only then). */
  allowNotifications(): Promise<void>;
  /** A live alert of the console's watch (not the backlog read when the watch starts). */
  notifyAlert(alert: Alert): void;
}

type SetState = (partial: Partial<NotificationsSlice> | ((state: NotificationsSlice) => Partial<NotificationsSlice>)) => void;

export function initialNotifications(desktop: DesktopNotifications): NotificationsSlice {
  return { notifications: { level: desktop.savedLevel() ?? DEFAULT_NOTIFY_LEVEL, permission: desktop.permission() } };
}

export function notificationsActions(set: SetState, get: () => NotificationsSlice, desktop: DesktopNotifications): NotificationsActions {
  let pending: Alert[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const seen = new Set<string>();

  const flush = (): void => {
    timer = undefined;
    const batch = pending;
    pending = [];
    const notice = noticeFor(batch);
    if (notice) desktop.show(notice);
  };

  const askPermission = async (): Promise<void> => {
    const permission = await desktop.requestPermission();
    set((state) => ({ notifications: { ...state.notifications, permission } }));
  };

  return {
    async setNotifyLevel(level) {
      desktop.saveLevel(level);
      set((state) => ({ notifications: { ...state.notifications, level } }));
      if (level !== 'off' && desktop.permission() === 'default') await askPermission();
    },

    allowNotifications: askPermission,

    notifyAlert(alert) {
      if (seen.has(alert.id)) return;
      seen.add(alert.id);
      // A console left open for months: remember the recent ids only (a Set iterates oldest first).
      if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value as string);
      const { level, permission: known } = get().notifications;
      // The permission can change behind the app's back (site or system settings): read it now.
      const permission = desktop.permission();
      if (permission !== known) set((state) => ({ notifications: { ...state.notifications, permission } }));
      if (!notifies(alert, level) || permission !== 'granted') return;
      pending.push(alert);
      timer ??= setTimeout(flush, BURST_MS);
    },
  };
}
