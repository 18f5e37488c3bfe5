/**
 * 5. Fan-out: 2,000 open status streams, one event to each. Memory per stream in the server process
 * and delivery time, for the kit's status stream against better-sse serving the same 2,000 streams
 * from a plain Express app. Servers run in child processes; the 2,000 clients run here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { startChildServer, type ChildServer, type MemorySample } from './child-server.js';
import { kitAvailable, missingKitReason, mintTransaction, streamUrl } from './kit-client.js';
import { NotMeasuredError, type Section } from './report.js';
import { openSse, type SseStream } from './sse-client.js';
import { int, ms, ratio } from './stats.js';
import { postWebhook, transferWebhook } from './webhook-bodies.js';

const streams = 2_000;
const openConcurrency = 100;
const webhookSecret = 'bench-webhook-secret';
const kitSecret = 'bench-kit-secret-at-least-16-chars';

interface FanOutResult {
  before: MemorySample;
  after: MemorySample;
  openSeconds: number;
  /** Trigger sent → first / last client has its event. */
  first: number;
  last: number;
  received: number;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Opens `streams` clients on `url`, measures the server's memory before and after, then fires
 * `trigger` and times the one `status` event reaching every client.
 */
async function fanOut(server: ChildServer, url: string, openCount: () => Promise<number>, trigger: () => Promise<void>): Promise<FanOutResult> {
  // One stream opened and closed first, so code paths are compiled before the baseline sample.
  const probe = openSse(url, () => {});
  await probe.opened;
  await until(async () => (await openCount()) === 1, 5_000, 'the probe stream');
  probe.close();
  await until(async () => (await openCount()) === 0, 5_000, 'the probe stream to close');
  await server.settle();
  const before = await server.memory();

  const arrivals: number[] = [];
  const clients: SseStream[] = [];
  const t0 = performance.now();
  for (let i = 0; i < streams; i += openConcurrency) {
    const batch = Array.from({ length: Math.min(openConcurrency, streams - i) }, () => {
      let got = false;
      const client = openSse(url, (event) => {
        if (event.event === 'status' && !got) {
          got = true;
          arrivals.push(event.at);
        }
      });
      clients.push(client);
      return client.opened;
    });
    const statuses = await Promise.all(batch);
    const bad = statuses.find((s) => s !== 200);
    if (bad !== undefined) throw new Error(`a stream answered ${bad}`);
  }
  await until(async () => (await openCount()) === streams, 20_000, `${streams} streams on the server`);
  const openSeconds = (performance.now() - t0) / 1000;
  await server.settle();
  const after = await server.memory();

  const sent = performance.now();
  await trigger();
  try {
    await until(async () => arrivals.length === streams, 30_000, 'every client to receive the event');
  } catch {
    // Reported as received < streams.
  }
  for (const client of clients) client.close();
  const sorted = [...arrivals].sort((a, b) => a - b);
  return {
    before,
    after,
    openSeconds,
    first: (sorted[0] ?? Number.NaN) - sent,
    last: (sorted[sorted.length - 1] ?? Number.NaN) - sent,
    received: arrivals.length,
  };
}

async function measureKit(): Promise<FanOutResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-pay-bench-fan-'));
  try {
    const server = await startChildServer('kit', { store: `sqlite:${join(dir, 'kit.db')}`, webhookSecret, kitSecret });
    try {
      const tx = await mintTransaction(server.url);
      return await fanOut(
        server,
        streamUrl(server.url, tx.statusUrl),
        () => server.command<number>('streams'),
        async () => {
          const hook = transferWebhook(webhookSecret, { transactionId: tx.transactionId, transferId: `bench-${randomUUID()}`, status: 'pending' });
          const { status } = await postWebhook(`${server.url}/mesh/webhook`, hook);
          if (status !== 200) throw new Error(`webhook answered ${status}`);
        },
      );
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measureBetterSse(): Promise<FanOutResult> {
  const server = await startChildServer('better-sse');
  try {
    return await fanOut(
      server,
      `${server.url}/stream`,
      () => server.command<number>('sessions'),
      async () => {
        const res = await fetch(`${server.url}/broadcast`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ transactionId: 'bench', transferId: 'bench', status: 'pending', at: new Date().toISOString() }),
        });
        if (res.status !== 200) throw new Error(`broadcast answered ${res.status}`);
      },
    );
  } finally {
    await server.close();
  }
}

const perStream = (r: FanOutResult, key: keyof MemorySample) => (r.after[key] - r.before[key]) / streams;

export async function measure(): Promise<Section> {
  if (!(await kitAvailable())) throw new NotMeasuredError(missingKitReason());
  const baseline = await measureBetterSse();
  const ours = await measureKit();
  const row = (name: string, r: FanOutResult) => [
    name,
    int(perStream(r, 'heapUsed')),
    int(perStream(r, 'rss')),
    int(perStream(r, 'external')),
    `${int(r.received)} / ${int(streams)}`,
    ms(r.first),
    ms(r.last),
    ms(r.last - r.first),
    `${r.openSeconds.toFixed(1)} s`,
  ];
  const heapOurs = perStream(ours, 'heapUsed');
  const heapBase = perStream(baseline, 'heapUsed');
  const rssOurs = perStream(ours, 'rss');
  const rssBase = perStream(baseline, 'rss');
  return {
    id: 'fan-out',
    title: '5. Fan-out',
    method: `
${int(streams)} SSE clients (node:http, one socket each, opened ${openConcurrency} at a time from the benchmark
process) hold streams open on a server in its own Node process (started with \`--expose-gc\`). Memory is
\`process.memoryUsage()\` in the server after four forced GCs, sampled with one stream opened and closed
(code paths warm) and again with all ${int(streams)} open; the difference divided by ${int(streams)} is the
memory per stream. Then one event goes to every stream, timed from the trigger being sent to the first and
the last client parsing it. **Ours:** the kit's \`GET /mesh/status/:capability\` on one transaction
(SQLite store), all ${int(streams)} streams on it; the trigger is a signed \`pending\` webhook, so the time
includes verifying, storing and publishing it. **Baseline:** better-sse 0.15 in Express: each request
\`createSession\` and joins one channel; the trigger is \`POST /broadcast\` → \`channel.broadcast\`. Both
answer with \`text/event-stream\` over the same Node HTTP server, so sockets cost the same on either side.`,
    tables: [
      {
        rows: [
          ['server', 'heap B/stream', 'RSS B/stream', 'external B/stream', 'received', 'trigger → first', 'trigger → last', 'first → last', 'time to open all'],
          row('kit status stream (ours)', ours),
          row('better-sse channel (baseline)', baseline),
          ['ours / baseline', ratio(heapOurs, heapBase), ratio(rssOurs, rssBase), '', '', '', ratio(ours.last, baseline.last), ratio(ours.last - ours.first, baseline.last - baseline.first), ''],
        ],
      },
    ],
    goals: [
      {
        goal: "memory per stream ≤ better-sse's (JS heap after GC)",
        figure: `${int(heapOurs)} B vs ${int(heapBase)} B heap (RSS ${int(rssOurs)} B vs ${int(rssBase)} B)`,
        met: heapOurs <= heapBase && ours.received === streams,
      },
    ],
    notes: [
      'RSS per stream is shown but is noisy: V8 and the allocator keep freed pages, so heap after GC is the figure the goal is judged on.',
      ...(ours.received < streams ? [`Only ${ours.received} of ${streams} kit clients received the event within 30 s.`] : []),
      ...(baseline.received < streams ? [`Only ${baseline.received} of ${streams} better-sse clients received the event within 30 s.`] : []),
    ],
  };
}
