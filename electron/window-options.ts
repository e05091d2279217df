import type { WebPreferences } from 'electron';
import { isAppUrl } from './ipc';

/**
 * The security settings of every Lockstep window, apart from main.ts so that a unit
 * test can assert them where no Electron runtime exists.
 */
export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
}

/** The page's Content-Security-Policy: only the app's own scripts, no network from the page. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // Mantine writes its theme variables into a <style> element.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The one permission the app's page gets: desktop notifications for the console's
 * alerts, and only for the app's own origin. Camera, microphone, geolocation and the
 * rest stay refused.
 */
export function allowsPermission(permission: string, requestingUrl: string): boolean {
  return permission === 'notifications' && isAppUrl(requestingUrl);
}
