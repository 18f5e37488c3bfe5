/**
 * 4. Webhook to browser: from the moment Mesh gets its 200 for a `succeeded` webhook to the moment
 * the matching `event: status` reaches a client of the status stream, on one instance (SQLite) and
 * across two instances sharing Redis (webhook to A, stream from B).
 *
 * The client is a Node SSE reader (sse-client.ts) in the process that posts the webhooks, so both
 * ends are timed on one monotonic clock with sub-millisecond resolution. The server path under test
 * (store, publish, fan-out, write to the socket) is the same whatever reads the bytes; Chromium's
 * EventSource would add its own scheduling and a CDP round trip per sample to read the time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { startChildServer, type ChildServer } from './child-server.js';
import { kitAvailable, missingKitReason, mintTransaction, streamUrl } from './kit-client.js';
import { fsyncLatency } from './machine.js';
import { startRedis } from './redis.js';
import { NotMeasuredError, type Section } from './report.js';
import { openSse, type SseEvent } from './sse-client.js';
import { ms, summarize } from './stats.js';
import { postWebhook, transferWebhook } from './webhook-bodies.js';

const webhookSecret = 'bench-webhook-secret';
const kitSecret = 'bench-kit-secret-at-least-16-chars';
const transfers = 200;
const eventTimeoutMs = 5_000;

interface Samples {
  /** 200 received → event received. Negative: the event beat the 200 to the client. */
  fromAck: number[];
  /** Webhook sent → event received. */
  fromSend: number[];
  lost: number;
}

/** Waits for the first event matching `want` among those a stream has delivered or will deliver. */
function eventInbox() {
  const seen: SseEvent[] = [];
  let waiter: { want: (e: SseEvent) => boolean; resolve: (e: SseEvent | undefined) => void } | undefined;
  return {
    push(event: SseEvent) {
      seen.push(event);
      if (waiter?.want(event)) {
        waiter.resolve(event);
        waiter = undefined;
      }
    },
    next(want: (e: SseEvent) => boolean): Promise<SseEvent | undefined> {
      const already = seen.find(want);
      if (already) return Promise.resolve(already);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(undefined), eventTimeoutMs);
        waiter = {
          want,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        };
      });
    },
  };
}

const hasStatus = (status: string) => (e: SseEvent) => e.event === 'status' && (JSON.parse(e.data) as { status?: string }).status === status;

/** One transfer: mint on `webhooks`, stream from `streams`, `pending` to prove the stream live, then time `succeeded`. */
async function oneTransfer(webhooks: ChildServer, streams: ChildServer, samples: Samples): Promise<void> {
  const tx = await mintTransaction(webhooks.url);
  const inbox = eventInbox();
  const stream = openSse(streamUrl(streams.url, tx.statusUrl), (e) => inbox.push(e));
  try {
    const status = await stream.opened;
    if (status !== 200) throw new Error(`status stream answered ${status}`);
    const transferId = `bench-${randomUUID()}`;
    const hook = (s: 'pending' | 'succeeded') => transferWebhook(webhookSecret, { transactionId: tx.transactionId, transferId, status: s });
    const pending = await postWebhook(`${webhooks.url}/mesh/webhook`, hook('pending'));
    if (pending.status !== 200) throw new Error(`webhook answered ${pending.status}`);
    if (!(await inbox.next(hasStatus('pending')))) {
      samples.lost++;
      return;
    }
    const sentAt = performance.now();
    const ack = await postWebhook(`${webhooks.url}/mesh/webhook`, hook('succeeded'));
    if (ack.status !== 200) throw new Error(`webhook answered ${ack.status}`);
    const event = await inbox.next(hasStatus('succeeded'));
    if (!event) {
      samples.lost++;
      return;
    }
    samples.fromAck.push(event.at - ack.at);
    samples.fromSend.push(event.at - sentAt);
  } finally {
    stream.close();
  }
}

interface Setup {
  webhooks: ChildServer;
  streams: ChildServer;
  samples: Samples;
}

/** The setups take turns, transfer by transfer, so noise on a shared machine lands on both alike. */
async function run(setups: Setup[]): Promise<void> {
  for (let i = 0; i < 10; i++) {
    for (const { webhooks, streams } of setups) await oneTransfer(webhooks, streams, { fromAck: [], fromSend: [], lost: 0 });
  }
  for (let i = 0; i < transfers; i++) {
    for (const { webhooks, streams, samples } of setups) await oneTransfer(webhooks, streams, samples);
  }
}

