/**
 * 3. Webhook ack: how fast `/mesh/webhook` answers Mesh, under load (autocannon, saturating) and at
 * a steady 1,000 req/s, for the kit on SQLite and on Redis, against a bare Express route that only
 * verifies the HMAC. Each server runs in a child process; autocannon runs here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import autocannon, { type Result } from 'autocannon';
import { startChildServer, type ChildServer } from './child-server.js';
import { startRedis } from './redis.js';
import type { Section } from './report.js';
import { int, ms, ratio, summarize, type Summary } from './stats.js';
import { signatureHeader, transferWebhook, type SignedWebhook } from './webhook-bodies.js';
import { kitAvailable, mintTransaction } from './kit-client.js';
import { pacedLoad, type PacedResult } from './paced-load.js';

const webhookSecret = 'bench-webhook-secret';
const kitSecret = 'bench-kit-secret-at-least-16-chars';
const connections = 20;
const saturateSeconds = 8;
const rateSeconds = 8;
const fixedRate = 1000;

interface Pool {
  next(): SignedWebhook;
  used(): number;
  size: number;
}

/**
 * Distinct, validly signed webhooks, made before the run so the load generator spends no CPU on
 * HMACs: two per transfer (`pending`, then `succeeded`), each with its own EventId, so the kit's
 * dedupe never short-circuits a request. Past the pool's end bodies repeat (counted and reported).
 */
function makePool(size: number, transactionIds: string[]): Pool {
  const run = randomUUID().slice(0, 8);
  const hooks: SignedWebhook[] = [];
  for (let i = 0; i < size; i++) {
    hooks.push(
      transferWebhook(webhookSecret, {
        transactionId: transactionIds[Math.floor(i / 2) % transactionIds.length]!,
        transferId: `bench-${run}-${Math.floor(i / 2)}`,
        status: i % 2 === 0 ? 'pending' : 'succeeded',
      }),
    );
  }
  let n = 0;
  return { next: () => hooks[n++ % size]!, used: () => n, size };
}

async function load(url: string, pool: Pool, options: { duration: number; overallRate?: number }): Promise<Result> {
  return autocannon({
    url: `${url}/mesh/webhook`,
    method: 'POST',
    connections,
    duration: options.duration,
    timeout: 10,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    requests: [
      {
        setupRequest: (request) => {
          const hook = pool.next();
          return {
            ...request,
            body: hook.body,
            headers: { ...request.headers, 'content-type': 'application/json', [signatureHeader]: hook.signature },
          };
        },
      },
    ],
  });
}

interface TargetResult {
  name: string;
  saturated: Result;
  /** autocannon `overallRate` (bursty, see paced-load.ts). */
  bursts: Result;
  paced: PacedResult & { summary: Summary };
  repeats: number;
}

async function measureTarget(name: string, server: ChildServer, transactionIds: string[]): Promise<TargetResult> {
  const pool = (size: number) => makePool(size, transactionIds);
  let repeats = 0;
  const count = (p: Pool) => (repeats += Math.max(0, p.used() - p.size));
  // Quiet server first: each run starts after the previous run's fulfilment backlog has drained,
  // and the saturating run, which leaves the biggest backlog, comes last.
  const warm = pool(10_000);
  await load(server.url, warm, { duration: 2 }); // JIT, caches, store
  count(warm);
  await server.settle();
  const pacedPool = pool(fixedRate * rateSeconds);
  const paced = await pacedLoad(
    server.url,
    () => {
      const hook = pacedPool.next();
      return { path: '/mesh/webhook', body: hook.body, headers: { 'content-type': 'application/json', [signatureHeader]: hook.signature } };
    },
    { rate: fixedRate, seconds: rateSeconds },
  );
  count(pacedPool);
  await server.settle();
  const burstPool = pool(fixedRate * rateSeconds + 2_000);
  const bursts = await load(server.url, burstPool, { duration: rateSeconds, overallRate: fixedRate });
  count(burstPool);
  await server.settle();
  const saturatedPool = pool(100_000);
  const saturated = await load(server.url, saturatedPool, { duration: saturateSeconds });
  count(saturatedPool);
  return { name, saturated, bursts, paced: { ...paced, summary: summarize(paced.latencies) }, repeats };
}

function failures(r: Result): number {
  return r.non2xx + r.errors + r.timeouts;
}

