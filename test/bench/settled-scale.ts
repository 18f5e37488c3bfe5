/**
 * 6. A million settled payments: does the kit still cost what is open? The same deployment is
 * measured on an empty store and after `BENCH_SETTLED` (default 1,000,000) settled payments were
 * loaded into it — each a transaction record, a `done` inbox entry, a status log, a credit mark and
 * a closed-transaction (retention) entry, written through the store's own API exactly as the kit
 * writes them. Measured on SQLite and Redis (AOF, fsync always), the kit in this process, Mesh's
 * local sandbox as Mesh:
 *
 * - a reconciliation sweep over the same 100 open, overdue transactions (what the kit's timer runs);
 * - the store's part of it alone (`claimReconcile`, one page);
 * - webhook ack latency (p50/p99) of `POST /mesh/webhook`, 10 in flight.
 *
 * The issue's goal: sweep and ack p99 within 1.2x of the empty store.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import express from 'express';
import { createMeshPay, signWebhookBody, type KitStore, type TransactionRecord } from '@mesh-pay/backend-kit';
import { redisStore } from '@mesh-pay/backend-kit/redis';
import { sqliteStore } from '@mesh-pay/backend-kit/sqlite';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, startMeshSandbox } from '@mesh-pay/mesh-sandbox';
import { startRedis } from './redis.js';
import { redisCommand } from '../../packages/backend-kit/test/redis-server.js';
import type { Goal, Section, Table } from './report.js';
import { int, ms, ratio, summarize } from './stats.js';

const SETTLED = Number(process.env.BENCH_SETTLED ?? 1_000_000);
const OPEN = 100;
const WAVE = 2000;
const ACKS = 2000;
const SWEEPS = 7;
const webhookSecret = 'bench-settled-webhook-secret';
const silent = { info: () => {}, warn: () => {}, error: () => {} };

const destination = { networkId: 'e3c7fdd8-b1fc-4e51-85ae-bb276e075611', chain: 'Ethereum', token: 'USDC', address: '0x52908400098527886E0F7030069857D2E4169EE7' };

function tx(transactionId: string, createdAt: number): TransactionRecord {
  return { transactionId, orderId: `order-${transactionId}`, userId: 'bench-user', amountInFiat: '25.00', destinations: [destination], createdAt };
}

interface Probe {
  sweep: number;
  claim: number;
  ackP50: number;
  ackP99: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? Number.NaN;

/** The 100 open transactions, all overdue again. */
async function reopen(store: KitStore): Promise<void> {
  for (let i = 0; i < OPEN; i++) await store.scheduleReconcile(`bench-open-${i}`, Date.now() - 1);
}

async function probe(store: KitStore, url: string, reconcileNow: () => Promise<void>): Promise<Probe> {
  await reopen(store);
  const sweeps: number[] = [];
  for (let i = 0; i < SWEEPS; i++) {
    await new Promise((r) => setTimeout(r, 5)); // reconcileAfterMs is 1 ms: all 100 are due again
    const t0 = performance.now();
    await reconcileNow();
    sweeps.push(performance.now() - t0);
  }
  const claims: number[] = [];
  for (let i = 0; i < SWEEPS; i++) {
    // Each claim is a full page: "now" steps past where the previous claim moved them.
    const at = Date.now() + 10_000 * (i + 1);
    const t0 = performance.now();
    const page = await store.claimReconcile(at, at + 1, 100);
    claims.push(performance.now() - t0);
    if (page.length !== OPEN) throw new Error(`claimReconcile returned ${page.length}, not ${OPEN}`);
  }
  await reopen(store);
  const latencies: number[] = [];
  let next = 0;
  const sentTimestamp = () => Math.floor(Date.now() / 1000);
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < ACKS) {
        next++;
        const body = JSON.stringify({
          EventId: randomUUID(), Id: randomUUID(), SentTimestamp: sentTimestamp(), TransferId: `bench-${randomUUID()}`,
          TransferStatus: 'pending', TransactionId: `bench-open-0`, Token: 'USDC', Chain: 'Ethereum',
        });
        const t0 = performance.now();
        const res = await fetch(`${url}/mesh/webhook`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'X-Mesh-Signature-256': signWebhookBody(webhookSecret, body) },
          body,
        });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  // Settle the probe's entries so the next phase starts from settled data only.
  for (;;) {
    const claimed = await store.claimInbox(Date.now(), 60_000, 1000);
    if (claimed.length === 0) break;
    await Promise.all(claimed.map((e) => store.settleInbox(e.event.eventId, 'done')));
  }
  const acks = summarize(latencies);
  return { sweep: median(sweeps), claim: median(claims), ackP50: acks.p50, ackP99: acks.p99 };
}

