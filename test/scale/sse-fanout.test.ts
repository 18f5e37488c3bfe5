import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, subscribedStatusChannels, vmRssKiB, type Cluster } from './cluster.js';
import { openStream, statusOf, type OpenStream } from './event-stream.js';
import { profile, scaleFactor } from './scale-profile.js';
import { mintOrder, postWebhook, readLedger, readOrder, transferEvent, type OrderView, type MintedOrder } from './shop-client.js';
import { mapLimit, waitFor } from './wait-for.js';

/**
 * Many shoppers watching at once: every one holds a status stream for their own transaction on the
 * same instance. Each must see its own transfer and nobody else's; memory per open stream is
 * measured from outside (VmRSS of the demo process); once the shoppers are gone, no subscription
 * may stay behind. Listeners are counted on the Redis server (PUBSUB CHANNELS over the kit's status
 * channels), which sees every instance's subscriptions without reaching into the process.
 */

let cluster: Cluster;
const streams: OpenStream[] = [];

before(async () => {
  // The demo caps streams per instance (MESH_MAX_STREAMS, 1000 by default); the long profile opens more.
  cluster = await startCluster({ instances: 1, env: { MESH_MAX_STREAMS: String(Math.max(1000, profile.streams + 100)) } });
});

after(async () => {
  for (const s of streams) s.close();
  await cluster?.stop();
});

describe(`SSE fan-out (${profile.name}: ${profile.streams} concurrent streams on one instance)`, { timeout: 120_000 * scaleFactor }, () => {
  it('each stream receives exactly its own transaction’s events; memory per stream measured; no listener left after disconnect', async (t) => {
    const n = profile.streams;
    const instance = cluster.instances[0]!;
    const pid = instance.child.pid!;

    const minted: MintedOrder[] = await mapLimit(Array.from({ length: n }, (_, i) => i), 16, (i) => mintOrder(instance.url, `sse-${i}`));
    const orders: OrderView[] = await mapLimit(minted, 16, (m) => readOrder(instance.url, m.orderId));

    // Warm the stream code path, then measure the idle baseline.
    const warm = Array.from({ length: 10 }, (_, i) => openStream(`${instance.url}${minted[i]!.statusUrl}`));
    await Promise.all(warm.map((s) => s.live));
    for (const s of warm) s.close();
    await waitFor(async () => (await subscribedStatusChannels(cluster)) === 0, { timeoutMs: 10_000, what: 'warm-up streams to unsubscribe' });
    const rssBefore = vmRssKiB(pid);

    const openStarted = Date.now();
    for (const m of minted) streams.push(openStream(`${instance.url}${m.statusUrl}`));
    await Promise.all(streams.map((s) => s.live));
    const openMs = Date.now() - openStarted;
    const rssOpen = vmRssKiB(pid);
    assert.equal(await subscribedStatusChannels(cluster), n, 'one Redis subscription per watched transaction');

    // Every transfer goes pending; every shopper sees their own.
    const pendingStarted = Date.now();
    await mapLimit(orders, profile.inFlight, async (order, i) => {
      assert.equal(await postWebhook(instance.url, cluster.webhookSecret, transferEvent(order, { transferId: `tr-sse-${i}`, status: 'pending' })), 200);
    });
    await Promise.all(streams.map((s) => s.next((m) => m.event === 'status', 60_000 * scaleFactor)));
    const pendingMs = Date.now() - pendingStarted;
    const rssDelivered = vmRssKiB(pid);

    // The first half are paid (the server ends those streams); the second half's shoppers walk away.
    const half = Math.floor(n / 2);
    await mapLimit(orders.slice(0, half), profile.inFlight, async (order, i) => {
      assert.equal(await postWebhook(instance.url, cluster.webhookSecret, transferEvent(order, { transferId: `tr-sse-${i}`, status: 'succeeded' })), 200);
    });
    await Promise.all(streams.slice(0, half).map((s) => s.ended));
    for (const s of streams.slice(half)) s.close();
    await Promise.all(streams.slice(half).map((s) => s.ended));

    streams.forEach((s, i) => {
      const seen = s.messages.filter((m) => m.event === 'status').map(statusOf);
      const expected = i < half ? ['pending', 'succeeded'] : ['pending'];
      assert.deepEqual(seen.map((d) => d.status), expected, `stream ${i}`);
      for (const d of seen) {
        assert.equal(d.transactionId, orders[i]!.transactionId, `stream ${i} saw only its own transaction`);
        assert.equal(d.transferId, `tr-sse-${i}`, `stream ${i} saw only its own transfer`);
      }
      if (i < half) assert.ok(s.endedByServer, `stream ${i} was ended by the server after succeeded`);
    });

    await waitFor(async () => (await subscribedStatusChannels(cluster)) === 0, {
      timeoutMs: 20_000,
      intervalMs: 200,
      what: 'every status subscription to be released after the shoppers left',
    });
    await waitFor(async () => ((await readLedger(instance.url)).length === half ? true : undefined), {
      timeoutMs: 60_000 * scaleFactor,
      intervalMs: 250,
      what: `${half} credits`,
    });
    const rssAfter = vmRssKiB(pid);
    const perStream = ((rssOpen - rssBefore) / n).toFixed(1);
    t.diagnostic(
      `figures: ${n} streams opened and live in ${openMs} ms; pending delivered to all in ${pendingMs} ms; ` +
        `VmRSS ${rssBefore} KiB idle → ${rssOpen} KiB with ${n} open (${perStream} KiB per stream) → ${rssDelivered} KiB after delivery → ${rssAfter} KiB after all closed; ` +
        `Redis status subscriptions after disconnect: 0`,
    );
  });
});
