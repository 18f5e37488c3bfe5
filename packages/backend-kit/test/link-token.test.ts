/**
 * The token route as a shopper's browser, an attacker and a bad day at Mesh meet it.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import express from 'express';
import { after, before, describe, it } from 'node:test';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, NETWORKS, startFakeMesh, type FakeMesh } from './fake-mesh.js';
import { DESTINATION, eventually, mint, postWebhook, startKit, webhookBody, type Kit } from './harness.js';

function postToken(k: Kit, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  return fetch(`${k.url}/mesh/link-token`, { method: 'POST', headers, body });
}

async function problem(res: Response) {
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const text = await res.text();
  for (const secret of [FAKE_CLIENT_SECRET, 'script', '10.0.0.3', 'invalidField', 'database exploded']) {
    assert.equal(text.includes(secret), false, `problem leaks ${secret}: ${text}`);
  }
  return JSON.parse(text) as { type: string; title: string; status: number; detail: string; code: string };
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address() as { port: number };
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

describe('token route input', () => {
  let k: Kit;
  before(async () => {
    k = await startKit();
  });
  after(() => k.close());

  it('answers 400 problem+json to bad, oversize, missing and malicious orderIds', async () => {
    const bodies = [
      '{}',
      '{"orderId": ""}',
      `{"orderId": "${'a'.repeat(65)}"}`,
      '{"orderId": 42}',
      '{"orderId": null}',
      '{"orderId": ["order-1"]}',
      '{"orderId": "../../etc/passwd"}',
      '{"orderId": "order-1\' OR 1=1 --"}',
      '{"orderId": "<script>alert(1)</script>"}',
      '{"orderId": "order\\u0000-1"}',
      '{"orderId": {"$ne": null}}',
      '[]',
      'null',
      '{"orderId": "order-1"',
      'orderId=order-1',
    ];
    for (const body of bodies) {
      const res = await postToken(k, body);
      assert.equal(res.status, 400, body);
      const p = await problem(res);
      assert.equal(p.code, 'MESH_PAY_INVALID_REQUEST');
      assert.equal(p.status, 400);
      assert.ok(p.type && p.title && p.detail);
    }
    // Not JSON at all (form post) and an oversized body.
    assert.equal((await postToken(k, 'orderId=order-1', { 'content-type': 'application/x-www-form-urlencoded' })).status, 400);
    const big = await postToken(k, JSON.stringify({ orderId: 'order-1', pad: 'x'.repeat(10_000) }));
    assert.equal(big.status, 413);
    assert.equal((await problem(big)).code, 'MESH_PAY_PAYLOAD_TOO_LARGE');
    assert.equal(k.mesh.linkTokenBodies.length, 0, 'Mesh was never called');
  });

  it('ignores any amount or destination the browser sends: the resolver decides', async () => {
    const res = await postToken(k, JSON.stringify({ orderId: 'order-7', amountInFiat: '0.01', address: '0xattacker' }));
    assert.equal(res.status, 200);
    const sent = k.mesh.linkTokenBodies.at(-1)!;
    assert.equal(sent.includes('0xattacker'), false);
    assert.match(sent, /"amountInFiat":25\.00/);
  });

  it('answers 404 for an order the resolver does not know', async () => {
    const res = await postToken(k, '{"orderId": "unknown-order"}');
    assert.equal(res.status, 404);
    assert.equal((await problem(res)).code, 'MESH_PAY_ORDER_NOT_FOUND');
  });
});

describe('token route against a failing Mesh', () => {
  let mesh: FakeMesh;
  let k: Kit;
  before(async () => {
    mesh = await startFakeMesh();
    k = await startKit({ fakeMesh: mesh, meshOptions: { timeoutMs: 300 } });
  });
  after(async () => {
    await k.close();
    await mesh.close();
  });

  it('maps a Mesh 4xx to 502 MESH_PAY_MESH_REFUSED without leaking Mesh’s message, and logs it server-side', async () => {
    mesh.linkTokenMode = { kind: 'refuse', status: 400 };
    const res = await postToken(k, '{"orderId": "order-1"}');
    assert.equal(res.status, 502);
    assert.equal((await problem(res)).code, 'MESH_PAY_MESH_REFUSED');
    assert.equal(mesh.linkTokenBodies.length, 1, 'a 4xx is not retried');
    const logged = k.logs.find((l) => /Mesh answered with an error/.test(l.message));
    assert.ok(logged);
    assert.equal(JSON.stringify(k.logs).includes(FAKE_CLIENT_SECRET), false, 'the secret is never logged');
  });

  it('maps wrong credentials (401) and a Mesh 500 to 502 problems', async () => {
    mesh.linkTokenMode = { kind: 'server-error' };
    const res = await postToken(k, '{"orderId": "order-1"}');
    assert.equal(res.status, 502);
    assert.equal((await problem(res)).code, 'MESH_PAY_MESH_UNAVAILABLE');

    mesh.linkTokenMode = { kind: 'ok' };
    const wrongCreds = await startKit({ fakeMesh: mesh, meshOptions: { clientSecret: 'wrong' } });
    try {
      const r = await postToken(wrongCreds, '{"orderId": "order-1"}');
      assert.equal(r.status, 502);
      assert.equal((await problem(r)).code, 'MESH_PAY_MESH_REFUSED');
    } finally {
      await wrongCreds.close();
    }
  });

  it('answers 504 when Mesh does not answer within the timeout', async () => {
    mesh.linkTokenMode = { kind: 'stall' };
    const before = mesh.linkTokenBodies.length;
    const res = await postToken(k, '{"orderId": "order-1"}');
    assert.equal(res.status, 504);
    assert.equal((await problem(res)).code, 'MESH_PAY_MESH_TIMEOUT');
    assert.equal(mesh.linkTokenBodies.length - before, 1, 'a timeout is not retried (it would double the wait)');
    mesh.release();
  });

  it('retries exactly once on a network failure, and succeeds if the retry does', async () => {
    mesh.linkTokenMode = { kind: 'drop', times: 1 };
    const before = mesh.linkTokenBodies.length;
    const minted = await mint(k, 'order-retry');
    assert.ok(minted.linkToken);
    assert.equal(mesh.linkTokenBodies.length - before, 2);
  });

  it('gives up after the one retry with 502 when the network keeps failing', async () => {
    mesh.linkTokenMode = { kind: 'drop', times: 100 };
    const before = mesh.linkTokenBodies.length;
    const res = await postToken(k, '{"orderId": "order-1"}');
    assert.equal(res.status, 502);
    assert.equal((await problem(res)).code, 'MESH_PAY_MESH_UNAVAILABLE');
    assert.equal(mesh.linkTokenBodies.length - before, 2);
    mesh.linkTokenMode = { kind: 'ok' };
  });

  it('answers 502 quickly when nothing listens at Mesh’s address', async () => {
    const down = await startKit({ meshOptions: { apiUrl: `http://127.0.0.1:${await deadPort()}`, timeoutMs: 60_000 } });
    try {
      // With a 60 s timeout, only a refused connection (not the timeout) can end this request.
      const res = await postToken(down, '{"orderId": "order-1"}');
      assert.equal(res.status, 502);
      assert.equal((await problem(res)).code, 'MESH_PAY_MESH_UNAVAILABLE');
    } finally {
      await down.close();
    }
  });
});

describe('token route extras', () => {
  it('allows listed origins (CORS) and no others', async () => {
    const k = await startKit({ cors: { origins: ['https://shop.example'] } });
    try {
      const preflight = await fetch(`${k.url}/mesh/link-token`, {
        method: 'OPTIONS',
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://shop.example');
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Content-Type/i);

      const allowed = await postToken(k, '{"orderId": "order-1"}', { 'content-type': 'application/json', origin: 'https://shop.example' });
      assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://shop.example');
      assert.match(allowed.headers.get('vary') ?? '', /Origin/);

      const other = await fetch(`${k.url}/mesh/link-token`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      assert.equal(other.headers.get('access-control-allow-origin'), null);
      // The webhook is server-to-server: never CORS-enabled.
      const hook = await fetch(`${k.url}/mesh/webhook`, { method: 'POST', headers: { origin: 'https://shop.example' }, body: '{}' });
      assert.equal(hook.headers.get('access-control-allow-origin'), null);
    } finally {
      await k.close();
    }
  });

  it('rate-limits token requests per IP with a 429 problem', async () => {
    const k = await startKit({ rateLimit: { windowMs: 60_000, limit: 2 } });
    try {
      assert.equal((await postToken(k, '{"orderId": "order-1"}')).status, 200);
      assert.equal((await postToken(k, '{"orderId": "order-2"}')).status, 200);
      const limited = await postToken(k, '{"orderId": "order-3"}');
      assert.equal(limited.status, 429);
      assert.equal((await problem(limited)).code, 'MESH_PAY_RATE_LIMITED');
      assert.equal(k.mesh.linkTokenBodies.length, 2);
    } finally {
      await k.close();
    }
  });

  it('serves Mesh’s networks from a cache', async () => {
    const k = await startKit();
    try {
      const [a, b] = await Promise.all([fetch(`${k.url}/mesh/networks`), fetch(`${k.url}/mesh/networks`)]);
      assert.equal(a.status, 200);
      assert.deepEqual(((await a.json()) as { networks: unknown }).networks, NETWORKS);
      await b.arrayBuffer();
      assert.deepEqual(await k.kit.getNetworks(), NETWORKS);
      assert.equal(k.mesh.networksCalls, 1);
    } finally {
      await k.close();
    }
  });

  it('refuses to start without secrets', async () => {
    const { createMeshPay } = await import('../src/index.js');
    const { memoryStore } = await import('../src/memory-store.js');
    assert.throws(
      () =>
        createMeshPay({
          store: memoryStore(),
          mesh: { clientId: FAKE_CLIENT_ID, clientSecret: '' },
          webhookSecret: 'x',
          kitSecret: 'short',
          resolveOrder: async () => undefined,
        }),
      /MESH_PAY_CONFIG_INVALID/,
    );
  });
});

describe('a paid order stays paid', () => {
  let k: Kit;
  before(async () => {
    k = await startKit();
  });
  after(() => k.close());

  it('refuses a new token for an order whose payment succeeded with 409 MESH_PAY_ORDER_ALREADY_PAID, and the order stays paid', async () => {
    const orderId = 'order-paid-once';
    const first = await mint(k, orderId);
    await postWebhook(k, webhookBody({ transactionId: first.transactionId, status: 'Succeeded', transferId: 'tr-paid-once' }));
    await eventually(
      async () => (await k.store.statusesSince(first.transactionId, 0)).some((s) => s.update.status === 'succeeded'),
      'the payment to be confirmed',
    );
    const tokensBefore = k.mesh.linkTokenBodies.length;

    for (let i = 0; i < 3; i++) {
      const again = await postToken(k, JSON.stringify({ orderId }));
      assert.equal(again.status, 409);
      const body = await problem(again);
      assert.equal(body.code, 'MESH_PAY_ORDER_ALREADY_PAID');
      assert.equal(body.status, 409);
    }
    assert.equal(k.mesh.linkTokenBodies.length, tokensBefore, 'Mesh was not asked for another token');
    const latest = await k.kit.getTransactionByOrder(orderId);
    assert.equal(latest?.transactionId, first.transactionId, 'the paid transaction is still the order’s');
  });

  it('still mints again while a payment is only pending, or after it failed', async () => {
    for (const status of ['pending', 'failed']) {
      const orderId = `order-${status}-then-retry`;
      const first = await mint(k, orderId);
      await postWebhook(k, webhookBody({ transactionId: first.transactionId, status, transferId: `tr-${status}` }));
      await eventually(async () => (await k.store.statusesSince(first.transactionId, 0)).length > 0, `${status} stored`);
      const again = await mint(k, orderId);
      assert.notEqual(again.transactionId, first.transactionId);
    }
  });

  it('answers 404, not 409, when the resolver does not hand the order to this request', async () => {
    const owned = await startKit({
      fakeMesh: k.mesh,
      store: k.store,
      resolveOrder: async (_orderId, req) =>
        req.get('x-shopper') === 'owner' ? { userId: 'owner', amountInFiat: '25.00', destinations: [DESTINATION] } : undefined,
    });
    try {
      const mintAs = (shopper: string) =>
        postToken(owned, JSON.stringify({ orderId: 'order-owned-paid' }), { 'content-type': 'application/json', 'x-shopper': shopper });
      const first = (await (await mintAs('owner')).json()) as { transactionId: string };
      await postWebhook(owned, webhookBody({ transactionId: first.transactionId, status: 'succeeded', transferId: 'tr-owned-paid' }));
      await eventually(
        async () => (await owned.store.statusesSince(first.transactionId, 0)).some((s) => s.update.status === 'succeeded'),
        'the payment to be confirmed',
      );
      assert.equal((await mintAs('owner')).status, 409);
      const stranger = await mintAs('stranger');
      assert.equal(stranger.status, 404, 'a stranger learns nothing about the order, not even that it is paid');
      assert.equal((await problem(stranger)).code, 'MESH_PAY_ORDER_NOT_FOUND');
    } finally {
      await owned.close({ closeStore: false });
    }
  });
});

describe('living inside a host app', () => {
  it("answers its own errors as problem+json and leaves the host app's errors to the host", async () => {
    const k = await startKit({
      configureAppAfter: (app) => {
        app.get('/boom', () => {
          throw new Error('host failure');
        });
        app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
          res.status(599).send(`host handled: ${err.message}`);
        });
      },
    });
    try {
      const host = await fetch(`${k.url}/boom`);
      assert.equal(host.status, 599);
      assert.equal(await host.text(), 'host handled: host failure');
      const kit = await postToken(k, '{}');
      assert.equal(kit.status, 400);
      assert.match(kit.headers.get('content-type') ?? '', /problem\+json/);
    } finally {
      await k.close();
    }
  });

  it('tells the developer when a host body parser ate the webhook bytes', async () => {
    const k = await startKit({ configureApp: (app) => app.use(express.json()) });
    try {
      const res = await fetch(`${k.url}/mesh/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-mesh-signature-256': 'x' }, body: '{}' });
      assert.equal(res.status, 401);
      assert.ok(k.logs.some((l) => l.level === 'error' && /mount the kit router before express\.json/.test(l.message)));
    } finally {
      await k.close();
    }
  });
});
