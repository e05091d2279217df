import { app, BrowserWindow, ipcMain, net, protocol, safeStorage, session, shell } from 'electron';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLockstepService } from '../provisioning/service/service';
import { APP_ORIGIN, forwardEvents, isAppUrl, registerIpc } from './ipc';
import { secretStorageState } from './secrets';
import { allowsPermission, CONTENT_SECURITY_POLICY, secureWebPreferences } from './window-options';

/**
 * Electron main: one window on the app's own `app://lockstep` origin, locked down the
 * way VS Code and GitHub Desktop lock theirs (context isolation, sandbox, no Node in
 * the page, strict CSP, no navigation, no new windows, no permission but notifications), and the
 * contract registered on IPC, served by the same service as the web bridge.
 */

protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: false } },
]);

/** Where the built renderer and preload sit: next to this bundle (dist/electron) in the app. */
const rendererDir = process.env.LOCKSTEP_RENDERER_DIR ?? join(__dirname, '..', '..', 'renderer', 'dist');
const preloadPath = join(__dirname, 'preload.cjs');

function serveRenderer(): void {
  protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'lockstep') return new Response('Not found', { status: 404 });
    const relative = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = normalize(join(rendererDir, relative));
    if (!file.startsWith(rendererDir + sep)) return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
}

function lockDown(): void {
  // Notifications for the console's alerts; no camera, microphone, geolocation…
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(allowsPermission(permission, details.requestingUrl)),
  );
  session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) => allowsPermission(permission, requestingOrigin));
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // Links to documentation open in the user's browser, never inside the app.
      if (/^https:\/\//.test(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

async function createWindow(): Promise<void> {
  const service = createLockstepService({
    door: 'electron',
    version: app.getVersion(),
    secretStorage: secretStorageState(safeStorage),
  });
  const window = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 960,
    minHeight: 640,
    title: 'Lockstep',
    show: false,
    webPreferences: secureWebPreferences(preloadPath),
  });
  registerIpc(ipcMain, service, () => window.webContents.mainFrame);
  const stopForwarding = forwardEvents(ipcMain, service, window.webContents);
  window.on('closed', () => {
    stopForwarding();
    // No window, no one to watch for: installs stop at a safe point, watches end.
    service.close();
  });
  window.once('ready-to-show', () => window.show());
  await window.loadURL(`${APP_ORIGIN}/index.html`);
}

app.enableSandbox();
// Windows shows a toast only for an app with an identity (the installer's appId).
if (process.platform === 'win32') app.setAppUserModelId('org.lockstep.desktop');
void app.whenReady().then(async () => {
  lockDown();
  serveRenderer();
  await createWindow();
});
app.on('window-all-closed', () => app.quit());
