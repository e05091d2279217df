import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, labFacts, screenshot, startBridge, test } from './fixtures';

/**
 * The wizard as a user sees it, through the web bridge in Chromium: every control is
 * found by its role and accessible name, as a screen reader or keyboard user finds it.
 */

test('the Start screen shows the whole flow, and the session token leaves the address bar', async ({
  page,
  bridge,
}) => {
  await page.goto(bridge.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Start' })).toBeVisible();
  // First paint is a benchmark figure (bench/), never a timed assertion.
  // The token left the address bar and lives in this tab's session storage.
  expect(new URL(page.url()).hash).toBe('');
  expect(await page.evaluate(() => sessionStorage.getItem('lockstep.token'))).toBe(bridge.token);

  const steps = page.getByRole('navigation', { name: 'Steps' });
  await expect(steps.getByRole('button', { name: /^Start/ })).toHaveAttribute('aria-current', 'step');
  await expect(steps.getByRole('button', { name: /^Find servers/ })).toBeEnabled();
  await expect(steps.getByRole('button', { name: /^Connect and trust/ })).toBeDisabled();
  // Every step is built: the rail has no "Coming later" part any more.
  await expect(steps.getByText('Coming later')).toHaveCount(0);
  for (const needsInventory of ['Network roles', 'Disks', 'Options']) {
    const button = steps.getByRole('button', { name: new RegExp(`^${needsInventory}`) });
    await expect(button).toBeDisabled();
    await expect(button).toHaveAccessibleDescription('Read the inventory of both servers first.');
  }
  await expect(steps.getByRole('button', { name: /^Verify/ })).toHaveAccessibleDescription('Run the install first.');
  // Built, but locked until their step before is done.
  await expect(steps.getByRole('button', { name: /^Validate/ })).toBeDisabled();
  await expect(steps.getByRole('button', { name: /^Plan/ })).toHaveAccessibleDescription('Validation must pass first.');
  await expect(steps.getByRole('button', { name: /^Console/ })).toHaveAccessibleDescription(
    'Open a site file or use the practice lab first.',
  );
  await expect(page.getByRole('region', { name: 'Practice lab' })).toBeVisible();
  await expect(page.getByLabel(/^Practice lab status: /)).toBeVisible();
  await screenshot(page, '01-start');

  // Reloading keeps the session: the token comes back from sessionStorage.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Start' })).toBeVisible();
  await expect(page.getByLabel(/^Practice lab status: /)).toBeVisible();
});

test('Find servers checks addresses as they are typed, with the same rules as the engine', async ({
  page,
  bridge,
}) => {
  await page.goto(bridge.url);
  await page.getByRole('button', { name: 'Set up a new pair' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Find servers' })).toBeFocused();
  const field = page.getByRole('textbox', { name: 'Addresses or subnet' });
  await field.fill('10.0.0.300');
  await expect(field).toHaveAccessibleDescription(/not a valid IPv4 address/);
  await expect(page.getByRole('button', { name: 'Find servers', exact: true })).toBeDisabled();
  await field.fill('10.0.0.0/8');
  await expect(field).toHaveAccessibleDescription(/too large to scan/);
  await screenshot(page, '02-find-servers-invalid');
  await field.fill('127.0.0.1:1');
  await expect(page.getByRole('button', { name: 'Find servers', exact: true })).toBeEnabled();
  // Enter submits; a named server that does not answer is still shown, with why.
  await field.press('Enter');
  const table = page.getByRole('table', { name: 'Servers found' });
  await expect(table.getByRole('row', { name: /127\.0\.0\.1:1/ })).toContainText('Port closed');
  await expect(page.getByRole('checkbox', { name: 'Use 127.0.0.1:1' })).toBeDisabled();
});

test('Open a site file names the file and the problem when it cannot be read', async ({ page, bridge }) => {
  await page.goto(bridge.url);
  await page.getByRole('textbox', { name: 'Site file path' }).fill('/nonexistent/site.yaml');
  await page.getByRole('button', { name: 'Open site file' }).click();
  await expect(page.getByRole('alert')).toContainText('/nonexistent/site.yaml');
});

test.describe('against the practice lab', () => {
  test('Start → practice lab → Find servers → Connect and trust → Inventory', async ({
    page,
    knownHostsDir,
  }) => {
    test.setTimeout(90_000);
    const lab = await labFacts();
    test.skip(!lab.running, `SKIPPED: ${lab.reason}`);
    const { bridge, stop } = await startBridge(join(knownHostsDir, 'known_hosts'));
    try {
      await page.goto(bridge.url);
      const labCard = page.getByRole('region', { name: 'Practice lab' });
      await expect(labCard.getByLabel('Practice lab status: Running')).toBeVisible();
      await expect(labCard.getByRole('list', { name: 'Practice servers' })).toContainText('10.211.0.11');
      await screenshot(page, '03-start-lab-running');
      await labCard.getByRole('button', { name: 'Use the practice lab' }).click();

      // Find servers: the lab's two addresses are filled in; both answer with their keys.
      await expect(page.getByRole('heading', { level: 1, name: 'Find servers' })).toBeVisible();
      await expect(page.getByRole('heading', { name: 'Pair: lab' })).toBeVisible();
      await page.getByRole('button', { name: 'Find servers', exact: true }).click();
      const table = page.getByRole('table', { name: 'Servers found' });
      for (const address of lab.addresses) {
        const row = table.getByRole('row', { name: new RegExp(address.replaceAll('.', '\\.')) });
        await expect(row).toContainText('OpenSSH');
        await expect(row).toContainText('ED25519');
        await expect(row).toContainText(/SHA256:/);
        await expect(row).toContainText(/ms$/);
        await expect(page.getByRole('checkbox', { name: `Use ${address}` })).toBeChecked();
      }
      await expect(page.getByRole('status').filter({ hasText: 'found among' })).toContainText(
        '2 SSH servers found',
      );
      await screenshot(page, '04-find-servers-lab');
      await page.getByRole('button', { name: 'Continue to connect and trust' }).click();

      // Connect and trust: the key file is the lab's; each key is shown and confirmed by the user.
      await expect(page.getByRole('heading', { level: 1, name: 'Connect and trust' })).toBeVisible();
      await expect(page.getByRole('radio', { name: 'Key file' })).toBeChecked();
      await expect(page.getByRole('textbox', { name: 'Key file' })).toHaveValue(lab.identityFile ?? '');
      await expect(page.getByRole('button', { name: 'Read inventory' })).toBeDisabled();
      for (const address of lab.addresses) {
        const card = page.getByRole('region', { name: address });
        await expect(card).toContainText('Not trusted yet');
        await expect(card).toContainText('ssh-ed25519');
        await expect(card).toContainText(/SHA256:/);
      }
      await screenshot(page, '05-trust-before');
      for (const address of lab.addresses) {
        await page.getByRole('button', { name: `Trust ${address}` }).click();
        await expect(page.getByRole('region', { name: address })).toContainText('Trusted');
      }
      await screenshot(page, '06-trust-done');
      await expect(page.getByRole('button', { name: /^Inventory/ })).toBeEnabled();
      await page.getByRole('button', { name: 'Read inventory' }).click();

      // Inventory: both servers side by side.
      await expect(page.getByRole('heading', { level: 1, name: 'Inventory' })).toBeVisible();
      await expect(page.getByRole('heading', { level: 2, name: 'lockstep-a' })).toBeVisible({
        timeout: 45_000,
      });
      await expect(page.getByRole('heading', { level: 2, name: 'lockstep-b' })).toBeVisible();
      const nodeA = page.getByRole('region', { name: 'lockstep-a' });
      await expect(nodeA).toContainText('Debian GNU/Linux 12');
      await expect(nodeA.getByRole('table', { name: /^Network interfaces of / })).toContainText('enp1s0');
      await expect(
        page
          .getByRole('region', { name: 'lockstep-b' })
          .getByRole('table', { name: /^Network interfaces of / }),
      ).toContainText('10.211.0.12');
      await screenshot(page, '07-inventory');
      await expect(page.getByRole('button', { name: 'Continue to network roles' })).toBeEnabled();
      await expect(page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: /^Network roles/ })).toBeEnabled();
    } finally {
      await stop();
    }
  });

  test('opening the lab’s site file fills in the pair, its servers and the login', async ({
    page,
    bridge,
  }) => {
    const lab = await labFacts();
    test.skip(!lab.running || !lab.siteFile, `SKIPPED: ${lab.reason}`);
    await page.goto(bridge.url);
    await page.getByRole('textbox', { name: 'Site file path' }).fill(lab.siteFile ?? '');
    await page.getByRole('button', { name: 'Open site file' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Find servers' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Pair: lab' })).toBeVisible();
    await expect(page.getByRole('textbox', { name: 'Addresses or subnet' })).toHaveValue(
      lab.addresses.join(' '),
    );
  });

  test('a host key that differs from the pinned one is a hard stop', async ({ page, knownHostsDir }) => {
    const lab = await labFacts();
    test.skip(!lab.running, `SKIPPED: ${lab.reason}`);
    const [first, second] = lab.addresses;
    if (!first || !second) throw new Error('the lab reports fewer than two servers');
    // A pin for the second server that is not its key: as if it had been reinstalled, or intercepted.
    const knownHosts = join(knownHostsDir, 'known_hosts');
    writeFileSync(
      knownHosts,
      `${second} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBbvTz8mUo4zt7i8mqHDu6VfEcYx7C1qwZ1sYc4b2Z9f\n`,
    );
    const { bridge, stop } = await startBridge(knownHosts);
    try {
      await page.goto(bridge.url);
      await page.getByRole('button', { name: 'Set up a new pair' }).click();
      await page.getByRole('textbox', { name: 'Addresses or subnet' }).fill(`${first} ${second}`);
      await page.getByRole('button', { name: 'Find servers', exact: true }).click();
      await expect(
        page
          .getByRole('table', { name: 'Servers found' })
          .getByRole('row', { name: new RegExp(second.replaceAll('.', '\\.')) }),
      ).toContainText('Key changed');
      await page.getByRole('button', { name: 'Continue to connect and trust' }).click();
      const card = page.getByRole('region', { name: second });
      await expect(card.getByRole('alert')).toContainText('Host key changed: Lockstep will not connect');
      await expect(card.getByRole('button', { name: `Trust ${second}` })).toHaveCount(0);
      await expect(page.getByRole('button', { name: 'Read inventory' })).toBeDisabled();
      await screenshot(page, '08-trust-mismatch');
    } finally {
      await stop();
    }
  });
});
