import { join } from 'node:path';
import { bmcSimulatorUnsupportedReason, startBmcSimulators, type BmcSimulators } from '../helpers/bmc-sim';
import { expect, labFacts, screenshot, startBridge, test, walkToOptions } from './fixtures';

/**
 * Options' "Test BMC of …" against the practice lab and a simulated BMC (OpenIPMI's
 * ipmi_sim on the lab's bridge, test/helpers/bmc-sim.ts): node b's BMC is asked for its
 * power state by fence_ipmilan on node a, with the values typed on Options. Before the
 * first install with fencing the lab's servers have no fence_ipmilan; the screen then
 * says the BMC was not tested, and why.
 */
const simulatorSkip = bmcSimulatorUnsupportedReason();
let simulators: BmcSimulators | undefined;

test.beforeAll(async () => {
  if (!simulatorSkip) simulators = await startBmcSimulators();
});

test.afterAll(async () => {
  await simulators?.close();
});

test('Options: Test BMC of a server asks its BMC from the other server and shows the answer', async ({ page, knownHostsDir }) => {
  test.setTimeout(300_000);
  test.skip(!!simulatorSkip, `SKIPPED: ${simulatorSkip}`);
  const lab = await labFacts();
  test.skip(!lab.running || !lab.siteFile, `SKIPPED: ${lab.reason}`);
  const bmc = simulators!.b;
  const [nodeA = '', nodeB = ''] = lab.addresses;
  const { bridge, stop } = await startBridge(join(knownHostsDir, 'known_hosts'));
  try {
    await walkToOptions(page, lab, bridge.url);
    await page.getByRole('radio', { name: 'IPMI' }).check();
    const button = page.getByRole('button', { name: `Test BMC of ${nodeB}` });
    await expect(button).toBeDisabled();
    await expect(button).toHaveAccessibleDescription(/Give the BMC address, user and password to test/);
    await page.getByRole('textbox', { name: `BMC address of ${nodeB}` }).fill(bmc.address);
    await page.getByRole('textbox', { name: `BMC port of ${nodeB}` }).fill(String(bmc.port));
    await page.getByRole('textbox', { name: `BMC user of ${nodeB}` }).fill(bmc.user);
    const password = page.getByLabel(`BMC password of ${nodeB}`);
    await password.fill(bmc.password);
    await expect(button).toBeEnabled();

    // By keyboard: the button is focusable and Enter runs the test.
    await button.focus();
    await page.keyboard.press('Enter');
    const shown = page.getByRole('status', { name: `BMC test of ${nodeB}` });
    await expect(shown).toContainText(/answers: |did not answer: |Not tested: |could not run/, { timeout: 120_000 });
    const text = (await shown.textContent()) ?? '';
    await expect(shown).not.toContainText(bmc.password);
    if (/not installed/.test(text)) {
      // A lab that never installed with fencing: an honest "not tested", in neutral words.
      test.info().annotations.push({ type: 'note', description: `fence_ipmilan is not on ${nodeA} yet: ${text}` });
      await expect(shown).toContainText(`Not tested: fence_ipmilan is not installed on ${nodeA} yet (apply installs it).`);
      await screenshot(page, '07e-options-bmc-test');
    } else {
      await expect(shown).toContainText(
        `The BMC of ${nodeB} answers: fence_ipmilan on ${nodeA} logged in as ${bmc.user} (lanplus) and read the power state: on.`,
      );
      await screenshot(page, '07e-options-bmc-test');
      // A wrong password: the BMC refuses the login, and the screen says what to check.
      await password.fill(`${bmc.password}-wrong`);
      await expect(shown).toHaveText('');
      await button.click();
      await expect(shown).toContainText(`The BMC of ${nodeB} did not answer: fence_ipmilan on ${nodeA} could not log in as ${bmc.user}`, {
        timeout: 120_000,
      });
      await expect(shown).toContainText(`Check the address, port, user and password; the BMC must be reachable from ${nodeA}.`);
      await screenshot(page, '07f-options-bmc-test-refused');
    }
  } finally {
    await stop();
  }
});
