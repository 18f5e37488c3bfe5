/**
 * The status stream as a browser meets it: only the holder of a transaction's capability reads
 * it, the current status comes at once, reconnects resume without repeats, heartbeats keep it
 * alive, it ends on a terminal status, and a client that goes away leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { signCapability, verifyCapability } from '../src/capability.js';
import { MeshPayError } from '../src/errors.js';
import { createMeshPay } from '../src/create-mesh-pay.js';
import { memoryStore } from '../src/memory-store.js';
import { KIT_SECRET, SseClient, eventually, gate, mint, postWebhook, startKit, stats, webhookBody, type Kit } from './harness.js';

function capabilityOf(statusUrl: string): string {
  return statusUrl.split('/').at(-1)!;
}

describe('status capabilities', () => {
  let k: Kit;
  before(async () => {
    k = await startKit();
  });
  after(() => k.close());

  async function expectRefused(path: string, status: number, code: string) {
    const stream = await SseClient.open(`${k.url}${path}`);
    assert.equal(stream.status, status, path);
    const body = JSON.parse(stream.body) as { code: string };
    assert.equal(body.code, code);
    return body;
  }

  it('refuses flipped bytes anywhere in the capability with 403', async () => {
    const { statusUrl } = await mint(k);
    const cap = capabilityOf(statusUrl);
    for (const i of [0, 5, cap.indexOf('.') - 1, cap.indexOf('.') + 1, cap.length - 2]) {
      const c = cap[i] === 'A' ? 'B' : 'A';
      const flipped = cap.slice(0, i) + c + cap.slice(i + 1);
      await expectRefused(`/mesh/status/${flipped}`, 403, 'MESH_PAY_CAPABILITY_INVALID');
    }
  });

  it("refuses another transaction's payload carrying this transaction's signature", async () => {
    const mine = capabilityOf((await mint(k)).statusUrl);
    const theirs = capabilityOf((await mint(k)).statusUrl);
    const spliced = `${theirs.split('.')[0]}.${mine.split('.')[1]}`;
    await expectRefused(`/mesh/status/${spliced}`, 403, 'MESH_PAY_CAPABILITY_INVALID');
    // And a payload naming their transaction, signed with a guessed secret.
    const guessed = signCapability('guessed-secret-0123456789', (await mint(k)).transactionId, Date.now() + 60_000);
    await expectRefused(`/mesh/status/${guessed}`, 403, 'MESH_PAY_CAPABILITY_INVALID');
  });

  it('refuses garbage', async () => {
    for (const garbage of ['x', 'a.b', '...', 'a.b.c', '%00', encodeURIComponent('{"t":"x"}.sig'), 'A'.repeat(2000)]) {
      await expectRefused(`/mesh/status/${garbage}`, 403, 'MESH_PAY_CAPABILITY_INVALID');
    }
  });

  it('refuses an expired capability with 403 and a validly signed one for an unknown transaction with 404', async () => {
    const { transactionId } = await mint(k);
    const expired = signCapability(KIT_SECRET, transactionId, Date.now() - 1000);
    await expectRefused(`/mesh/status/${expired}`, 403, 'MESH_PAY_CAPABILITY_EXPIRED');
    const unknown = signCapability(KIT_SECRET, 'mp_never_minted', Date.now() + 60_000);
    await expectRefused(`/mesh/status/${unknown}`, 404, 'MESH_PAY_TRANSACTION_NOT_FOUND');
  });

  it('expires after statusTtlSeconds (checked against the clock, not trusted from the client)', () => {
    const cap = signCapability(KIT_SECRET, 'mp_x', 10_000_000);
    assert.equal(verifyCapability(KIT_SECRET, cap, 9_000_000).transactionId, 'mp_x');
    assert.throws(() => verifyCapability(KIT_SECRET, cap, 10_000_000), (e: unknown) => e instanceof MeshPayError && e.code === 'MESH_PAY_CAPABILITY_EXPIRED');
  });

  it('issues capabilities that expire after the configured TTL', async () => {
    const short = await startKit({ fakeMesh: k.mesh, statusTtlSeconds: 60 });
    try {
      const { statusUrl } = await mint(short);
      const claims = verifyCapability(KIT_SECRET, capabilityOf(statusUrl));
      const left = claims.exp * 1000 - Date.now();
      assert.ok(left > 0 && left <= 60_000, `expires in ${left} ms`);
    } finally {
      await short.close();
    }
  });
});

describe('status stream', () => {
  let k: Kit;
  before(async () => {
    k = await startKit();
  });
  after(() => k.close());

  it('sends the current status at once on connect, then live updates, with ids', async () => {
    const { transactionId: t, statusUrl } = await mint(k);
    await postWebhook(k, webhookBody({ transactionId: t, status: 'pending' }));
    await eventually(async () => (await k.store.statusesSince(t, 0)).length === 1, 'pending stored');
    await postWebhook(k, webhookBody({ transactionId: t, status: 'processing' }));
    await eventually(async () => (await k.store.statusesSince(t, 0)).length === 2, 'processing stored');

    const stream = await SseClient.open(`${k.url}${statusUrl}`);
    await stream.until((s) => s.statuses().length === 1, 'the current status');
    assert.deepEqual(stream.statuses().map((s) => [s.seq, s.update.status]), [[2, 'processing']]);
    assert.equal(stream.comments.includes('waiting'), false);

    await postWebhook(k, webhookBody({ transactionId: t, status: 'failed' }));
    await stream.until((s) => s.ended, 'the stream to end after failed');
    assert.deepEqual(stream.statuses().map((s) => [s.seq, s.update.status]), [
      [2, 'processing'],
      [3, 'failed'],
    ]);
  });

  it('resumes from Last-Event-ID (header or query) without repeating what the client had', async () => {
    const { transactionId: t, statusUrl } = await mint(k);
    for (const status of ['pending', 'processing']) {
      await postWebhook(k, webhookBody({ transactionId: t, status }));
      await eventually(async () => (await k.store.statusesSince(t, 0)).some((s) => s.update.status === status), status);
    }
    const first = await SseClient.open(`${k.url}${statusUrl}`, { 'Last-Event-ID': '1' });
    await first.until((s) => s.statuses().length === 1, 'the missed status');
    assert.deepEqual(first.statuses().map((s) => s.seq), [2]);
    await first.close();

    await postWebhook(k, webhookBody({ transactionId: t, status: 'succeeded' }));
    const resumed = await SseClient.open(`${k.url}${statusUrl}?lastEventId=2`);
    await resumed.until((s) => s.ended, 'the end');
    assert.deepEqual(resumed.statuses().map((s) => [s.seq, s.update.status]), [[3, 'succeeded']]);

    // A client that already saw everything gets nothing again (and the stream ends at once only if it was terminal: here it waits).
    const caughtUp = await SseClient.open(`${k.url}${statusUrl}`, { 'Last-Event-ID': '3' });
    await caughtUp.until((s) => s.comments.includes('heartbeat'), 'a heartbeat');
    assert.deepEqual(caughtUp.statuses(), []);
    await caughtUp.close();

    // Garbage Last-Event-ID is treated as none: the current status.
    const garbage = await SseClient.open(`${k.url}${statusUrl}`, { 'Last-Event-ID': '1; DROP TABLE' });
    await garbage.until((s) => s.ended, 'the end');
    assert.deepEqual(garbage.statuses().map((s) => s.seq), [3]);
  });

  it('sends heartbeat comments while waiting', async () => {
    const { statusUrl } = await mint(k);
    const stream = await SseClient.open(`${k.url}${statusUrl}`);
    await stream.until((s) => s.comments.filter((c) => c === 'heartbeat').length >= 2, 'two heartbeats');
    await stream.close();
  });

  it('lets go of every listener and timer when clients disconnect', async () => {
    // Streams closed by earlier tests are released asynchronously; start from a quiet kit.
    await eventually(() => k.kit.openStreamCount() === 0, 'earlier streams to be released');
    const before = await stats(k.store);
    const minted = await Promise.all([mint(k), mint(k), mint(k)]);
    const streams = await Promise.all(minted.flatMap((m) => [SseClient.open(`${k.url}${m.statusUrl}`), SseClient.open(`${k.url}${m.statusUrl}`)]));
    await Promise.all(streams.map((s) => s.until((c) => c.comments.includes('waiting'), 'connected')));
    assert.equal(k.kit.openStreamCount(), 6);
    assert.equal((await stats(k.store)).listeners, before.listeners + 6);

    await Promise.all(streams.map((s) => s.close()));
    await eventually(() => k.kit.openStreamCount() === 0, 'streams to be released');
    await eventually(async () => (await stats(k.store)).listeners === before.listeners, 'listeners to be released');
  });

  it('lets go of listeners when the stream ends on a terminal status', async () => {
    await eventually(() => k.kit.openStreamCount() === 0, 'earlier streams to be released');
    const before = await stats(k.store);
    const { transactionId: t, statusUrl } = await mint(k);
    const stream = await SseClient.open(`${k.url}${statusUrl}`);
    await stream.until((s) => s.comments.includes('waiting'), 'connected');
    await postWebhook(k, webhookBody({ transactionId: t, status: 'succeeded' }));
    await stream.until((s) => s.ended, 'the end');
    await eventually(() => k.kit.openStreamCount() === 0, 'streams to be released');
    assert.equal((await stats(k.store)).listeners, before.listeners);
  });

  it('ends open streams when the kit closes', async () => {
    const other = await startKit({ fakeMesh: k.mesh });
    const { statusUrl } = await mint(other);
    const stream = await SseClient.open(`${other.url}${statusUrl}`);
    await stream.until((s) => s.comments.includes('waiting'), 'connected');
    await other.close({ closeStore: false });
    await stream.until((s) => s.ended, 'the end');
    assert.equal((await stats(other.store)).listeners, 0);
    await other.store.close();
  });
});

describe('malformed capabilities', () => {
  let k: Kit;
  before(async () => {
    k = await startKit();
  });
  after(() => k.close());

  it('answers 400, 403 or 404 problem+json to any of them, never a 500 (GET /mesh/status/% included)', async () => {
    const { statusUrl, transactionId } = await mint(k);
    const cap = capabilityOf(statusUrl);
    const [payload, signature] = cap.split('.') as [string, string];
    const cases: [string, number][] = [
      ['%', 400],
      ['%%', 400],
      ['%zz', 400],
      ['%C0%AF', 400],
      ['%E0%A4%A', 400],
      [`${cap}%`, 400],
      ['..%2f..%2fetc%2fpasswd', 403],
      ['%00', 403],
      ['%20', 403],
      [encodeURIComponent('"><img src=x onerror=alert(1)>'), 403],
      [encodeURIComponent('\u{1F4A9}.\u{1F4A9}'), 403],
      [`${payload}.`, 403],
      [`.${signature}`, 403],
      [`${payload}.${signature}.${signature}`, 403],
      [`${payload}=.${signature}`, 403],
      [`${payload}.${signature}A`, 403],
      [`${payload}.${signature.slice(0, -1)}`, 403],
      ['A'.repeat(1025), 403],
      [`${'A'.repeat(10_000)}.${signature}`, 403],
      [`${Buffer.from('not json').toString('base64url')}.${signature}`, 403],
      [signCapability(KIT_SECRET, transactionId, Date.now() - 1), 403],
      [signCapability(KIT_SECRET, 'mp_never_minted', Date.now() + 60_000), 404],
      [signCapability(KIT_SECRET, '../../etc/passwd', Date.now() + 60_000), 404],
    ];
    for (const [bad, status] of cases) {
      const stream = await SseClient.open(`${k.url}/mesh/status/${bad}`);
      assert.equal(stream.status, status, `GET /mesh/status/${bad.slice(0, 50)}`);
      assert.match(stream.headers?.get('content-type') ?? '', /^application\/problem\+json/);
      assert.match((JSON.parse(stream.body) as { code: string }).code, /^MESH_PAY_/);
    }
    assert.ok(!k.logs.some((l) => l.level === 'error'), `no unexpected error: ${JSON.stringify(k.logs.filter((l) => l.level === 'error'))}`);
    // Signed claims that are not what the kit writes are refused too.
    for (const claims of [{ t: 1, exp: 9e9 }, { t: 'x' }, { exp: 9e9 }, null, [], 'x', { t: '', exp: 9e9 }, { t: 'x', exp: 'never' }]) {
      const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
      const sig = createHmac('sha256', KIT_SECRET).update(body).digest('base64url');
      const stream = await SseClient.open(`${k.url}/mesh/status/${body}.${sig}`);
      assert.equal(stream.status, 403, JSON.stringify(claims));
    }
  });
});

describe('stream limits', () => {
  it('lets one capability hold at most streamLimits.perCapability streams, then answers 429 with Retry-After', async () => {
    const k = await startKit({ streamLimits: { perCapability: 3 } });
    try {
      const { statusUrl } = await mint(k);
      const open = await Promise.all([1, 2, 3].map(() => SseClient.open(`${k.url}${statusUrl}`)));
      await Promise.all(open.map((s) => s.until((c) => c.comments.includes('waiting'), 'connected')));
      for (let i = 0; i < 5; i++) {
        const refused = await SseClient.open(`${k.url}${statusUrl}`);
        assert.equal(refused.status, 429);
        assert.match(refused.headers?.get('content-type') ?? '', /^application\/problem\+json/);
        assert.equal((JSON.parse(refused.body) as { code: string }).code, 'MESH_PAY_TOO_MANY_STREAMS');
        assert.match(refused.headers?.get('retry-after') ?? '', /^\d+$/);
      }
      // Another payment is not affected.
      const other = await SseClient.open(`${k.url}${(await mint(k)).statusUrl}`);
      assert.equal(other.status, 200);
      await other.close();

      // A closed stream gives its place back.
      await open[0]!.close();
      await eventually(() => k.kit.openStreamCount() === 2, 'the closed stream to be released');
      const again = await SseClient.open(`${k.url}${statusUrl}`);
      assert.equal(again.status, 200);
      await Promise.all([again, ...open].map((s) => s.close()));
      await eventually(() => k.kit.openStreamCount() === 0, 'all streams released');
    } finally {
      await k.close();
    }
  });

  it('caps the instance at streamLimits.perInstance streams, then answers 503 with Retry-After', async () => {
    const k = await startKit({ streamLimits: { perInstance: 4 } });
    try {
      const minted = await Promise.all([1, 2, 3, 4, 5].map(() => mint(k)));
      const open = await Promise.all(minted.slice(0, 4).map((m) => SseClient.open(`${k.url}${m.statusUrl}`)));
      await Promise.all(open.map((s) => s.until((c) => c.comments.includes('waiting'), 'connected')));
      const refused = await SseClient.open(`${k.url}${minted[4]!.statusUrl}`);
      assert.equal(refused.status, 503);
      assert.equal((JSON.parse(refused.body) as { code: string }).code, 'MESH_PAY_BUSY');
      assert.match(refused.headers?.get('retry-after') ?? '', /^\d+$/);
      await Promise.all(open.map((s) => s.close()));
      await eventually(() => k.kit.openStreamCount() === 0, 'all streams released');
      assert.equal((await SseClient.open(`${k.url}${minted[4]!.statusUrl}`)).status, 200);
    } finally {
      await k.close();
    }
  });

  it('holds a burst of 3,000 connections on one capability to the cap, and leaks no place', async () => {
    const k = await startKit();
    try {
      const { statusUrl } = await mint(k);
      const answers: number[] = [];
      const held: SseClient[] = [];
      for (let batch = 0; batch < 30; batch++) {
        const streams = await Promise.all(Array.from({ length: 100 }, () => SseClient.open(`${k.url}${statusUrl}`)));
        for (const s of streams) {
          answers.push(s.status);
          if (s.status === 200) held.push(s);
        }
      }
      assert.equal(answers.filter((s) => s === 200).length, 3, 'the default per-capability cap');
      assert.equal(answers.filter((s) => s === 429).length, 2997);
      assert.equal(k.kit.openStreamCount(), 3);
      await Promise.all(held.map((s) => s.close()));
      await eventually(() => k.kit.openStreamCount() === 0, 'all streams released');
    } finally {
      await k.close();
    }
  });

  it('refuses nonsense limits at start-up', () => {
    const base = {
      store: memoryStore(),
      mesh: { clientId: 'id', clientSecret: 'secret' },
      webhookSecret: 'whsec',
      kitSecret: KIT_SECRET,
      resolveOrder: async () => undefined,
    };
    const invalid = (e: unknown) => e instanceof MeshPayError && e.code === 'MESH_PAY_CONFIG_INVALID';
    for (const streamLimits of [{ perCapability: 0 }, { perInstance: -1 }, { perCapability: 1.5 }, { perInstance: Number.NaN }]) {
      assert.throws(() => createMeshPay({ ...base, streamLimits }), invalid, JSON.stringify(streamLimits));
    }
    for (const statusTtlSeconds of [0, -5, 0.5, Number.POSITIVE_INFINITY]) {
      assert.throws(() => createMeshPay({ ...base, statusTtlSeconds }), invalid, String(statusTtlSeconds));
    }
    for (const integrationRateLimit of [{ windowMs: 0, perCapability: 1, perClient: 1 }, { windowMs: 1000, perCapability: -1, perClient: 1 }]) {
      assert.throws(() => createMeshPay({ ...base, integrationRateLimit }), invalid, JSON.stringify(integrationRateLimit));
    }
    assert.throws(() => createMeshPay({ ...base, maxConnectionsPerShopper: 0 }), invalid);
  });
});

describe('a stream whose capability expires', () => {
  it('says so with a final `expired` event carrying the latest status, closes, and is refused on reconnect', async () => {
    const k = await startKit({ statusTtlSeconds: 3 });
    try {
      const { transactionId, statusUrl } = await mint(k);
      await postWebhook(k, webhookBody({ transactionId, status: 'pending' }));
      await eventually(async () => (await k.store.statusesSince(transactionId, 0)).length === 1, 'pending stored');
      const stream = await SseClient.open(`${k.url}${statusUrl}`);
      assert.equal(stream.status, 200);
      await stream.until((s) => s.ended, 'the stream to end at expiry');
      const last = stream.messages.at(-1)!;
      assert.equal(last.event, 'expired');
      assert.deepEqual(JSON.parse(last.data!), { transactionId, status: 'pending' });
      assert.deepEqual(stream.statuses().map((s) => s.update.status), ['pending']);
      await eventually(() => k.kit.openStreamCount() === 0, 'the stream released');

      await eventually(() => Date.now() >= verifyCapability(KIT_SECRET, capabilityOf(statusUrl), 0).exp * 1000, 'the capability to expire');
      const reconnect = await SseClient.open(`${k.url}${statusUrl}`);
      assert.equal(reconnect.status, 403);
      assert.equal((JSON.parse(reconnect.body) as { code: string }).code, 'MESH_PAY_CAPABILITY_EXPIRED');
    } finally {
      await k.close();
    }
  });

  it('lives for 24 hours by default, long enough for a slow on-chain settlement', async () => {
    const k = await startKit();
    try {
      const { statusUrl } = await mint(k);
      const left = verifyCapability(KIT_SECRET, capabilityOf(statusUrl)).exp * 1000 - Date.now();
      assert.ok(left > 23.9 * 3600_000 && left <= 24 * 3600_000, `expires in ${left} ms`);
    } finally {
      await k.close();
    }
  });
});

describe('a client that leaves while its stream is being opened', () => {
  it('gives its place back, so the capability is not locked out', async () => {
    const store = memoryStore();
    const held = gate();
    let holding = true;
    const slowStore = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'getTransaction') {
          return async (id: string) => {
            if (holding) await held.promise;
            return target.getTransaction(id);
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    let closedByClient = 0;
    const k = await startKit({
      store: slowStore,
      streamLimits: { perCapability: 1 },
      // Sees the server notice the client's close, so the test knows the order of events.
      configureApp: (app) =>
        app.use((req, res, next) => {
          if (req.path.startsWith('/mesh/status/')) res.on('close', () => closedByClient++);
          next();
        }),
    });
    try {
      const { statusUrl } = await mint(k);
      const controller = new AbortController();
      const leaving = fetch(`${k.url}${statusUrl}`, { signal: controller.signal }).catch(() => undefined);
      await eventually(() => k.kit.openStreamCount() === 1, 'the stream to reserve its place');
      controller.abort();
      await leaving;
      await eventually(() => closedByClient === 1, 'the server to see the client go, before the transaction is read');
      holding = false;
      held.open();
      await eventually(() => k.kit.openStreamCount() === 0, 'the place to be given back');
      const next = await SseClient.open(`${k.url}${statusUrl}`);
      assert.equal(next.status, 200);
      await next.close();
    } finally {
      await k.close();
    }
  });
});
