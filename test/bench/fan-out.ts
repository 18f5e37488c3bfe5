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
 * Opens one client per URL in `urls`, measures the server's memory before and after, then fires
 * `trigger` and times the one `status` event reaching every client.
 */
async function fanOut(server: ChildServer, urls: string[], openCount: () => Promise<number>, trigger: () => Promise<void>): Promise<FanOutResult> {
  // One stream opened and closed first, so code paths are compiled before the baseline sample.
  const probe = openSse(urls[0]!, () => {});
  await probe.opened;
  await until(async () => (await openCount()) === 1, 5_000, 'the probe stream');
  probe.close();
  await until(async () => (await openCount()) === 0, 5_000, 'the probe stream to close');
  await server.settle();
  const before = await server.memory();

  const arrivals: number[] = [];
  const clients: SseStream[] = [];
  const t0 = performance.now();
  for (let i = 0; i < urls.length; i += openConcurrency) {
    const batch = Array.from({ length: Math.min(openConcurrency, urls.length - i) }, () => {
      let got = false;
      const client = openSse(urls[clients.length]!, (event) => {
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

/** Runs `task` over `items`, `limit` at a time. */
async function inBatches<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += limit) out.push(...(await Promise.all(items.slice(i, i + limit).map(task))));
  return out;
}

/**
 * The kit, two ways. `shared`: all streams watch one transaction and one webhook reaches them all
 * (a broadcast, like the baseline's channel). `each`: one transaction per stream, as 2,000 shoppers
 * at checkout would have, and one webhook per transaction (sent 50 at a time).
 */
async function measureKit(shape: 'shared' | 'each'): Promise<FanOutResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-pay-bench-fan-'));
  try {
    const server = await startChildServer('kit', { store: `sqlite:${join(dir, 'kit.db')}`, webhookSecret, kitSecret });
    try {
      const txs = await inBatches(Array.from({ length: shape === 'shared' ? 1 : streams }), 20, () => mintTransaction(server.url));
      const urls = Array.from({ length: streams }, (_, i) => streamUrl(server.url, txs[i % txs.length]!.statusUrl));
      const webhook = async (transactionId: string) => {
        const hook = transferWebhook(webhookSecret, { transactionId, transferId: `bench-${randomUUID()}`, status: 'pending' });
        const { status } = await postWebhook(`${server.url}/mesh/webhook`, hook);
        if (status !== 200) throw new Error(`webhook answered ${status}`);
      };
      return await fanOut(
        server,
        urls,
        () => server.command<number>('streams'),
        async () => void (await inBatches(txs, 50, (tx) => webhook(tx.transactionId))),
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
      Array.from({ length: streams }, () => `${server.url}/stream`),
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
  const shared = await measureKit('shared');
  const each = await measureKit('each');
  const row = (name: string, r: FanOutResult) => [
    name,
    int(perStream(r, 'heapUsed')),
    int(perStream(r, 'rss')),
    `${int(r.received)} / ${int(streams)}`,
    ms(r.first),
    ms(r.last),
    ms(r.last - r.first),
    `${r.openSeconds.toFixed(1)} s`,
  ];
  const heapBase = perStream(baseline, 'heapUsed');
  const rssBase = perStream(baseline, 'rss');
  const heapWorst = Math.max(perStream(shared, 'heapUsed'), perStream(each, 'heapUsed'));
  const rssWorst = Math.max(perStream(shared, 'rss'), perStream(each, 'rss'));
  const vs = (r: FanOutResult) => ['  ours / baseline', ratio(perStream(r, 'heapUsed'), heapBase), ratio(perStream(r, 'rss'), rssBase), '', '', '', '', ''];
  return {
    id: 'fan-out',
    title: '5. Fan-out',
    method: `
${int(streams)} SSE clients (node:http, one socket each, opened ${openConcurrency} at a time from the benchmark
process) hold streams open on a server in its own Node process (started with \`--expose-gc\`). Memory is
\`process.memoryUsage()\` in the server after four forced GCs, sampled with one stream opened and closed
(code paths warm) and again with all ${int(streams)} open; the difference divided by ${int(streams)} is the
memory per stream. Then one event goes to every stream, timed from the trigger being sent to the first and
the last client parsing it. **Baseline:** better-sse 0.15 in Express: each request \`createSession\` and
joins one channel; the trigger is \`POST /broadcast\` → \`channel.broadcast\`. **Ours**, the kit's
\`GET /mesh/status/:capability\` (SQLite store), two ways: *one transaction*, all ${int(streams)} streams on it
and one signed \`pending\` webhook as the trigger (a broadcast, like the baseline, plus verifying, storing
and publishing the webhook); *a transaction each*, ${int(streams)} transactions minted first, one stream on each,
and ${int(streams)} webhooks (50 in flight) as the trigger: what 2,000 shoppers at checkout cost, where the
delivery time is mostly the webhooks' own processing and has no counterpart in the baseline. Both servers
answer over the same Node HTTP server, so sockets cost the same on either side.`,
    tables: [
      {
        rows: [
          ['server', 'heap B/stream', 'RSS B/stream', 'received', 'trigger → first', 'trigger → last', 'first → last', 'time to open all'],
          row('better-sse channel (baseline)', baseline),
          row('kit, one transaction (ours)', shared),
          vs(shared),
          row('kit, a transaction each (ours)', each),
          vs(each),
        ],
      },
    ],
    goals: [
      {
        goal: "memory per stream ≤ better-sse's (JS heap after GC)",
        figure: `${int(heapWorst)} B (worse of our two shapes) vs ${int(heapBase)} B heap; RSS ${int(rssWorst)} B vs ${int(rssBase)} B`,
        met: heapWorst <= heapBase && shared.received === streams && each.received === streams,
      },
    ],
    notes: [
      'RSS per stream is shown but is noisy: V8 and the allocator keep freed pages, so heap after GC is the figure the goal is judged on.',
      ...[
        ['better-sse', baseline],
        ['kit, one transaction', shared],
        ['kit, a transaction each', each],
      ]
        .filter(([, r]) => (r as FanOutResult).received < streams)
        .map(([name, r]) => `${name as string}: only ${(r as FanOutResult).received} of ${streams} clients received the event within 30 s.`),
    ],
  };
}
