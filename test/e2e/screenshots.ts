/**
 * Saves the README's screenshots of the demo shop from a real run (real demo process, real SDK,
 * a person clicking through the sandbox Link page):
 *   docs/demo-idle.png, docs/demo-open.png, docs/demo-confirming.png, docs/demo-succeeded.png, docs/demo-failed.png
 *
 * Run: node --conditions=source --import tsx test/e2e/screenshots.ts
 * (not a test: the file name does not end in .test.ts)
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../support/chromium.js';
import { startDemo } from '../support/demo-process.js';
import { ShopPage } from '../support/shop-page.js';

const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
/** Holds "confirming" long enough to photograph it: the kit publishes `succeeded` after the credit hook. */
const CREDIT_DELAY_MS = 6000;

async function walkToReview(shop: ShopPage, scenario: 'succeed' | 'fail'): Promise<import('playwright-core').Frame> {
  await shop.clickPay();
  await shop.waitForStatus('open');
  const link = await shop.linkFrame();
  await link.locator('#scenario').selectOption(scenario);
  await link.locator('button.integration').first().click();
  await link.locator('#username').fill('shopper@example.com');
  await link.locator('#password').fill('correct horse battery staple');
  await link.locator('#sign-in').click();
  await link.locator('#confirm').waitFor();
  return link;
}

async function main(): Promise<void> {
  mkdirSync(DOCS, { recursive: true });
  const demo = await startDemo({ creditDelayMs: CREDIT_DELAY_MS, store: 'memory' });
  const browser = await launchChromium();
  const shot = async (shop: ShopPage, name: string) => {
    // Let transitions and the ledger's fetch settle so the picture shows a resting state.
    await shop.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await shop.page.screenshot({ path: `${DOCS}demo-${name}.png`, animations: 'disabled' });
    console.log(`saved docs/demo-${name}.png`);
  };
  try {
    const paying = await ShopPage.open(browser, demo.url);
    await paying.page.locator('#ledger-updated:not(:empty)').waitFor();
    await shot(paying, 'idle');

    const link = await walkToReview(paying, 'succeed');
    await shot(paying, 'open');

    await link.locator('#confirm').click();
    await link.locator('#done').click({ timeout: 5000 }).catch(() => undefined);
    await paying.waitForStatus('confirming');
    await paying.page.locator('dialog[open]').waitFor({ state: 'detached', timeout: 5000 }).catch(() => undefined);
    await shot(paying, 'confirming');

    await paying.waitForStatus('succeeded', CREDIT_DELAY_MS + 15_000);
    await paying.page.locator('#ledger-rows .mine').waitFor({ timeout: 10_000 });
    await shot(paying, 'succeeded');
    await paying.close();

    const failing = await ShopPage.open(browser, demo.url);
    const failLink = await walkToReview(failing, 'fail');
    await failLink.locator('#confirm').click();
    await failLink.locator('#done').click({ timeout: 5000 }).catch(() => undefined);
    await failing.waitForStatus('failed', 20_000);
    await failing.page.locator('#ledger-rows [data-transfer-id]').first().waitFor({ timeout: 10_000 });
    await shot(failing, 'failed');
    await failing.close();
  } finally {
    await browser.close();
    await demo.stop();
  }
}

await main();
