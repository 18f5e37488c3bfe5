/**
 * A merchant asks for a pay link (`generatePayLink: true`) and sends it to the customer, who opens
 * it as a normal page (no iframe, no SDK), pays, and the merchant's webhook endpoint gets Pending
 * then Succeeded (or Failed) for that same transaction.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import express from 'express';
import { launchChromium } from '../../../test/support/chromium.js';
import { createMeshSandbox, type MeshSandbox } from '../src/index.js';
import { credentials, listen, MERCHANT_ADDRESS, paymentRequest, type Listening } from './support/http.js';
import { opensslHmacBase64 } from './support/independent-crypto.js';
import { meshLogOf, openMesh, startShop, type Shop } from './support/sdk-host.js';
import { countedWebhooks } from './support/shop-in-chromium.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

const SECRET = 'whsec_pay_link';
let browser: Browser;
let sandbox: MeshSandbox;
let server: Listening;
let receiver: WebhookReceiver;
let base: string;

before(async () => {
  receiver = await startWebhookReceiver();
  sandbox = createMeshSandbox(countedWebhooks(receiver.url, SECRET));
  server = await listen(express().use('/sandbox/mesh', sandbox.router));
  base = `${server.url}/sandbox/mesh`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await sandbox?.close();
  await server?.close();
  await receiver?.close();
});

async function payLink(transactionId: string): Promise<{ linkToken: string; paymentLink: string }> {
  const body = paymentRequest({ transactionId });
  const response = await fetch(`${base}/api/v1/linktoken`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...credentials },
    body: JSON.stringify({ ...body, transferOptions: { ...body.transferOptions, generatePayLink: true } }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { content: { linkToken: string; paymentLink: string } }).content;
}

async function openTopLevel(url: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(url);
  return page;
}

const heading = (page: Page, name: RegExp) => page.getByRole('heading', { name }).waitFor({ timeout: 10_000 });

async function hooksFor(transactionId: string) {
  await sandbox.idle();
  return receiver.received.filter((r) => r.json.TransactionId === transactionId);
}

describe('the hosted pay link', () => {
  test('a customer pays on the pay page as a top-level page; the webhooks say Pending, then Succeeded, for that transaction', async () => {
    const { paymentLink } = await payLink('order-pay-link');
    const page = await openTopLevel(paymentLink);
    assert.equal(page.mainFrame().parentFrame(), null, 'a top-level page');
    await heading(page, /Pay with an exchange or wallet/);
    await page.getByText('Pay $25.00 in USDC on Base').waitFor();
    await page.getByRole('button', { name: /Coinbase/ }).click();
    await page.getByLabel('Email or username').fill('ada@example.com');
    await page.getByLabel('Password').fill('pw');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(page, /Review transfer/);
    assert.equal(await page.locator('#preview-amount').textContent(), '25.005001 USDC');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await heading(page, /Transfer submitted/);
    await page.getByRole('button', { name: 'Done' }).click();
    await heading(page, /Payment sent/);

    const hooks = await hooksFor('order-pay-link');
    assert.deepEqual(hooks.map((h) => h.json.TransferStatus), ['Pending', 'Succeeded']);
    const transfer = sandbox.transfers().find((t) => t.clientTransactionId === 'order-pay-link')!;
    for (const h of hooks) {
      assert.equal(h.json.TransferId, transfer.id);
      assert.equal(h.json.DestinationAddress, MERCHANT_ADDRESS);
      assert.equal(h.headers['x-mesh-signature-256'], opensslHmacBase64(SECRET, h.raw));
    }
    assert.equal(transfer.status, 'succeeded');
    await page.context().close();
  });

  test('the fail scenario on the pay page ends in Failed', async () => {
    const { paymentLink } = await payLink('order-pay-link-fail');
    const page = await openTopLevel(paymentLink);
    await page.getByLabel('Sandbox scenario').selectOption('fail');
    await page.getByRole('button', { name: /MetaMask/ }).click();
    await page.getByRole('button', { name: 'Connect MetaMask' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await heading(page, /Transfer submitted/);
    assert.deepEqual((await hooksFor('order-pay-link-fail')).map((h) => h.json.TransferStatus), ['Pending', 'Failed']);
    await page.context().close();
  });

  test('one transaction is paid once: after the pay link paid, its Link token cannot pay again; a pay link opens once', async () => {
    const { paymentLink, linkToken } = await payLink('order-pay-once');
    const page = await openTopLevel(paymentLink);
    await page.getByRole('button', { name: /MetaMask/ }).click();
    await page.getByRole('button', { name: 'Connect MetaMask' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await heading(page, /Transfer submitted/);

    // The same transaction's Link token, in the real SDK on a merchant page.
    const shopSandboxServer: Shop = await startShop(sandbox);
    try {
      const linkUrl = Buffer.from(linkToken, 'base64').toString('utf8').replace(server.url, shopSandboxServer.url);
      const shopPage = await (await browser.newContext()).newPage();
      await shopPage.goto(shopSandboxServer.url);
      await openMesh(shopPage, Buffer.from(linkUrl).toString('base64'));
      const frame = shopPage.frameLocator('#mesh-frame');
      await frame.getByRole('button', { name: /MetaMask/ }).click();
      await frame.getByRole('button', { name: 'Connect MetaMask' }).click();
      await frame.getByRole('button', { name: 'Confirm' }).click();
      await frame.getByRole('alert').filter({ hasText: 'This payment was already made.' }).waitFor();
      const log = await meshLogOf(shopPage);
      assert.equal(log.finished.length, 0);
      await shopPage.context().close();
    } finally {
      await shopSandboxServer.server.close();
    }
    assert.equal(sandbox.transfers().filter((t) => t.clientTransactionId === 'order-pay-once').length, 1);

    const again = await openTopLevel(paymentLink);
    await heading(again, /This link has expired/);
    await again.context().close();
    await page.context().close();
  });
});