function result(samples: Samples) {
  return {
    fromAck: summarize(samples.fromAck),
    fromSend: summarize(samples.fromSend),
    lost: samples.lost,
    beatAck: samples.fromAck.filter((x) => x < 0).length,
  };
}

export async function measure(): Promise<Section> {
  if (!(await kitAvailable())) throw new NotMeasuredError(missingKitReason());
  const dir = mkdtempSync(join(tmpdir(), 'mesh-pay-bench-w2b-'));
  const servers: ChildServer[] = [];
  const redis = await startRedis();
  const fresh = (): Samples => ({ fromAck: [], fromSend: [], lost: 0 });
  let fsync: ReturnType<typeof fsyncLatency>;
  let single: ReturnType<typeof result>;
  let across: ReturnType<typeof result>;
  try {
    const start = async (store: string) => {
      const server = await startChildServer('kit', { store, webhookSecret, kitSecret });
      servers.push(server);
      return server;
    };
    const alone = await start(`sqlite:${join(dir, 'kit.db')}`);
    const a = await start(redis.url);
    const b = await start(redis.url);
    const setups: Setup[] = [
      { webhooks: alone, streams: alone, samples: fresh() },
      { webhooks: a, streams: b, samples: fresh() },
    ];
    fsync = fsyncLatency();
    await run(setups);
    single = result(setups[0]!.samples);
    across = result(setups[1]!.samples);
  } finally {
    await Promise.all(servers.map((server) => server.close()));
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const row = (name: string, r: typeof single) => [
    name,
    String(r.fromAck.n),
    ms(r.fromAck.p50),
    ms(r.fromAck.p99),
    ms(r.fromAck.max),
    ms(r.fromSend.p50),
    ms(r.fromSend.p99),
    String(r.beatAck),
    String(r.lost),
  ];
  const lostNote = (name: string, r: typeof single) =>
    r.lost > 0 ? [`${name}: ${r.lost} events did not arrive within ${eventTimeoutMs / 1000} s; the goal is not met while any are lost.`] : [];
  return {
    id: 'webhook-to-browser',
    title: '4. Webhook to browser',
    method: `
For each of ${transfers} transfers per setup (after 10 unmeasured warm-up transfers), one after another, the two
setups taking turns transfer by transfer (so machine noise lands on both alike): mint a link
token, open its status stream, POST a signed \`pending\` webhook and wait for it on the stream (so the
stream is known to be live), then POST \`succeeded\` and time until its \`event: status\` is parsed. **Single
instance:** one kit process, SQLite store. **Across instances:** two kit processes sharing a local
redis-server (AOF, fsync on every write); the webhook goes to A, the stream is read from B. The client is a
Node SSE reader in the benchmark process (the process that posts the webhooks), so both ends use one
monotonic clock; the server path under test is the same whatever reads the bytes, and Chromium's
EventSource would add a CDP round trip per sample to read the time. No baseline: the goal is absolute.
"after 200" is from the webhook's answer arriving to the event arriving; it can be negative when the
kit publishes before its answer reaches Mesh ("beat the 200" counts those). "after send" starts when
the webhook request is sent.`,
    tables: [
      {
        rows: [
          ['setup', 'transfers', 'p50 after 200', 'p99 after 200', 'max after 200', 'p50 after send', 'p99 after send', 'beat the 200', 'lost'],
          row('single instance (SQLite)', single),
          row('across two instances (Redis)', across),
        ],
      },
    ],
    goals: [
      { goal: 'single instance: p99 < 25 ms', figure: `p99 ${ms(single.fromAck.p99)}`, met: single.fromAck.p99 < 25 && single.lost === 0 },
      { goal: 'across instances via Redis: p99 < 50 ms', figure: `p99 ${ms(across.fromAck.p99)}`, met: across.fromAck.p99 < 50 && across.lost === 0 },
    ],
    notes: [
      ...lostNote('single instance', single),
      ...lostNote('across instances', across),
      `Both stores write durably before publishing: a 4 KiB write + fsync in the temp dir took ${ms(fsync.median)} (median; worst ${ms(fsync.max)}) when this benchmark started.`,
    ],
  };
}
