import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { startCluster, type Cluster } from './cluster.js';
import { openStream, statusOf, type StreamMessage } from './event-stream.js';
import { mintOrder, postWebhook, readOrder, transferEvent } from './shop-client.js';

/**
 * Two demo instances behind an imaginary load balancer, one Redis between them. Mesh's webhook lands
 * on instance A; the shopper's browser holds its status stream on instance B. The stream must show
 * the transfer move, in order, with increasing ids.
 */

let cluster: Cluster;
let browser: Browser | undefined;

before(async () => {
  // One Mesh for the deployment: both instances look transfers up there before crediting.
  cluster = await startCluster({ instances: 2, sharedMesh: true });
});

after(async () => {
  await browser?.close().catch(() => {});
  await cluster?.stop();
});

describe('a webhook received by instance A reaches a stream held by instance B', { timeout: 90_000 }, () => {
  it('in order: pending, then succeeded, ids increasing — for a fetch client and for Chromium’s EventSource', async () => {
    const [a, b] = cluster.instances as [(typeof cluster.instances)[0], (typeof cluster.instances)[0]];
    const minted = await mintOrder(a.url, 'cross-instance-1');
    const order = await readOrder(b.url, minted.orderId);
    assert.equal(order.transactionId, minted.transactionId, 'instance B sees the order instance A minted');

    // A browser-like client on B (fetch streaming)…
    const viaFetch = openStream(`${b.url}${minted.statusUrl}`);
    await viaFetch.live;

    // …and a real EventSource in Chromium, on a page of B's origin (the demo's CSP allows connect-src 'self').
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`${b.url}/api/shop`);
    await page.evaluate((statusUrl) => {
      const w = window as unknown as { seen: { type: string; id: string; data: string }[]; opened: boolean };
      w.seen = [];
      w.opened = false;
      const source = new EventSource(statusUrl);
      source.onopen = () => (w.opened = true);
      source.addEventListener('status', (e) => {
        const message = e as MessageEvent<string>;
        w.seen.push({ type: message.type, id: message.lastEventId, data: message.data });
        if (/"status":"(succeeded|failed)"/.test(message.data)) source.close();
      });
    }, minted.statusUrl);
    await page.waitForFunction(() => (window as unknown as { opened: boolean }).opened, undefined, { timeout: 15_000 });

    // Mesh made the transfer (recorded at the shared sandbox), so instance A's look-up confirms it.
    const transferId = cluster.mesh!.recordTransfer({ clientTransactionId: minted.transactionId, status: 'succeeded' }).id;
    assert.equal(await postWebhook(a.url, cluster.webhookSecret, transferEvent(order, { transferId, status: 'pending' })), 200);
    await viaFetch.next((m) => statusOf(m).status === 'pending', 20_000);
    await page.waitForFunction(() => (window as unknown as { seen: unknown[] }).seen.length >= 1, undefined, { timeout: 20_000 });

    assert.equal(await postWebhook(a.url, cluster.webhookSecret, transferEvent(order, { transferId, status: 'succeeded' })), 200);
    await viaFetch.next((m) => statusOf(m).status === 'succeeded', 20_000);
    await viaFetch.ended;
    assert.ok(viaFetch.endedByServer, 'the stream ends after succeeded');
    await page.waitForFunction(() => (window as unknown as { seen: unknown[] }).seen.length >= 2, undefined, { timeout: 20_000 });
    const inBrowser = await page.evaluate(() => (window as unknown as { seen: { type: string; id: string; data: string }[] }).seen);

    const check = (messages: { id?: string; data: string }[], who: string) => {
      assert.deepEqual(messages.map((m) => (JSON.parse(m.data) as { status: string }).status), ['pending', 'succeeded'], who);
      for (const m of messages) {
        const data = JSON.parse(m.data) as { transactionId: string; transferId: string };
        assert.equal(data.transactionId, minted.transactionId, `${who}: only this transaction`);
        assert.equal(data.transferId, transferId, who);
      }
      const ids = messages.map((m) => Number(m.id));
      assert.ok(ids.every((id) => Number.isSafeInteger(id) && id > 0), `${who}: numeric ids ${ids}`);
      assert.ok(ids[1]! > ids[0]!, `${who}: ids increase (${ids})`);
    };
    check(viaFetch.messages.filter((m: StreamMessage) => m.event === 'status'), 'fetch client on B');
    check(inBrowser, 'Chromium EventSource on B');
  });
});