/** Writes `count` settled payments through the store's API, `WAVE` at a time. */
async function loadSettled(store: KitStore, count: number, log: (line: string) => void): Promise<number> {
  const t0 = performance.now();
  const run = randomUUID().slice(0, 8);
  const now = Date.now();
  for (let start = 0; start < count; start += WAVE) {
    const ids = Array.from({ length: Math.min(WAVE, count - start) }, (_, i) => `s-${run}-${start + i}`);
    await Promise.all(
      ids.map(async (id) => {
        await store.saveTransaction(tx(id, now - 3600_000));
        await store.addToInbox({ eventId: `e-${id}`, id: `d-${id}`, transferId: `t-${id}`, transactionId: id, status: 'succeeded', sourceAmount: '25.00', token: 'USDC', chain: 'Ethereum', destinationAddress: destination.address }, now);
      }),
    );
    const claimed = await store.claimInbox(now + 1, 1000, ids.length);
    await Promise.all(claimed.map((e) => store.settleInbox(e.event.eventId, 'done')));
    await Promise.all(
      ids.map((id) =>
        Promise.all([
          store.appendStatus({ transactionId: id, transferId: `t-${id}`, status: 'succeeded', sourceAmount: '25.00', token: 'USDC', chain: 'Ethereum', at: new Date(now).toISOString() }),
          store.markOnce('credit', `t-${id}`),
          store.closeTransaction(id, now),
        ]),
      ),
    );
    if ((start / WAVE) % 50 === 0) log(`  ${int(start + ids.length)} / ${int(count)} settled payments loaded`);
  }
  return (performance.now() - t0) / 1000;
}

/**
 * Loading grows the AOF enough to trigger Redis's background rewrite, whose disk traffic would be
 * charged to the acks that follow: wait until it is over (a deployment meets it once per doubling).
 */
