/**
 * A person pays through the sandbox Link page inside the real SDK's iframe: mouse and keyboard,
 * labelled controls, the scenario picked on the page; and comes back later as a returning customer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, FrameLocator } from 'playwright-core';
import type { MeshSandbox } from '../src/index.js';
import { mintLinkToken, paymentRequest } from './support/http.js';
import { opensslHmacBase64 } from './support/independent-crypto.js';
import { linkExited, meshLogOf, openMesh, type Shop } from './support/sdk-host.js';
import { closeShopInChromium, openShopInChromium } from './support/shop-in-chromium.js';

const SECRET = 'whsec_person';
let browser: Browser;
let sandbox: MeshSandbox;
let shop: Shop;
/** The access token the customer got on their first visit, as the merchant stored it. */
let savedAccess: { accountId: string; accountName: string; accessToken: string; brokerType: string; brokerName: string } | undefined;

before(async () => {
  ({ sandbox, shop, browser } = await openShopInChromium({}, SECRET));
});

after(() => closeShopInChromium({ browser, sandbox, shop }));

async function open(options: { accessTokens?: unknown; theme?: string; userId?: string; noAmount?: boolean } = {}) {
  const transactionId = `order-person-${Math.random().toString(36).slice(2, 8)}`;
  const request = paymentRequest({ transactionId, ...(options.userId ? { userId: options.userId } : {}) });
  if (options.noAmount) delete (request.transferOptions as { amountInFiat?: number }).amountInFiat;
  const { linkToken } = await mintLinkToken(shop.sandboxBase, request);
  const context = await browser.newContext();
  const page = await context.newPage();
  // The page checks a returning customer's tokens with its sandbox server: tests can await that.
  const tokensChecked = options.accessTokens ? page.waitForResponse((r) => r.url().endsWith('/resume')) : undefined;
  await page.goto(shop.url);
  await openMesh(page, linkToken, { accessTokens: options.accessTokens, theme: options.theme ?? 'dark' });
  const frame = page.frameLocator('#mesh-frame');
  return { page, frame, transactionId, tokensChecked };
}

const heading = (frame: FrameLocator, name: RegExp) => frame.getByRole('heading', { name }).waitFor({ timeout: 5_000 });

