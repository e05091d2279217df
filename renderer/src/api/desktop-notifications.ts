import { isNotifyLevel, type DesktopNotice, type NotifyLevel } from '../console/alert-notices';

/**
 * The desktop's notifications as the store uses them. The page's own Notification API
 * serves both front doors: in the browser (web bridge) the browser asks the user; in
 * the Electron app the main process grants it to the app's origin alone and the OS
 * shows it as the app's notification.
 */
export type NotifyPermission = 'granted' | 'denied' | 'default' | 'unsupported';

export interface DesktopNotifications {
  permission(): NotifyPermission;
  /** Must run in a user gesture (a click) for the browser to ask. */
  requestPermission(): Promise<NotifyPermission>;
  show(notice: DesktopNotice): void;
  /** The operator's choice, kept on this computer across restarts. */
  savedLevel(): NotifyLevel | undefined;
  saveLevel(level: NotifyLevel): void;
}

const LEVEL_KEY = 'lockstep.desktopNotifications';

/** For a page without the API (and the store's tests): nothing is shown, the level is kept in memory. */
export function noDesktopNotifications(): DesktopNotifications {
  let level: NotifyLevel | undefined;
  return {
    permission: () => 'unsupported',
    requestPermission: () => Promise.resolve('unsupported'),
    show: () => undefined,
    savedLevel: () => level,
    saveLevel: (next) => {
      level = next;
    },
  };
}

/** The page's Notification API and localStorage; a click brings the console's alerts into view. */
export function browserNotifications(page: Window): DesktopNotifications {
  const api = (page as { Notification?: typeof Notification }).Notification;
  if (!api) return noDesktopNotifications();
  const storage = (() => {
    try {
      return page.localStorage;
    } catch {
      return undefined;
    }
  })();
  return {
    permission: () => api.permission,
    requestPermission: async () => api.requestPermission(),
    show(notice) {
      const shown = new api(notice.title, { body: notice.body, tag: notice.tag, requireInteraction: notice.urgent });
      shown.onclick = () => {
        page.focus();
        page.document.getElementById('console-alerts')?.scrollIntoView({ block: 'start' });
        shown.close();
      };
    },
    savedLevel() {
      const saved = storage?.getItem(LEVEL_KEY);
      return isNotifyLevel(saved) ? saved : undefined;
    },
    saveLevel(level) {
      storage?.setItem(LEVEL_KEY, level);
    },
  };
}
