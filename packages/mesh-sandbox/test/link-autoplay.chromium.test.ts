/**
 * The real @meshconnect/web-link-sdk, in Chromium, against the sandbox Link page playing each
 * scenario by itself (what MESH_SANDBOX_AUTOPLAY does for the demo).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { MeshSandbox, SandboxScenario } from '../src/index.js';
import { mintLinkToken, MERCHANT_ADDRESS, paymentRequest } from './support/http.js';
import { opensslHmacBase64, pythonDivide } from './support/independent-crypto.js';
import { linkExited, meshLogOf, openMesh, type MeshLog, type Shop } from './support/sdk-host.js';
import { closeShopInChromium, openShopInChromium } from './support/shop-in-chromium.js';

const SECRET = 'whsec_chromium';
let autoplay: SandboxScenario | undefined;
let skewMs = 0;
let browser: Browser;
let sandbox: MeshSandbox;
let shop: Shop;

before(async () => {
  ({ sandbox, shop, browser } = await openShopInChromium({ autoplay: () => autoplay, now: () => Date.now() + skewMs }, SECRET));
});

after(() => closeShopInChromium({ browser, sandbox, shop }));

interface Run {
  page: Page;
  log: MeshLog;
  transactionId: string;
  cspViolations: string[];
}

/** Opens Link in a fresh tab for a new order and waits until the SDK calls onExit. */
async function run(scenario: SandboxScenario | undefined, options: { linkToken?: string; accessTokens?: unknown } = {}): Promise<Run> {
  autoplay = scenario;
  const transactionId = `order-${scenario}-${Math.random().toString(36).slice(2, 8)}`;
  const linkToken = options.linkToken ?? (await mintLinkToken(shop.sandboxBase, paymentRequest({ transactionId }))).linkToken;
  const context = await browser.newContext();
  const page = await context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
  });
  await page.goto(shop.url);
  await openMesh(page, linkToken, { accessTokens: options.accessTokens });
  await linkExited(page);
  const log = await meshLogOf(page);
  return { page, log, transactionId, cspViolations };
}

const types = (log: MeshLog) => log.events.map((e) => e.type);

async function webhooksFor(transactionId: string) {
  await sandbox.idle();
  return shop.webhooks.filter((w) => w.json.TransactionId === transactionId);
}

