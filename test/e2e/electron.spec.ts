import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import { callNames } from '../../provisioning/api/contract';

/**
 * The desktop app's security settings, checked in a real Electron where a runtime
 * exists (a developer laptop, a networked CI). Where it does not (the development
 * machines cannot download it), every test reports itself skipped with that reason.
 */
const runtime = join(
  'node_modules',
  'electron',
  'dist',
  process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron',
);
const mainBundle = join('dist', 'electron', 'main.cjs');
const noRuntime = !existsSync(runtime);
const skipReason = `SKIPPED: no Electron runtime at ${runtime} (it cannot be downloaded on this machine; on a networked machine run \`node node_modules/electron/install.js\` and \`npm run build:electron\`)`;
// The list reporter shows a skipped test without its reason: say it once, plainly.
if (noRuntime) console.log(`electron.spec.ts: ${skipReason}`);

test.describe('Electron window security', () => {
  test.skip(noRuntime, skipReason);

  let app: ElectronApplication;

  test.beforeAll(async () => {
    if (!existsSync(mainBundle)) throw new Error('run `npm run build:electron` first');
    app = await electron.launch({ executablePath: runtime, args: [mainBundle, '--no-sandbox'] });
  });

  test.afterAll(async () => {
    await app?.close();
  });

  test('the renderer has no Node and reaches the engine only through named functions', async () => {
    const page = await app.firstWindow();
    await expect(page.getByRole('heading', { level: 1, name: 'Start' })).toBeVisible();
    const probe = await page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      api: Object.keys((window as unknown as { lockstep: object }).lockstep).sort(),
    }));
    expect(probe.require).toBe('undefined');
    expect(probe.process).toBe('undefined');
    // One named function per call of the contract, and the event subscription: nothing else.
    expect(probe.api).toEqual([...callNames, 'onEvent'].sort());
    expect(probe.api).not.toContain('invoke');
  });

  test('calls return the envelope and malformed arguments are refused', async () => {
    const page = await app.firstWindow();
    const results = await page.evaluate(async () => {
      const bridge = (window as unknown as { lockstep: Record<string, (args: unknown) => Promise<unknown>> })
        .lockstep;
      return {
        info: await bridge.appInfo!({}),
        bad: await bridge.readHostKey!({ endpoint: { host: 'x', port: 70000 } }),
      };
    });
    expect(results.info).toMatchObject({ ok: true, result: { door: 'electron' } });
    expect(results.bad).toMatchObject({ ok: false, error: { code: 'usage', field: 'endpoint.port' } });
  });

  test('navigation and new windows are denied', async () => {
    const page = await app.firstWindow();
    const before = page.url();
    await page.evaluate(() => {
      window.open('https://example.com');
      window.location.href = 'https://example.com';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe(before);
    expect(app.windows()).toHaveLength(1);
  });
});
