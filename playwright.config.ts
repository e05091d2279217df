import { defineConfig } from '@playwright/test';

/**
 * The e2e suite drives the renderer in the system's Chromium through the web bridge
 * (`lockstep ui --web`), and Electron through Playwright's `_electron` where a runtime
 * exists. No browser is downloaded: PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1, /usr/bin/chromium.
 */
export default defineConfig({
  testDir: 'test/e2e',
  globalSetup: './test/e2e/global-setup.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 2,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.LOCKSTEP_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
