/**
 * 3. Webhook ack: how fast `/mesh/webhook` answers Mesh, under load (autocannon, saturating) and at
 * a steady 1,000 req/s, for the kit on SQLite, Redis and PostgreSQL, against a bare Express route that only
 * verifies the HMAC. Each server runs in a child process; autocannon runs here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import autocannon, { type Result } from 'autocannon';
import { startChildServer, type ChildServer } from './child-server.js';
import { startPostgres } from './postgres.js';
import { startRedis } from './redis.js';
import type { Section } from './report.js';
import { int, ms, ratio, summarize, type Summary } from './stats.js';
import { signatureHeader, transferWebhook, type SignedWebhook } from './webhook-bodies.js';
import { kitAvailable, mintTransaction } from './kit-client.js';
import { pacedLoad, type PacedResult } from './paced-load.js';
import { fsyncLatency } from './machine.js';

const webhookSecret = 'bench-webhook-secret';
const kitSecret = 'bench-kit-secret-at-least-16-chars';
const connections = 20;
const fixedRate = 1000;
/** Runs take turns across servers; per server: */
const pacedRounds = 2;
const pacedSeconds = 4;
const burstSeconds = 5;
const saturatedRounds = 3;
const saturateSeconds = 4;

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

interface Target {
  name: string;
  server: ChildServer;
  transactionIds: string[];
  saturated: Result[];
  paced: PacedResult[];
  bursts?: Result;
  repeats: number;
}

