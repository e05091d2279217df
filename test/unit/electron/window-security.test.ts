import { describe, expect, it } from 'vitest';
import { secretStorageState } from '../../../electron/secrets';
import { allowsPermission, CONTENT_SECURITY_POLICY, secureWebPreferences } from '../../../electron/window-options';
import { isTrustedSender } from '../../../electron/ipc';

describe('the Electron window settings', () => {
  it('isolates the page: context isolation, sandbox, no Node anywhere, no webview', () => {
    expect(secureWebPreferences('/app/preload.cjs')).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
    });
  });

  it('allows only the app’s own scripts and no network from the page', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("connect-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*unsafe/);
  });

  it('accepts IPC only from the main frame of the app origin', () => {
    const main = { url: 'app://lockstep/index.html' };
    expect(isTrustedSender({ senderFrame: main } as never, () => main)).toBe(true);
    const child = { url: 'app://lockstep/index.html' };
    expect(isTrustedSender({ senderFrame: child } as never, () => main)).toBe(false);
    const foreign = { url: 'https://attacker.example/' };
    expect(isTrustedSender({ senderFrame: foreign } as never, () => foreign)).toBe(false);
    expect(isTrustedSender({ senderFrame: null } as never, () => main)).toBe(false);
  });

  it('grants the app’s own page notifications and nothing else', () => {
    expect(allowsPermission('notifications', 'app://lockstep/index.html')).toBe(true);
    expect(allowsPermission('notifications', 'app://lockstep')).toBe(true);
    expect(allowsPermission('notifications', 'https://attacker.example/')).toBe(false);
    for (const other of ['media', 'geolocation', 'clipboard-read', 'openExternal', 'fullscreen'])
      expect(allowsPermission(other, 'app://lockstep/index.html')).toBe(false);
  });

  it('refuses to remember secrets when only the basic_text backend exists', () => {
    const storage = (available: boolean, backend: string) => ({
      isEncryptionAvailable: () => available,
      getSelectedStorageBackend: () => backend,
    });
    expect(secretStorageState(storage(true, 'basic_text'), 'linux')).toBe('unavailable');
    expect(secretStorageState(storage(true, 'gnome_libsecret'), 'linux')).toBe('encrypted');
    expect(secretStorageState(storage(false, 'gnome_libsecret'), 'linux')).toBe('unavailable');
    expect(secretStorageState(storage(true, 'unknown'), 'darwin')).toBe('encrypted');
  });
});
