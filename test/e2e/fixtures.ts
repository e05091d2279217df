import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test as base, expect, type Page } from '@playwright/test';

/** A running `lockstep ui --web` started from the built CLI, as a user would start it. */
export interface Bridge {
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  /** Lockstep's known_hosts for this bridge: a fresh file, so trust starts from nothing. */
  readonly knownHostsPath: string;
}

/** The practice lab as `lockstep lab status --json` reports it. */
export interface LabFacts {
  readonly running: boolean;
  readonly reason: string;
  readonly identityFile?: string;
  readonly siteFile?: string;
  readonly addresses: readonly string[];
}

/** Starts a bridge with its own known_hosts (optionally seeded), and stops it afterwards. */
export async function startBridge(
  knownHostsPath: string,
): Promise<{ bridge: Bridge; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['bin/lockstep.mjs', '--json', '--known-hosts', knownHostsPath, 'ui', '--web', '--port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const printed = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`lockstep ui --web printed no address: ${stderr.join('')}`)),
      15_000,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      try {
        const value = JSON.parse(out) as { url: string; port: number };
        clearTimeout(timer);
        resolve(value);
      } catch {
        // not the whole document yet
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lockstep ui --web exited with ${code}: ${stderr.join('')}`));
    });
  });
  const token = new URL(printed.url).hash.replace(/^#token=/, '');
  const bridge: Bridge = {
    url: printed.url,
    origin: `http://127.0.0.1:${printed.port}`,
    port: printed.port,
    token,
    knownHostsPath,
  };
  let stopping = false;
  // A bridge that dies under the test shows as "did not answer" in the page: say why here.
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`lockstep ui --web exited (${code ?? signal}) during the test:\n${stderr.join('')}`);
  });
  const stop = async (): Promise<void> => {
    stopping = true;
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return { bridge, stop };
}

const run = promisify(execFile);

/** Asks the CLI about the practice lab (the integration setup brings it up). */
export async function labFacts(): Promise<LabFacts> {
  try {
    const { stdout } = await run(process.execPath, ['bin/lockstep.mjs', 'lab', 'status', '--json'], {
      timeout: 20_000,
    });
    const status = JSON.parse(stdout) as {
      state: string;
      info?: { identityFile: string; siteFile: string; nodes: { address: string }[] };
    };
    const running = status.state === 'running' && !!status.info;
    return {
      running,
      reason: running
        ? ''
        : `the practice lab is ${status.state}; run \`node bin/lockstep.mjs lab up\` first`,
      identityFile: status.info?.identityFile,
      siteFile: status.info?.siteFile,
      addresses: status.info?.nodes.map((node) => node.address) ?? [],
    };
  } catch (error) {
    return { running: false, reason: `lab status failed: ${String(error)}`, addresses: [] };
  }
}

/** Start → practice lab → Find servers → Connect and trust, both servers' keys trusted, as a user clicks it. */
export async function trustLabServers(page: Page, lab: LabFacts, url: string): Promise<void> {
  await page.goto(url);
  const labCard = page.getByRole('region', { name: 'Practice lab' });
  await expect(labCard.getByLabel('Practice lab status: Running')).toBeVisible();
  await labCard.getByRole('button', { name: 'Use the practice lab' }).click();
  await page.getByRole('button', { name: 'Find servers', exact: true }).click();
  for (const address of lab.addresses)
    await expect(page.getByRole('checkbox', { name: `Use ${address}` })).toBeChecked();
  await page.getByRole('button', { name: 'Continue to connect and trust' }).click();
  for (const address of lab.addresses) {
    await page.getByRole('button', { name: `Trust ${address}` }).click();
    await expect(page.getByRole('region', { name: address })).toContainText('Trusted');
  }
}

/** Start → practice lab → Find servers → Connect and trust → Inventory, as a user clicks it. */
export async function walkToInventory(page: Page, lab: LabFacts, url: string): Promise<void> {
  await trustLabServers(page, lab, url);
  await page.getByRole('button', { name: 'Read inventory' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'lockstep-a' })).toBeVisible({ timeout: 45_000 });
}

/** … → Inventory → Network roles (once probing found the private link) → Disks → Options, changing nothing. */
export async function walkToOptions(page: Page, lab: LabFacts, url: string): Promise<void> {
  await walkToInventory(page, lab, url);
  await page.getByRole('button', { name: 'Continue to network roles' }).click();
  await expect(page.getByRole('img', { name: /^Cabling of lockstep-a and lockstep-b\./ })).toHaveAccessibleName(/Private link: /, {
    timeout: 120_000,
  });
  await page.getByRole('button', { name: 'Continue to disks' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Disks' })).toBeFocused();
  await page.getByRole('button', { name: 'Continue to options' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Options' })).toBeFocused();
}

/** Saves a full-page screenshot of the current screen as an artifact (the window only, for a dialog over it). */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await page.screenshot({ path: join('artifacts', 'screenshots', `${name}.png`), fullPage: options.fullPage ?? true });
}

export const test = base.extend<{ knownHostsDir: string }, { bridge: Bridge }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a pattern
  knownHostsDir: async ({}, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-e2e-'));
    await use(dir);
    rmSync(dir, { recursive: true, force: true });
  },
  bridge: [
    // eslint-disable-next-line no-empty-pattern -- as above
    async ({}, use) => {
      const dir = mkdtempSync(join(tmpdir(), 'lockstep-e2e-bridge-'));
      const { bridge, stop } = await startBridge(join(dir, 'known_hosts'));
      await use(bridge);
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
});

export { expect };
