import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startCluster, redisInteger, redisText, type Cluster } from './cluster.js';
import { mapLimit, waitFor } from './wait-for.js';
import { mintOrder, postWebhook, readLedger, readOrder, transferEvent } from './shop-client.js';
import { scaleFactor } from './scale-profile.js';

/**
 * Crashes between "200 OK" and "credited". Fulfilment is made slow (DEMO_CREDIT_DELAY_MS) so the
 * crash lands inside it. Whatever dies — the instance or Redis — an acknowledged webhook is credited
 * later, exactly once.
 *
 * The inbox worker leases an entry for 15 s (the kit's default `leaseMs`, renewed while a hook runs; not configurable through
 * the demo's environment), so an entry claimed by a killed instance is picked up again only once the
 * lease lapses: the deadlines below allow for that.
 */

// Long enough that the kill lands inside the hook even on a loaded machine (the test checks it did).
const CREDIT_DELAY_MS = 3000;
const clusters: Cluster[] = [];

after(async () => {
  await Promise.allSettled(clusters.map((c) => c.stop()));
});

/** Reads the shared ledger straight from Redis, so it can be counted while no instance runs. */
const ledgerSize = (cluster: Cluster) => redisInteger(cluster, 'HLEN', 'meshpay:records:ledger');

// Both crashes wait out a lease; they run side by side (each with its own Redis and instances).
describe('crashes after the 200 and before fulfilment finished', { concurrency: true, timeout: 170_000 * scaleFactor }, () => {
  it('kill -9 of the instance: after a restart the credit happens, exactly once', async () => {
    const cluster = await startCluster({ instances: 1, env: { DEMO_CREDIT_DELAY_MS: String(CREDIT_DELAY_MS) } });
    clusters.push(cluster);
    const first = cluster.instances[0]!;
    const minted = await mintOrder(first.url, 'crash-instance-1');
    const order = await readOrder(first.url, minted.orderId);
    const event = transferEvent(order, { transferId: 'tr-crash-instance-1', status: 'succeeded' });

    assert.equal(await postWebhook(first.url, cluster.webhookSecret, event), 200);
    // The worker has claimed it (attempt 1) and is inside the slow fulfilment hook: kill it now.
    await waitFor(async () => Number(await redisText(cluster, 'HGET', 'meshpay:inbox:attempts', event.EventId!)) >= 1, {
      timeoutMs: 5000,
      intervalMs: 10,
      what: 'the worker to claim the event',
    });
    await cluster.kill9(first);
    assert.equal(await ledgerSize(cluster), 0, 'the killed instance did not get to credit');

    const second = await cluster.addInstance();
    const credited = await waitFor(async () => {
      const ledger = await readLedger(second.url);
      return ledger.length > 0 ? ledger : undefined;
    }, { timeoutMs: 90_000, intervalMs: 250, what: 'the restarted instance to credit the order' });
    // Let the inbox settle fully, then nothing more may appear.
    await waitFor(async () => (await redisInteger(cluster, 'ZCARD', 'meshpay:inbox:due')) === 0, {
      timeoutMs: 30_000,
      what: 'the inbox to drain',
    });
    const ledger = await readLedger(second.url);
    assert.equal(ledger.length, 1, `exactly one credit, got ${JSON.stringify(credited)}`);
    assert.equal(ledger[0]!.transferId, 'tr-crash-instance-1');
    assert.equal(ledger[0]!.orderId, order.orderId);
  });

  it('kill -9 of redis-server (appendonly yes, appendfsync always): no acknowledged webhook is lost, each credited once', async (t) => {
    const cluster = await startCluster({ instances: 1, env: { DEMO_CREDIT_DELAY_MS: String(CREDIT_DELAY_MS) } });
    clusters.push(cluster);
    const instance = cluster.instances[0]!;
    const k = 24;
    const orders = await mapLimit(Array.from({ length: k }, (_, i) => i), 6, async (i) =>
      readOrder(instance.url, (await mintOrder(instance.url, `crash-redis-${i}`)).orderId),
    );
    const events = orders.map((order, i) => transferEvent(order, { transferId: `tr-crash-redis-${i}`, status: 'succeeded' }));
    const before = events.slice(0, k / 2);
    const during = events.slice(k / 2);

    // Half are acknowledged before the crash; their fulfilment is still sleeping when Redis dies.
    const acked = await Promise.all(before.map((e) => postWebhook(instance.url, cluster.webhookSecret, e)));
    assert.deepEqual(acked, before.map(() => 200));
    const keysBefore = await redisInteger(cluster, 'DBSIZE');
    cluster.redis.kill9();
    // The other half arrive while Redis is down: each is either refused (Mesh retries it) or held and acknowledged later.
    const duringAnswers = during.map((e) =>
      postWebhook(instance.url, cluster.webhookSecret, e).catch(() => 0),
    );
    await cluster.redis.restart();
    const keysAfter = await redisInteger(cluster, 'DBSIZE');
    t.diagnostic(`Redis keys: ${keysBefore} before the kill -9, ${keysAfter} after the restart`);
    assert.ok(keysAfter >= keysBefore, 'nothing Redis had acknowledged is gone');

    const lost: string[] = [];
    for (const event of before) {
      if ((await redisInteger(cluster, 'HEXISTS', 'meshpay:inbox:events', event.EventId!)) !== 1) lost.push(event.EventId!);
    }
    assert.deepEqual(lost, [], `acknowledged events lost in the Redis crash (inbox now holds ${await redisInteger(cluster, 'HLEN', 'meshpay:inbox:events')}, transactions ${await redisInteger(cluster, 'DBSIZE')} keys)`);
    // Mesh retries whatever was not acknowledged, until it is.
    const answers = await Promise.all(duringAnswers);
    let retried = 0;
    await mapLimit(during, 6, async (event, i) => {
      if (answers[i] === 200) return;
      retried++;
      await waitFor(async () => (await postWebhook(instance.url, cluster.webhookSecret, event).catch(() => 0)) === 200, {
        timeoutMs: 30_000,
        intervalMs: 500,
        what: `a retry of ${event.EventId} to be acknowledged`,
      });
    });
    t.diagnostic(`during the outage: ${answers.filter((a) => a === 200).length} held and acknowledged, ${retried} refused and retried (answers ${[...new Set(answers)]})`);

    await waitFor(async () => ((await ledgerSize(cluster)) === k ? true : undefined), {
      timeoutMs: 90_000 * scaleFactor,
      intervalMs: 250,
      what: `all ${k} orders to be credited`,
    });
    await waitFor(async () => (await redisInteger(cluster, 'ZCARD', 'meshpay:inbox:due')) === 0, {
      timeoutMs: 90_000,
      what: 'the inbox to drain',
    });
    const ledger = await readLedger(instance.url);
    assert.equal(ledger.length, k, 'exactly one credit per transfer');
    assert.deepEqual(new Set(ledger.map((e) => e.transferId)), new Set(events.map((e) => e.TransferId)));
  });
});
