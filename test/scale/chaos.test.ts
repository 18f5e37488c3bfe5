import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { startCluster, redisInteger, type Cluster } from './cluster.js';
import { percentiles, shuffle } from './latency.js';
import { LONG, scaleFactor } from './scale-profile.js';
import { mintOrder, postWebhook, readLedger, readOrder, redelivery, transferEvent, type OrderView } from './shop-client.js';
import { mapLimit, waitFor } from './wait-for.js';

/**
 * A bad day, all at once: Mesh delivering every `succeeded` several times (and once more under a
 * second EventId), instances SIGKILLed at random and replaced, redis-server killed -9 and restarted
 * mid-storm, and the merchant's ledger failing one credit attempt in five (DEMO_CREDIT_FAIL_ONE_IN).
 * Mesh retries every delivery that was not acknowledged, like the real one. At the end every
 * transfer is credited exactly once, and no event is dead or lost.
 */

const transfers = LONG ? 300 : 40;
const instances = LONG ? 3 : 2;
const kills = LONG ? 3 : 1;
let cluster: Cluster | undefined;

/** The long form's figures go into RESULTS.md, replacing the previous chaos row. */
function writeResults(row: string): void {
  const file = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
  const text = readFileSync(file, 'utf8');
  const line = `| Chaos (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC) | ${row.replace(/\|/g, '/')} |`;
  const next = /^\| Chaos \(.*$/m.test(text) ? text.replace(/^\| Chaos \(.*$/m, line) : text.replace(/^(\| Mesh down \/ slow \|.*)$/m, `$1\n${line}`);
  writeFileSync(file, next);
}

after(async () => {
  await cluster?.stop();
});

describe(`chaos (${LONG ? 'long' : 'short'}: ${transfers} transfers, ${instances} instances, ${kills} kill -9, one Redis restart)`, { timeout: 170_000 * scaleFactor }, () => {
  it('every transfer credited exactly once, none dead, none lost', async (t) => {
    const started = Date.now();
    cluster = await startCluster({ instances, env: { DEMO_CREDIT_FAIL_ONE_IN: '5' } });
    const c = cluster;
    const seed = Number(process.env.SCALE_SEED ?? Date.now() % 1_000_000);
    t.diagnostic(`seed ${seed} (replay the delivery order with SCALE_SEED=${seed})`);
    const live = () => c.instances[randomInt(c.instances.length)]!.url;

    const orders: OrderView[] = await mapLimit(Array.from({ length: transfers }, (_, i) => i), 6, async (i) => {
      const minted = await mintOrder(live(), `chaos-${i}`);
      return readOrder(live(), minted.orderId);
    });
    const deliveries = shuffle(
      orders.flatMap((order, i) => {
        const first = transferEvent(order, { transferId: `tr-chaos-${i}`, status: 'succeeded' });
        return [first, redelivery(first), redelivery(first), { ...redelivery(first), EventId: `${first.EventId}-again` }];
      }),
      seed,
    );

    // Mesh: at least once. A delivery that is refused, reset or never answered goes again, to
    // whichever instance the balancer picks, until one acknowledges it.
    let refusals = 0;
    const deliver = async (event: Record<string, string>): Promise<number> => {
      const first = Date.now();
      for (let attempt = 0; ; attempt++) {
        const status = await postWebhook(live(), c.webhookSecret, redelivery(event)).catch(() => 0);
        if (status === 200) return Date.now() - first;
        refusals++;
        if (Date.now() - first > 60_000 * scaleFactor) throw new Error(`${event.EventId} never acknowledged (last ${status})`);
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
      }
    };

    // The chaos runs beside the storm: each kill lands after another slice of deliveries went out.
    let sent = 0;
    const replacements: Promise<unknown>[] = [];
    const chaos = (async () => {
      const marks = Array.from({ length: kills + 1 }, (_, i) => Math.floor(((i + 1) * deliveries.length) / (kills + 2)));
      for (const [i, mark] of marks.entries()) {
        await waitFor(() => sent >= mark, { timeoutMs: 120_000 * scaleFactor, intervalMs: 20, what: `${mark} deliveries` });
        if (i === Math.floor(marks.length / 2)) {
          c.redis.kill9();
          await c.redis.restart();
          t.diagnostic(`redis-server killed -9 and restarted after ${sent} deliveries`);
        } else {
          const victim = c.instances[randomInt(c.instances.length)]!;
          await c.kill9(victim);
          t.diagnostic(`killed -9 ${victim.url} after ${sent} deliveries; starting a replacement`);
          // The storm goes on meanwhile, on whatever still runs.
          replacements.push(c.addInstance());
        }
      }
    })();
    const acks = await mapLimit(deliveries, 8, async (event) => {
      const ms = await deliver(event);
      sent++;
      return ms;
    });
    await chaos;
    await Promise.all(replacements);

    await waitFor(async () => (await redisInteger(c, 'HLEN', 'meshpay:records:ledger')) === transfers, {
      timeoutMs: 120_000 * scaleFactor,
      intervalMs: 250,
      what: `all ${transfers} transfers credited`,
    });
    await waitFor(async () => (await redisInteger(c, 'ZCARD', 'meshpay:inbox:due')) === 0, {
      timeoutMs: 60_000 * scaleFactor,
      intervalMs: 250,
      what: 'the inbox to drain',
    });
    const ledger = await readLedger(live());
    assert.equal(ledger.length, transfers, 'one entry per transfer');
    assert.deepEqual(new Set(ledger.map((e) => e.transferId)), new Set(orders.map((_, i) => `tr-chaos-${i}`)));
    assert.equal(await redisInteger(c, 'ZCARD', 'meshpay:inbox:dead'), 0, 'no event is dead');
    assert.equal(await redisInteger(c, 'HLEN', 'meshpay:inbox:events'), transfers * 2, 'every EventId is in the inbox: none lost');
    assert.equal(await redisInteger(c, 'HLEN', 'meshpay:marks:credit'), transfers, 'one credit mark per transfer');
    // A SIGKILLed process can die between its ledger write and its log line, so the log may show
    // fewer; never more: two successful writes for one transfer would be a double credit.
    const credits = c.output().match(/ledger: credited order/g)?.length ?? 0;
    assert.ok(credits <= transfers, `${credits} credits logged for ${transfers} transfers`);
    const failures = c.output().match(/failed on purpose/g)?.length ?? 0;
    assert.ok(failures > 0, 'the ledger did fail along the way');

    const ack = percentiles(acks);
    const figures =
      `${deliveries.length} deliveries (${refusals} refused or unanswered and retried), ack p50 ${ack.p50} ms p99 ${ack.p99} ms; ` +
      `${failures} credit attempts failed on purpose; ${transfers} credited once each; ${Math.round((Date.now() - started) / 1000)} s`;
    t.diagnostic(figures);
    if (LONG) writeResults(`${transfers} transfers on ${instances} instances, ${kills} kill -9 (each replaced), one redis-server kill -9 + restart mid-storm, ledger failing 1 in 5 (seed ${seed}): ${figures}; 0 dead, ${transfers * 2} EventIds in the inbox, ledger one entry per TransferId`);
  });
});