async function aofQuiet(url: string): Promise<void> {
  const port = Number(new URL(url).port);
  for (let i = 0; i < 600; i++) {
    const info = await redisCommand(port, ['INFO', 'persistence']);
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface Row {
  store: string;
  empty: Probe;
  full: Probe;
  loadSeconds: number;
  size?: string;
}

async function measureStore(name: 'sqlite' | 'redis', meshUrl: string): Promise<Row> {
  const temp = mkdtempSync(join(tmpdir(), 'mesh-pay-bench-settled-'));
  const redis = name === 'redis' ? await startRedis() : undefined;
  const file = join(temp, 'settled.db');
  const store = name === 'sqlite' ? sqliteStore(file) : redisStore(`${redis!.url}/0`, { logger: { warn: () => {} } });
  const kit = createMeshPay({
    store,
    mesh: { clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, apiUrl: meshUrl },
    webhookSecret,
    kitSecret: 'bench-kit-secret-at-least-16-chars',
    resolveOrder: async () => undefined,
    reconcileAfterMs: 1,
    reconcileIntervalMs: 3_600_000,
    retention: false,
    rateLimit: false,
    logger: silent,
  });
  const app = express();
  app.use('/mesh', kit.router);
  const server: Server = await new Promise((ok) => {
    const s = app.listen(0, '127.0.0.1', () => ok(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    // The open work, the same in both phases: 100 transactions waiting for a terminal status.
    for (let i = 0; i < OPEN; i++) {
      await store.saveTransaction(tx(`bench-open-${i}`, Date.now() - 60_000));
      await store.scheduleReconcile(`bench-open-${i}`, Date.now() - 1);
    }
    console.log(`bench: settled-scale ${name}: warm-up, then the empty store`);
    await probe(store, url, () => kit.reconcileNow());
    const empty = await probe(store, url, () => kit.reconcileNow());
    console.log(`bench: settled-scale ${name}: loading ${int(SETTLED)} settled payments`);
    // Loading is not what is measured: let Redis fsync once a second while it runs, then go back
    // to fsync on every write (and wait out the AOF rewrite the growth triggers) before measuring.
    const redisPort = redis ? Number(new URL(redis.url).port) : undefined;
    if (redisPort) await redisCommand(redisPort, ['CONFIG', 'SET', 'appendfsync', 'everysec']);
    const loadSeconds = await loadSettled(store, SETTLED, (line) => console.log(line));
    if (redisPort) await redisCommand(redisPort, ['CONFIG', 'SET', 'appendfsync', 'always']);
    if (redis) await aofQuiet(redis.url);
    console.log(`bench: settled-scale ${name}: full store`);
    const full = await probe(store, url, () => kit.reconcileNow());
    const size = name === 'sqlite' ? `${(statSync(file).size / 2 ** 20).toFixed(0)} MiB file` : undefined;
    return { store: name === 'sqlite' ? 'SQLite' : 'Redis', empty, full, loadSeconds, ...(size ? { size } : {}) };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
    await kit.close();
    await store.close();
    await redis?.stop();
    rmSync(temp, { recursive: true, force: true });
  }
}

export async function measure(): Promise<Section> {
  const mesh = await startMeshSandbox({ clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET });
  const rows: Row[] = [];
  try {
    for (const name of ['sqlite', 'redis'] as const) rows.push(await measureStore(name, mesh.url));
  } finally {
    await mesh.close();
  }
  const table: Table = {
    caption: `Empty store vs. the same store holding ${int(SETTLED)} settled payments (medians of ${SWEEPS} sweeps; ${int(ACKS)} webhooks, 10 in flight)`,
    rows: [
      ['store', 'sweep (100 open) empty → full', 'ratio', 'store claim (1 page) empty → full', 'ack p50 empty → full', 'ack p99 empty → full', 'ratio p99', `loading ${int(SETTLED)}`],
      ...rows.map((r) => [
        r.store,
        `${ms(r.empty.sweep)} → ${ms(r.full.sweep)}`,
        ratio(r.full.sweep, r.empty.sweep),
        `${ms(r.empty.claim)} → ${ms(r.full.claim)}`,
        `${ms(r.empty.ackP50)} → ${ms(r.full.ackP50)}`,
        `${ms(r.empty.ackP99)} → ${ms(r.full.ackP99)}`,
        ratio(r.full.ackP99, r.empty.ackP99),
        `${Math.round(r.loadSeconds)} s${r.size ? ` (${r.size})` : ''}`,
      ]),
    ],
  };
  const goals: Goal[] = rows.flatMap((r) => [
    { goal: `${r.store}: reconciliation sweep with ${int(SETTLED)} settled within 1.2x of empty`, figure: ratio(r.full.sweep, r.empty.sweep), met: r.full.sweep <= 1.2 * r.empty.sweep },
    { goal: `${r.store}: webhook ack p99 with ${int(SETTLED)} settled within 1.2x of empty`, figure: ratio(r.full.ackP99, r.empty.ackP99), met: r.full.ackP99 <= 1.2 * r.empty.ackP99 },
  ]);
  return {
    id: 'settled-scale',
    title: '6. A million settled payments',
    method:
      `The kit in this process on SQLite and on Redis (AOF, fsync always), Mesh's local sandbox as Mesh. Measured on the empty store, then after ` +
      `${int(SETTLED)} settled payments (\`BENCH_SETTLED\`) were written through the store's API (transaction, done inbox entry, status, credit mark, ` +
      'closed-transaction entry each; Redis loads with `appendfsync everysec`, then measures with `always` after its AOF rewrite finished): ' +
      `a reconciliation sweep over the same ${OPEN} open, overdue transactions (the store's reconciliation index ` +
      `plus one Mesh lookup each), the store's \`claimReconcile\` page alone, and the ack latency of ${int(ACKS)} webhooks. The worker is not started, ` +
      'so acks measure the webhook path alone.',
    tables: [table],
    goals,
    notes: ['Before the reconciliation index, a sweep read every transaction ever minted (`LRANGE 0 -1` on Redis), so its cost grew with this table\'s left column.'],
  };
}