describe('a person pays in the sandbox Link page', () => {
  test('picks an exchange with the keyboard, chooses the MFA scenario, signs in, reviews and confirms', async () => {
    const { page, frame, transactionId } = await open({ theme: 'dark' });
    await heading(frame, /Pay with an exchange or wallet/);
    assert.equal(await frame.locator('html').getAttribute('data-theme'), 'dark');
    await frame.getByText('Pay $25.00 in USDC on Base').waitFor();

    // The scenario control is labelled and a person can choose it.
    await frame.getByLabel('Sandbox scenario').selectOption('mfa');

    // Keyboard only: focus Binance and press Enter.
    await frame.getByRole('button', { name: /Binance/ }).focus();
    await page.keyboard.press('Enter');
    await heading(frame, /Sign in to Binance/);
    // Submitting empty fields says what is missing instead of going on.
    await frame.getByRole('button', { name: 'Sign in' }).click();
    await frame.getByRole('alert').filter({ hasText: 'Enter your username and password.' }).waitFor();
    await frame.getByLabel('Email or username').fill('ada@example.com');
    await frame.getByLabel('Password').fill('correct horse');
    await page.keyboard.press('Enter');

    await heading(frame, /Two-step verification/);
    // A code that is not six digits is refused, twice over, with one message and the customer taken
    // back from the Verify button to the field.
    for (const wrong of ['12a456', '12345']) {
      await frame.getByLabel('Code from Binance').fill(wrong);
      await frame.getByRole('button', { name: 'Verify' }).click();
      await frame.getByRole('alert').filter({ hasText: 'Enter the 6-digit code.' }).waitFor();
    }
    assert.equal(await frame.getByRole('alert').count(), 1);
    assert.equal(await frame.getByLabel('Code from Binance').evaluate((input) => input === document.activeElement), true);
    assert.ok(!(await meshLogOf(page)).events.some((e) => e.type === 'integrationMfaEntered'), 'no MFA code was entered');
    await frame.getByLabel('Code from Binance').fill('123456');
    await page.keyboard.press('Enter');

    await heading(frame, /Review transfer/);
    assert.equal(await frame.locator('#preview-fiat').textContent(), '$25.00');
    // 25 / 0.9998 in USDC's 6 decimals.
    assert.equal(await frame.locator('#preview-amount').textContent(), '25.005001 USDC');
    assert.equal(await frame.locator('#preview-network').textContent(), 'Base');
    await frame.getByRole('button', { name: 'Confirm' }).click();

    await heading(frame, /Transfer submitted/);
    await frame.getByRole('button', { name: 'Done' }).click();
    await linkExited(page);

    const l = await meshLogOf(page);
    const types = l.events.map((e) => e.type);
    for (const type of ['integrationSelected', 'credentialsEntered', 'integrationMfaRequired', 'integrationMfaEntered', 'integrationConnected', 'transferPreviewed', 'transferCompleted']) {
      assert.ok(types.includes(type), `${type} in ${types.join(',')}`);
    }
    const selected = l.events.find((e) => e.type === 'integrationSelected');
    assert.equal(selected?.payload?.integrationName, 'Binance');
    const connected = l.connected[0]!.accessToken!;
    assert.equal(connected.brokerName, 'Binance');
    assert.ok(connected.accountTokens[0]!.tokenId);
    const account = connected.accountTokens[0]!;
    savedAccess = {
      accountId: account.account.accountId,
      accountName: account.account.accountName,
      // What Mesh says to keep for a returning customer: the tokenId, not the short-lived access token.
      accessToken: account.tokenId!,
      brokerType: connected.brokerType,
      brokerName: connected.brokerName,
    };
    assert.equal(l.finished[0]!.clientTransactionId, transactionId);
    assert.equal(l.exits[0]!.error, null);
    assert.equal((l.exits[0]!.summary?.transfer as { transactionId?: string })?.transactionId, transactionId);

    await sandbox.idle();
    const hooks = shop.webhooks.filter((w) => w.json.TransactionId === transactionId);
    assert.deepEqual(hooks.map((h) => h.json.TransferStatus), ['Pending', 'Succeeded']);
    assert.equal(hooks[0]!.json.SourceAccountProvider, 'Binance');
    for (const h of hooks) assert.equal(h.signature, opensslHmacBase64(SECRET, h.raw));
    await page.context().close();
  });

  test('a returning customer whose token matches skips sign-in and goes straight to the review', async () => {
    assert.ok(savedAccess, 'the first visit saved an access token');
    const { page, frame, transactionId } = await open({ accessTokens: [savedAccess] });
    await heading(frame, /Review transfer/);
    await frame.getByText('Welcome back: signed in with Binance.').waitFor();
    await frame.getByRole('button', { name: 'Confirm' }).click();
    await heading(frame, /Transfer submitted/);
    await page.keyboard.press('Escape');
    await linkExited(page);
    const l = await meshLogOf(page);
    const types = l.events.map((e) => e.type);
    assert.ok(!types.includes('credentialsEntered'), types.join(','));
    assert.ok(!types.includes('integrationSelected'), types.join(','));
    assert.equal(l.finished[0]!.clientTransactionId, transactionId);
    assert.equal(l.exits[0]!.summary?.page, 'transferExecutedPage');
    await page.context().close();
  });

  test("another user's token does not skip sign-in", async () => {
    const { page, frame, tokensChecked } = await open({ accessTokens: [savedAccess], userId: 'someone-else' });
    await heading(frame, /Pay with an exchange or wallet/);
    assert.equal((await tokensChecked)?.status(), 200);
    await heading(frame, /Pay with an exchange or wallet/);
    assert.equal(await frame.getByRole('heading', { name: /Review transfer/ }).count(), 0);
    await page.context().close();
  });

  test('approves, then closes Link with its close button before the success screen: not a cancel, the payment still settles', async () => {
    const { page, frame, transactionId } = await open();
    await frame.getByLabel('Sandbox scenario').selectOption('close-after-approve');
    await frame.getByRole('button', { name: /MetaMask/ }).click();
    await frame.getByRole('button', { name: 'Connect MetaMask' }).click();
    await heading(frame, /Review transfer/);
    await frame.getByRole('button', { name: 'Confirm' }).click();
    await heading(frame, /Transfer approved/);
    await frame.getByRole('button', { name: 'Close', exact: true }).first().click();
    await linkExited(page);
    const l = await meshLogOf(page);
    const types = l.events.map((e) => e.type);
    assert.ok(types.includes('transferExecuted'), types.join(','));
    assert.equal(l.finished.length, 0);
    assert.equal(l.exits[0]!.error, null);
    assert.equal((l.exits[0]!.summary?.transfer as { transactionId?: string })?.transactionId, transactionId);
    await sandbox.idle();
    const hooks = shop.webhooks.filter((w) => w.json.TransactionId === transactionId);
    assert.deepEqual(hooks.map((h) => h.json.TransferStatus), ['Pending', 'Succeeded']);
    await page.context().close();
  });

  test('Escape cancels: onExit with no error and no transfer', async () => {
    const { page, frame } = await open({ theme: 'light' });
    await heading(frame, /Pay with an exchange or wallet/);
    assert.equal(await frame.locator('html').getAttribute('data-theme'), 'light');
    await frame.getByRole('button', { name: /Kraken/ }).click();
    await heading(frame, /Sign in to Kraken/);
    await page.keyboard.press('Escape');
    await linkExited(page);
    const l = await meshLogOf(page);
    assert.equal(l.exits[0]!.error, null);
    assert.equal(l.exits[0]!.summary?.page, 'credentialsPage');
    assert.equal((l.exits[0]!.summary?.selectedIntegration as { name?: string })?.name, 'Kraken');
    assert.equal(l.finished.length, 0);
    await page.context().close();
  });

  test("the host's closeLinkRequested() is answered with close", async () => {
    const { page, frame } = await open();
    await heading(frame, /Pay with an exchange or wallet/);
    await page.evaluate(() => (window as any).meshLink.closeLinkRequested());
    await linkExited(page);
    const l = await meshLogOf(page);
    assert.equal(l.exits.length, 1);
    assert.equal(l.exits[0]!.summary?.page, 'integrationsPage');
    await page.context().close();
  });

  test('a wallet connects without a password', async () => {
    const { page, frame } = await open();
    await frame.getByRole('button', { name: /MetaMask/ }).click();
    await heading(frame, /Connect MetaMask/);
    await frame.getByRole('button', { name: 'Connect MetaMask' }).click();
    await heading(frame, /Review transfer/);
    await frame.getByRole('button', { name: 'Cancel' }).click();
    await linkExited(page);
    const l = await meshLogOf(page);
    assert.equal(l.connected[0]?.accessToken?.brokerName, 'MetaMask');
    assert.equal(l.finished.length, 0);
    await page.context().close();
  });

  test('when the merchant sets no amount, the customer types one and the preview follows it', async () => {
    const { page, frame, transactionId } = await open({ noAmount: true });
    await frame.getByRole('button', { name: /Coinbase/ }).click();
    await frame.getByLabel('Email or username').fill('ada@example.com');
    await frame.getByLabel('Password').fill('pw');
    await frame.getByRole('button', { name: 'Sign in' }).click();
    await heading(frame, /Review transfer/);
    const amount = frame.getByLabel('Amount (USD)');
    await amount.fill('12.345');
    await amount.press('Enter');
    await frame.getByRole('alert').filter({ hasText: 'Enter an amount in USD' }).waitFor();
    await frame.getByLabel('Amount (USD)').fill('40');
    await frame.getByLabel('Amount (USD)').press('Enter');
    await frame.locator('#preview-fiat', { hasText: '$40.00' }).waitFor();
    await frame.getByRole('button', { name: 'Confirm' }).click();
    await heading(frame, /Transfer submitted/);
    await frame.getByRole('button', { name: 'Done' }).click();
    await linkExited(page);
    const l = await meshLogOf(page);
    assert.equal(l.finished[0]!.amountInFiat, 40);
    assert.ok(l.events.some((e) => e.type === 'transferAmountEntered'));
    assert.equal(sandbox.transfers().find((t) => t.clientTransactionId === transactionId)?.amountInFiat, '40');
    await page.context().close();
  });
});