export async function measure(): Promise<Section> {
  const results: TargetResult[] = [];
  const notes: string[] = [];

  const bare = await startChildServer('bare-webhook', { webhookSecret });
  try {
    results.push(await measureTarget('bare HMAC route (baseline)', bare, ['bench-transaction']));
  } finally {
    await bare.close();
  }

  if (!(await kitAvailable())) {
    notes.push('The backend kit has not landed: only the baseline was measured.');
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-pay-bench-ack-'));
    try {
      const sqlite = await startChildServer('kit', { store: `sqlite:${join(dir, 'kit.db')}`, webhookSecret, kitSecret });
      try {
        const txs = await Promise.all(Array.from({ length: 8 }, () => mintTransaction(sqlite.url)));
        results.push(await measureTarget('kit, SQLite store', sqlite, txs.map((t) => t.transactionId)));
      } finally {
        await sqlite.close();
      }
      const redis = await startRedis();
      try {
        const kit = await startChildServer('kit', { store: redis.url, webhookSecret, kitSecret });
        try {
          const txs = await Promise.all(Array.from({ length: 8 }, () => mintTransaction(kit.url)));
          results.push(await measureTarget('kit, Redis store', kit, txs.map((t) => t.transactionId)));
        } finally {
          await kit.close();
        }
      } finally {
        await redis.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const base = results[0]!;
  const saturatedRows = [
    ['server', 'req/s', 'vs bare', 'p50', 'p99', 'failed'],
    ...results.map((r) => [
      r.name,
      int(r.saturated.requests.average),
      ratio(r.saturated.requests.average, base.saturated.requests.average),
      `${r.saturated.latency.p50} ms`,
      `${r.saturated.latency.p99} ms`,
      int(failures(r.saturated)),
    ]),
  ];
  const rateRows = [
    ['server', 'paced p50', 'paced p99', 'paced max', 'achieved', 'failed', 'generator stall', `autocannon overallRate p50`, 'p99', 'failed'],
    ...results.map((r) => [
      r.name,
      ms(r.paced.summary.p50),
      ms(r.paced.summary.p99),
      ms(r.paced.summary.max),
      `${int(r.paced.achievedRate)} req/s`,
      int(r.paced.failures),
      ms(r.paced.generatorStallMs),
      `${r.bursts.latency.p50} ms`,
      `${r.bursts.latency.p99} ms`,
      int(failures(r.bursts)),
    ]),
  ];
  const goals = results.slice(1).flatMap((r) => {
    const throughputRatio = r.saturated.requests.average / base.saturated.requests.average;
    return [
      {
        goal: `${r.name}: ≥ 0.5x the bare route's throughput`,
        figure: `${throughputRatio.toFixed(2)}x (${int(r.saturated.requests.average)} vs ${int(base.saturated.requests.average)} req/s)`,
        met: throughputRatio >= 0.5 && failures(r.saturated) === 0,
      },
      {
        goal: `${r.name}: p99 < 20 ms at ${int(fixedRate)} req/s`,
        figure: `p99 ${ms(r.paced.summary.p99)} (paced); autocannon bursts p99 ${r.bursts.latency.p99} ms`,
        met: r.paced.summary.p99 < 20 && r.paced.failures === 0,
      },
    ];
  });
  for (const r of results) {
    if (r.saturated.requests.average < fixedRate) {
      notes.push(
        `${r.name} answered ${int(r.saturated.requests.average)} req/s saturated, under the ${int(fixedRate)} req/s offered: at that rate a queue ` +
          'builds for the whole run, so its paced latencies are mostly time spent waiting in that queue.',
      );
    }
    if (r.repeats > 0) notes.push(`${r.name}: ${int(r.repeats)} requests reused a body (a pool ran out), so they took the duplicate path.`);
    const failed = failures(r.saturated) + failures(r.bursts) + r.paced.failures;
    if (failed > 0) notes.push(`${r.name}: ${int(failed)} requests failed (non-2xx, errors or timeouts); a run with failures does not meet its goal.`);
  }
  return {
    id: 'webhook-ack',
    title: '3. Webhook ack',
    method: `
Validly signed Mesh transfer webhooks POSTed to \`/mesh/webhook\` of a server running in its own Node
process; the load generator runs in the benchmark process. Bodies are made before each run: two per
transfer (\`pending\`, then \`succeeded\`) with a fresh \`EventId\` each, rotated through autocannon's
\`setupRequest\`, so no request is a duplicate. **Ours:** the backend kit (verify, parse, store durably,
200; fulfilment runs after the answer in the same process and competes for the CPU, as in production),
with a SQLite file store and with a local redis-server (AOF on). **Baseline:** a bare Express route that
reads the raw body, HMAC-SHA256s it and compares with \`crypto.timingSafeEqual\`, then answers 200, as
Mesh's docs show: no parsing, no storage, no dedupe.

Per server, in this order, each run starting once the server's CPU has gone quiet (its fulfilment
backlog drained): 2 s warm-up; ${rateSeconds} s at ${int(fixedRate)} req/s with an open-loop paced generator
(test/bench/paced-load.ts; requests still unanswered 10 s after the last was due count as failed);
${rateSeconds} s at ${int(fixedRate)} req/s with autocannon's \`overallRate\`; ${saturateSeconds} s saturated by autocannon 8 with
${connections} connections (req/s, p50, p99). The goal is judged on the paced run:
autocannon's \`overallRate\` lets each connection fire its per-second share back to back and then idle
until the next second, so it measures a burst of ${int(fixedRate)} requests, not a steady rate (shown for
reference). The paced generator sends request *i* at start + *i* ms and measures from that due time.
Server and load generator share the ${cpus().length} cores; autocannon's histogram has 1 ms resolution.`,
    tables: [
      { caption: `Saturated (${connections} connections, ${saturateSeconds} s)`, rows: saturatedRows },
      { caption: `At ${int(fixedRate)} req/s (${rateSeconds} s each)`, rows: rateRows },
    ],
    goals,
    notes,
  };
}