/** What the report shows per server: medians over the saturated rounds, all paced samples pooled. */
interface TargetResult {
  name: string;
  saturated: { rps: number; p50: number; p99: number; failed: number };
  /** autocannon `overallRate` (bursty, see paced-load.ts). */
  bursts: Result;
  paced: { summary: Summary; failures: number; achievedRate: number; generatorStallMs: number };
  repeats: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? Number.NaN;

function summarizeTarget(t: Target): TargetResult {
  return {
    name: t.name,
    saturated: {
      rps: median(t.saturated.map((r) => r.requests.average)),
      p50: median(t.saturated.map((r) => r.latency.p50)),
      p99: median(t.saturated.map((r) => r.latency.p99)),
      failed: t.saturated.reduce((sum, r) => sum + failures(r), 0),
    },
    bursts: t.bursts!,
    paced: {
      summary: summarize(t.paced.flatMap((p) => p.latencies)),
      failures: t.paced.reduce((sum, p) => sum + p.failures, 0),
      achievedRate: t.paced.reduce((sum, p) => sum + p.achievedRate, 0) / t.paced.length,
      generatorStallMs: Math.max(...t.paced.map((p) => p.generatorStallMs)),
    },
    repeats: t.repeats,
  };
}

function failures(r: Result): number {
  return r.non2xx + r.errors + r.timeouts;
}

async function paced(t: Target): Promise<PacedResult> {
  const pool = makePool(fixedRate * pacedSeconds, t.transactionIds);
  const result = await pacedLoad(
    t.server.url,
    () => {
      const hook = pool.next();
      return { path: '/mesh/webhook', body: hook.body, headers: { 'content-type': 'application/json', [signatureHeader]: hook.signature } };
    },
    { rate: fixedRate, seconds: pacedSeconds, graceSeconds: 5 },
  );
  t.repeats += Math.max(0, pool.used() - pool.size);
  return result;
}

async function autocannonRun(t: Target, options: { duration: number; overallRate?: number }): Promise<Result> {
  const pool = makePool(options.overallRate ? options.overallRate * options.duration + 2_000 : 15_000 * options.duration, t.transactionIds);
  const result = await load(t.server.url, pool, options);
  t.repeats += Math.max(0, pool.used() - pool.size);
  return result;
}

/**
 * Every server is up for the whole benchmark and the runs take turns (rotating who goes first), so
 * whatever else the machine is doing lands on all of them alike. Before each run every server must
 * have gone quiet (its fulfilment backlog drained), so no one's leftovers slow another's run. The
 * paced runs come first, on fresh stores; the saturating runs, which leave the biggest backlogs, last.
 */
async function measureAll(targets: Target[]): Promise<void> {
  const settleAll = () => Promise.all(targets.map((t) => t.server.settle()));
  const inTurn = async (round: number, run: (t: Target) => Promise<void>) => {
    for (let k = 0; k < targets.length; k++) {
      await settleAll();
      await run(targets[(round + k) % targets.length]!);
    }
  };
  for (const t of targets) await autocannonRun(t, { duration: 2 }); // warm-up: JIT, caches, store
  for (let round = 0; round < pacedRounds; round++) await inTurn(round, async (t) => void t.paced.push(await paced(t)));
  await inTurn(0, async (t) => void (t.bursts = await autocannonRun(t, { duration: burstSeconds, overallRate: fixedRate })));
  for (let round = 0; round < saturatedRounds; round++) {
    await inTurn(round, async (t) => void t.saturated.push(await autocannonRun(t, { duration: saturateSeconds })));
  }
}

export async function measure(): Promise<Section> {
  const notes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'mesh-pay-bench-ack-'));
  const servers: ChildServer[] = [];
  const stops: (() => Promise<void>)[] = [];
  const targets: Target[] = [];
  const target = (name: string, server: ChildServer, transactionIds: string[]): Target => ({
    name,
    server,
    transactionIds,
    saturated: [],
    paced: [],
    repeats: 0,
  });
  let results: TargetResult[];
  try {
    const bare = await startChildServer('bare-webhook', { webhookSecret });
    servers.push(bare);
    targets.push(target('bare HMAC route (baseline)', bare, ['bench-transaction']));
    if (!(await kitAvailable())) {
      notes.push('The backend kit has not landed: only the baseline was measured.');
    } else {
      const sqlite = await startChildServer('kit', { store: `sqlite:${join(dir, 'kit.db')}`, webhookSecret, kitSecret });
      servers.push(sqlite);
      const redis = await startRedis();
      stops.push(redis.stop);
      const onRedis = await startChildServer('kit', { store: redis.url, webhookSecret, kitSecret });
      servers.push(onRedis);
      const postgres = await startPostgres();
      stops.push(postgres.stop);
      const onPostgres = await startChildServer('kit', { store: postgres.url, webhookSecret, kitSecret });
      servers.push(onPostgres);
      const mint = async (server: ChildServer) => (await Promise.all(Array.from({ length: 8 }, () => mintTransaction(server.url)))).map((t) => t.transactionId);
      targets.push(target('kit, SQLite store', sqlite, await mint(sqlite)));
      targets.push(target('kit, Redis store', onRedis, await mint(onRedis)));
      targets.push(target('kit, PostgreSQL store', onPostgres, await mint(onPostgres)));
    }
    const fsyncBefore = fsyncLatency();
    await measureAll(targets);
    const fsyncAfter = fsyncLatency();
    results = targets.map(summarizeTarget);
    notes.push(
      `Durable stores wait for the disk: a 4 KiB write + fsync in the temp dir took ${ms(fsyncBefore.median)} (median; worst ${ms(fsyncBefore.max)}) ` +
        `before this benchmark and ${ms(fsyncAfter.median)} (worst ${ms(fsyncAfter.max)}) after it.`,
    );
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    for (const stop of stops) await stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const base = results[0]!;
  const saturatedRows = [
    ['server', 'req/s', 'vs bare', 'p50', 'p99', 'failed'],
    ...results.map((r) => [
      r.name,
      int(r.saturated.rps),
      ratio(r.saturated.rps, base.saturated.rps),
      `${r.saturated.p50} ms`,
      `${r.saturated.p99} ms`,
      int(r.saturated.failed),
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
    const throughputRatio = r.saturated.rps / base.saturated.rps;
    return [
      {
        goal: `${r.name}: ≥ 0.5x the bare route's throughput`,
        figure: `${throughputRatio.toFixed(2)}x (${int(r.saturated.rps)} vs ${int(base.saturated.rps)} req/s)`,
        met: throughputRatio >= 0.5 && r.saturated.failed === 0,
      },
      {
        goal: `${r.name}: p99 < 20 ms at ${int(fixedRate)} req/s`,
        figure: `p99 ${ms(r.paced.summary.p99)} (paced); autocannon bursts p99 ${r.bursts.latency.p99} ms`,
        met: r.paced.summary.p99 < 20 && r.paced.failures === 0,
      },
    ];
  });
  for (const r of results) {
    if (r.saturated.rps < fixedRate) {
      notes.push(
        `${r.name} answered ${int(r.saturated.rps)} req/s saturated, under the ${int(fixedRate)} req/s offered: at that rate a queue ` +
          'builds for the whole run, so its paced latencies are mostly time spent waiting in that queue.',
      );
    }
    if (r.repeats > 0) notes.push(`${r.name}: ${int(r.repeats)} requests reused a body (a pool ran out), so they took the duplicate path.`);
    const failed = r.saturated.failed + failures(r.bursts) + r.paced.failures;
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
with a SQLite file store, with a local redis-server (AOF, fsync on every write) and with a local PostgreSQL
(fsync=on, synchronous_commit=on: each acknowledged insert is flushed to the WAL). **Baseline:** a bare Express route that
reads the raw body, HMAC-SHA256s it and compares with \`crypto.timingSafeEqual\`, then answers 200, as
Mesh's docs show: no parsing, no storage, no dedupe.

All servers stay up for the whole benchmark and take turns (who goes first rotates each round), so
whatever else the machine does lands on all of them alike; before each run every server must have gone
quiet (its fulfilment backlog drained, at most 30 s). Per server: 2 s warm-up; ${pacedRounds} × ${pacedSeconds} s at
${int(fixedRate)} req/s from an open-loop paced generator (test/bench/paced-load.ts; samples pooled; requests still
unanswered 5 s after the last was due count as failed); ${burstSeconds} s at ${int(fixedRate)} req/s with autocannon's
\`overallRate\`; ${saturatedRounds} × ${saturateSeconds} s saturated by autocannon 8 with ${connections} connections (median of the rounds'
req/s, p50 and p99). The goal is judged on the paced run:
autocannon's \`overallRate\` lets each connection fire its per-second share back to back and then idle
until the next second, so it measures a burst of ${int(fixedRate)} requests, not a steady rate (shown for
reference). The paced generator sends request *i* at start + *i* ms and measures from that due time.
Server and load generator share the ${cpus().length} cores; autocannon's histogram has 1 ms resolution.`,
    tables: [
      { caption: `Saturated (${connections} connections; medians of ${saturatedRounds} × ${saturateSeconds} s)`, rows: saturatedRows },
      { caption: `At ${int(fixedRate)} req/s (paced: ${pacedRounds} × ${pacedSeconds} s pooled; autocannon: ${burstSeconds} s)`, rows: rateRows },
    ],
    goals,
    notes,
  };
}
