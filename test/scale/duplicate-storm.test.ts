import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, redisInteger, type Cluster } from './cluster.js';
import { percentiles, shuffle } from './latency.js';
import { profile, scaleFactor } from './scale-profile.js';
import { mintOrder, postWebhook, readLedger, readOrder, redelivery, transferEvent, type OrderView } from './shop-client.js';
import { mapLimit, waitFor } from './wait-for.js';

/**
 * Mesh delivers at least once: every `succeeded` arrives five times (same EventId, new delivery Id),
 * and once more under a second EventId, all shuffled and spread over every instance at once. The
 * merchant's ledger must show exactly one credit per transfer.
 */

let cluster: Cluster;

before(async () => {
  cluster = await startCluster({ instances: profile.instances });
});

after(async () => {
  await cluster?.stop();
});

describe(`duplicate storm (${profile.name}: ${profile.transfers} transfers, ${profile.instances} instances)`, { timeout: 150_000 * scaleFactor }, () => {
  it('exactly one ledger credit per TransferId, whatever the duplicates and instances', async (t) => {
    const n = profile.transfers;
    const instances = cluster.instances;
    const urlOf = (i: number) => instances[i % instances.length]!.url;
    const seed = Number(process.env.SCALE_SEED ?? Date.now() % 1_000_000);
    t.diagnostic(`seed ${seed} (replay with SCALE_SEED=${seed})`);

    // Shoppers mint through whichever instance the balancer gives them.
    const mintStarted = Date.now();
    const orders: OrderView[] = await mapLimit(
      Array.from({ length: n }, (_, i) => i),
      8,
      async (i) => {
        const minted = await mintOrder(urlOf(i), `storm-${i}`);
        return readOrder(urlOf(i + 1), minted.orderId);
      },
    );
    const mintMs = Date.now() - mintStarted;

    // Five deliveries of one EventId plus one delivery of a second EventId, per transfer.
    const deliveries = orders.flatMap((order, i) => {
      const transferId = `tr-storm-${i}`;
      const first = transferEvent(order, { transferId, status: 'succeeded', sourceAmount: `25.${String(i).padStart(6, '0')}000000000001` });
      const second = { ...redelivery(first), EventId: `${first.EventId}-again` };
      return [first, redelivery(first), redelivery(first), redelivery(first), redelivery(first), second];
    });
    const storm = shuffle(deliveries, seed);

    const stormStarted = Date.now();
    const acks: { status: number; ms: number }[] = await mapLimit(storm, profile.inFlight, async (event, i) => {
      const started = Date.now();
      const status = await postWebhook(urlOf(i * 7 + (seed % 5)), cluster.webhookSecret, event);
      return { status, ms: Date.now() - started };
    });
    const stormMs = Date.now() - stormStarted;
    const refused = acks.filter((a) => a.status !== 200);
    assert.equal(refused.length, 0, `every delivery is acknowledged 200 (got ${[...new Set(refused.map((r) => r.status))]})`);

    // Done when the shared inbox has nothing left to do; then count.
    await waitFor(async () => (await redisInteger(cluster, 'ZCARD', 'meshpay:inbox:due')) === 0, {
      timeoutMs: 90_000 * scaleFactor,
      intervalMs: 250,
      what: 'the shared inbox to drain',
    });
    const drainedMs = Date.now() - stormStarted;

    assert.equal(await redisInteger(cluster, 'HLEN', 'meshpay:inbox:events'), 2 * n, 'one inbox entry per EventId');
    for (const instance of instances) {
      const ledger = await readLedger(instance.url);
      const counts = new Map<string, number>();
      for (const e of ledger) counts.set(e.transferId, (counts.get(e.transferId) ?? 0) + 1);
      const twice = [...counts].filter(([, c]) => c > 1);
      const strangers = ledger.filter((e) => !/^tr-storm-\d+$/.test(e.transferId));
      assert.equal(
        ledger.length,
        n,
        `instance ${instance.url} shows exactly ${n} credits; credited more than once: ${JSON.stringify(twice)}; ` +
          `unknown: ${JSON.stringify(strangers)}; ledger list length ${await redisInteger(cluster, 'LLEN', 'meshpay:records-order:ledger')}, ` +
          `hash length ${await redisInteger(cluster, 'HLEN', 'meshpay:records:ledger')}`,
      );
    }
    const ledger = await readLedger(instances[0]!.url);
    const byTransfer = new Map(ledger.map((e) => [e.transferId, e]));
    assert.equal(byTransfer.size, n, 'one entry per TransferId');
    orders.forEach((order, i) => {
      const entry = byTransfer.get(`tr-storm-${i}`);
      assert.ok(entry, `transfer ${i} credited`);
      assert.equal(entry.orderId, order.orderId);
      assert.equal(entry.transactionId, order.transactionId);
      assert.equal(entry.sourceAmount, `25.${String(i).padStart(6, '0')}000000000001`, 'the amount exactly as sent');
    });
    const dead = await redisInteger(cluster, 'HLEN', 'meshpay:inbox:error');
    const lat = percentiles(acks.map((a) => a.ms));
    t.diagnostic(
      `figures: ${n} transfers, ${storm.length} webhooks over ${instances.length} instances, ${profile.inFlight} in flight; ` +
        `mint+read ${mintMs} ms (${((n / mintMs) * 1000).toFixed(0)}/s); ` +
        `storm acked in ${stormMs} ms (${((storm.length / stormMs) * 1000).toFixed(0)} webhooks/s, ack p50 ${lat.p50} ms, p99 ${lat.p99} ms, max ${lat.max} ms); ` +
        `inbox drained ${drainedMs} ms after the first delivery; ledger ${ledger.length}; inbox entries with an error note: ${dead}`,
    );
  });
});