describe('the real SDK drives the sandbox Link page, hands-free', () => {
  test('succeed: connected with a tokenId, transfer finished, done; webhooks pending → succeeded, signed', async () => {
    const { log, transactionId, cspViolations, page } = await run('succeed');
    assert.deepEqual(cspViolations, []);
    const t = types(log);
    for (const type of ['pageLoaded', 'integrationSelected', 'credentialsEntered', 'integrationConnected', 'transferPreviewed', 'transferExecuted', 'transferCompleted']) {
      assert.ok(t.includes(type), `onEvent ${type} in ${t.join(',')}`);
    }
    assert.ok(t.indexOf('integrationConnected') < t.indexOf('transferPreviewed'));
    assert.ok(t.indexOf('transferPreviewed') < t.indexOf('transferCompleted'));
    const connected = log.connected[0]!.accessToken!;
    assert.equal(connected.brokerName, 'Coinbase');
    assert.match(connected.accountTokens[0]!.tokenId!, /^[0-9a-f-]{36}$/);
    assert.ok(connected.accountTokens[0]!.accessToken.length > 10);
    const finished = log.finished[0]!;
    assert.equal(finished.status, 'success');
    assert.equal(finished.clientTransactionId, transactionId);
    assert.equal(finished.symbol, 'USDC');
    assert.equal(finished.networkName, 'Base');
    assert.equal(finished.toAddress, MERCHANT_ADDRESS);
    assert.equal(finished.amountInFiat, 25);
    assert.equal(log.exits.length, 1);
    assert.equal(log.exits[0]!.error, null);
    assert.equal(log.exits[0]!.summary?.page, 'transferExecutedPage');
    const hooks = await webhooksFor(transactionId);
    assert.deepEqual(hooks.map((h) => h.json.TransferStatus), ['Pending', 'Succeeded']);
    for (const h of hooks) {
      assert.equal(h.json.TransferId, finished.transferId);
      assert.equal(h.signature, opensslHmacBase64(SECRET, h.raw));
    }
    assert.equal(hooks[1]!.json.TxHash, finished.txHash);
    await page.context().close();
  });

  test('fail: the transfer is still reported finished, but the webhooks end in failed', async () => {
    const { log, transactionId, page } = await run('fail');
    assert.equal(log.finished.length, 1);
    assert.equal(log.exits[0]!.error, null);
    const hooks = await webhooksFor(transactionId);
    assert.deepEqual(hooks.map((h) => h.json.TransferStatus), ['Pending', 'Failed']);
    await page.context().close();
  });

  test('cancel: onExit without a transfer, no webhooks', async () => {
    const { log, transactionId, page } = await run('cancel');
    assert.equal(log.finished.length, 0);
    assert.equal(log.exits.length, 1);
    assert.equal(log.exits[0]!.error, null);
    assert.equal(log.exits[0]!.summary?.page, 'transferPreviewPage');
    assert.equal(log.exits[0]!.summary?.transfer, undefined);
    assert.ok(types(log).includes('transferPreviewed'));
    assert.equal(sandbox.transfers().filter((t) => t.clientTransactionId === transactionId).length, 0);
    assert.deepEqual(await webhooksFor(transactionId), []);
    await page.context().close();
  });

  test('mfa: the exchange asks for a code, then the payment succeeds', async () => {
    const { log, transactionId, page } = await run('mfa');
    const t = types(log);
    assert.ok(t.indexOf('credentialsEntered') < t.indexOf('integrationMfaRequired'));
    assert.ok(t.indexOf('integrationMfaRequired') < t.indexOf('integrationMfaEntered'));
    assert.ok(t.indexOf('integrationMfaEntered') < t.indexOf('integrationConnected'));
    assert.equal(log.finished.length, 1);
    assert.deepEqual((await webhooksFor(transactionId)).map((h) => h.json.TransferStatus), ['Pending', 'Succeeded']);
    await page.context().close();
  });

  test('expired: the session times out; onExit carries a generic Link error (no made-up code) and nothing is paid', async () => {
    const { log, transactionId, page } = await run('expired');
    assert.match(log.exits[0]!.error ?? '', /expired/);
    assert.doesNotMatch(log.exits[0]!.error ?? '', /LINK_TOKEN_EXPIRED/);
    assert.equal(log.exits[0]!.summary?.errorMessage, log.exits[0]!.error);
    assert.equal(log.connected.length, 0);
    assert.equal(log.finished.length, 0);
    assert.deepEqual(await webhooksFor(transactionId), []);
    await page.context().close();
  });

  test('a link token opened twice: the second opening ends in a generic Link error', async () => {
    const { linkToken } = await mintLinkToken(shop.sandboxBase, paymentRequest());
    const first = await run('cancel', { linkToken });
    assert.equal(first.log.exits[0]!.error, null);
    await first.page.context().close();
    const second = await run('succeed', { linkToken });
    assert.match(second.log.exits[0]!.error ?? '', /This link has expired or was already used/);
    assert.doesNotMatch(second.log.exits[0]!.error ?? '', /LINK_TOKEN_EXPIRED/);
    assert.equal(second.log.connected.length, 0);
    assert.equal(second.log.exits[0]!.summary?.page, 'errorPage');
    const frame = second.page.frameLocator('#mesh-frame');
    assert.match((await frame.getByRole('heading').first().textContent()) ?? '', /expired/);
    await second.page.context().close();
  });

  test('a link token opened after its 10 minutes ends in the same generic Link error', async () => {
    const { linkToken } = await mintLinkToken(shop.sandboxBase, paymentRequest());
    skewMs = 10 * 60_000 + 1;
    try {
      const { log, page } = await run('succeed', { linkToken });
      assert.match(log.exits[0]!.error ?? '', /This link has expired or was already used/);
      assert.equal(log.connected.length, 0);
      await page.context().close();
    } finally {
      skewMs = 0;
    }
  });

  test('a returning customer passes back the tokenId (Mesh-managed tokens): sign-in is skipped, long after the raw token expired', async () => {
    const first = await run('succeed');
    const connected = first.log.connected[0]!.accessToken! as MeshLog['connected'][0]['accessToken'] & { expiresInSeconds?: number };
    const token = connected.accountTokens[0]!;
    assert.equal(connected.expiresInSeconds, 600);
    assert.notEqual(token.tokenId, token.accessToken);
    await first.page.context().close();
    const stored = (accessToken: string) => [
      { accountId: token.account.accountId, accountName: token.account.accountName, accessToken, brokerType: connected.brokerType, brokerName: connected.brokerName },
    ];
    skewMs = 601_000; // past expiresInSeconds
    try {
      const again = await run('succeed', { accessTokens: stored(token.tokenId!) });
      const t = types(again.log);
      assert.ok(!t.includes('credentialsEntered'), t.join(','));
      assert.ok(!t.includes('integrationSelected'), t.join(','));
      assert.equal(again.log.finished[0]!.clientTransactionId, again.transactionId);
      await again.page.context().close();

      // The raw access token, once its expiresInSeconds passed, no longer skips anything.
      const stale = await run('succeed', { accessTokens: stored(token.accessToken) });
      const s = types(stale.log);
      assert.ok(s.includes('integrationSelected') && s.includes('credentialsEntered'), s.join(','));
      await stale.page.context().close();
    } finally {
      skewMs = 0;
    }
  });

  test('a raw access token still inside its expiresInSeconds skips sign-in as well', async () => {
    const first = await run('succeed');
    const connected = first.log.connected[0]!.accessToken!;
    const token = connected.accountTokens[0]!;
    await first.page.context().close();
    const again = await run('succeed', {
      accessTokens: [{ accountId: token.account.accountId, accountName: token.account.accountName, accessToken: token.accessToken, brokerType: connected.brokerType, brokerName: connected.brokerName }],
    });
    assert.ok(!types(again.log).includes('credentialsEntered'));
    await again.page.context().close();
  });

  test('close-after-approve: the customer approves, then closes Link; no transferFinished, the close says so, and the webhooks still come', async () => {
    const { log, transactionId, page } = await run('close-after-approve');
    const t = types(log);
    assert.ok(t.includes('transferInitiated'), t.join(','));
    assert.ok(t.includes('transferExecuted'), t.join(','));
    assert.ok(!t.includes('transferCompleted'), t.join(','));
    assert.equal(log.finished.length, 0);
    assert.equal(log.exits.length, 1);
    const exit = log.exits[0]!;
    assert.equal(exit.error, null, 'not an error');
    assert.equal(exit.summary?.page, 'transferProcessingPage');
    const transfer = exit.summary?.transfer as { transactionId?: string; symbol?: string; amount?: string } | undefined;
    assert.equal(transfer?.transactionId, transactionId);
    assert.equal(transfer?.symbol, 'USDC');
    const executed = log.events.find((e) => e.type === 'transferExecuted')!;
    assert.equal(executed.payload?.clientTransactionId, transactionId);
    const hooks = await webhooksFor(transactionId);
    assert.deepEqual(hooks.map((h) => h.json.TransferStatus), ['Pending', 'Succeeded']);
    assert.equal(sandbox.transfers().find((x) => x.clientTransactionId === transactionId)?.status, 'succeeded');
    await page.context().close();
  });

  test('several destinations: the customer pays in another asset on another network, and the webhooks name them', async () => {
    autoplay = undefined;
    const transactionId = `order-multi-${Math.random().toString(36).slice(2, 8)}`;
    const request = paymentRequest({ transactionId });
    request.transferOptions.toAddresses.push({ networkId: 'e3c7fdd8-b1fc-4e51-85ae-bb276e075611', symbol: 'ETH', address: MERCHANT_ADDRESS });
    const { linkToken } = await mintLinkToken(shop.sandboxBase, request);
    const page = await (await browser.newContext()).newPage();
    await page.goto(shop.url);
    await openMesh(page, linkToken);
    const frame = page.frameLocator('#mesh-frame');
    await frame.getByRole('button', { name: /Kraken/ }).click();
    await frame.getByLabel('Email or username').fill('ada');
    await frame.getByLabel('Password').fill('pw');
    await frame.getByLabel('Password').press('Enter');
    await frame.getByLabel('Asset and network').selectOption({ label: 'ETH on Ethereum' });
    await frame.locator('#preview-network', { hasText: 'Ethereum' }).waitFor();
    // Shown with all of ETH's 18 decimals.
    assert.equal(await frame.locator('#preview-amount').textContent(), '0.008011664984217020 ETH');
    await frame.getByRole('button', { name: 'Confirm' }).click();
    await frame.getByRole('button', { name: 'Done' }).click();
    await linkExited(page);
    const log = await meshLogOf(page);
    assert.equal(log.finished[0]!.symbol, 'ETH');
    assert.equal(log.finished[0]!.networkName, 'Ethereum');
    const hooks = await webhooksFor(transactionId);
    assert.deepEqual(hooks.map((h) => [h.json.TransferStatus, h.json.Token, h.json.Chain]), [['Pending', 'ETH', 'Ethereum'], ['Succeeded', 'ETH', 'Ethereum']]);
    // 25 USD at the sandbox's 3120.45 USD/ETH, exact in ETH's 18 decimals.
    const expected = pythonDivide('25', '3120.45', 18);
    assert.equal(expected, '0.00801166498421702');
    assert.ok(hooks[1]!.raw.toString('utf8').includes(`"SourceAmount":${expected},`), hooks[1]!.raw.toString('utf8'));
    await page.context().close();
  });
});
