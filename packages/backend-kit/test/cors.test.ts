/**
 * A merchant whose shop page lives on one origin (a CMS) and whose kit runs on another: the browser
 * routes grant exactly the listed origins, with credentials, on every answer (tokens, the status
 * stream, problems); everyone else and the webhook get no grant at all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMeshPay, parseAllowedOrigin, parseAllowedOrigins, type MeshPayError } from '../src/index.js';
import { memoryStore } from '../src/memory-store.js';
import { mint, postWebhook, SseClient, startKit, webhookBody, type Kit } from './harness.js';

const SHOP = 'https://shop.example';
const LOCAL_SHOP = 'http://127.0.0.1:8080';

function assertGranted(res: Response, origin: string) {
  assert.equal(res.headers.get('access-control-allow-origin'), origin);
  assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
  assert.match(res.headers.get('vary') ?? '', /\bOrigin\b/);
}

function assertNotGranted(res: Response) {
  assert.equal(res.headers.get('access-control-allow-origin'), null);
  assert.equal(res.headers.get('access-control-allow-credentials'), null);
}

function preflight(k: Kit, path: string, origin: string, headers = 'content-type') {
  return fetch(`${k.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers },
  });
}

function postToken(k: Kit, body: string, origin: string, extra: Record<string, string> = {}) {
  return fetch(`${k.url}/mesh/link-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin, ...extra },
    body,
  });
}

describe('a shop page on another origin', () => {
  let k: Kit;
  before(async () => {
    k = await startKit({ cors: { origins: [SHOP, `${LOCAL_SHOP}/`] }, rateLimit: { windowMs: 60_000, limit: 1000 } });
  });
  after(() => k.close());

  it('is granted the token route’s preflight, with credentials and no wildcard', async () => {
    const res = await preflight(k, '/mesh/link-token', SHOP);
    assert.equal(res.status, 204);
    assertGranted(res, SHOP);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Content-Type/i);
    assert.ok(Number(res.headers.get('access-control-max-age')) > 0);
  });

  it('mints a token it can read, and a trailing slash in the configured list still means the origin', async () => {
    const res = await postToken(k, '{"orderId":"order-cors-1"}', LOCAL_SHOP);
    assert.equal(res.status, 200);
    assertGranted(res, LOCAL_SHOP);
    const body = (await res.json()) as { statusUrl: string };
    assert.ok(body.statusUrl);
  });

  it('can read the problem+json of every refusal: garbage, oversize, missing, unknown order, rate limit', async () => {
    const cases: [string, number][] = [
      ['{not json', 400],
      [JSON.stringify({ orderId: 'x'.repeat(200_000) }), 413],
      ['{}', 400],
      [JSON.stringify({ orderId: '<script>alert(1)</script>' }), 400],
      [JSON.stringify({ orderId: 'unknown-order' }), 404],
    ];
    for (const [body, status] of cases) {
      const res = await postToken(k, body, SHOP);
      assert.equal(res.status, status, body.slice(0, 40));
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assertGranted(res, SHOP);
      await res.arrayBuffer();
    }
    const limited = await startKit({ cors: { origins: [SHOP] }, rateLimit: { windowMs: 60_000, limit: 1 } });
    try {
      await (await postToken(limited, '{"orderId":"order-rl-1"}', SHOP)).arrayBuffer();
      const res = await postToken(limited, '{"orderId":"order-rl-2"}', SHOP);
      assert.equal(res.status, 429);
      assertGranted(res, SHOP);
      // The button may read why it has to wait.
      assert.match(res.headers.get('access-control-expose-headers') ?? '', /Retry-After|RateLimit/);
      await res.arrayBuffer();
    } finally {
      await limited.close();
    }
  });

  it('opens the status stream with the grant, and is granted even a refused capability', async () => {
    const minted = await mint(k, 'order-cors-stream');
    const stream = await SseClient.open(`${k.url}${minted.statusUrl}`, { origin: SHOP });
    try {
      assert.equal(stream.status, 200);
      assert.equal(stream.headers?.get('access-control-allow-origin'), SHOP);
      assert.equal(stream.headers?.get('access-control-allow-credentials'), 'true');
      assert.match(stream.headers?.get('content-type') ?? '', /^text\/event-stream/);
      await stream.until((c) => c.comments.includes('waiting'), 'the stream to wait for a first status');
      const hook = await postWebhook(k, webhookBody({ transactionId: minted.transactionId, status: 'succeeded', transferId: 'tr-cors' }));
      assert.equal(hook.status, 200);
      await stream.until((c) => c.ended, 'the end after succeeded');
      assert.ok(stream.messages.some((m) => m.event === 'status' && m.data?.includes('"succeeded"')));
    } finally {
      stream.close();
    }
    const forged = await SseClient.open(`${k.url}/mesh/status/forged.capability`, { origin: SHOP });
    assert.ok(forged.status === 403 || forged.status === 404, String(forged.status));
    assert.equal(forged.headers?.get('access-control-allow-origin'), SHOP);
  });

  it('is granted the integration route’s preflight (return users)', async () => {
    const minted = await mint(k, 'order-cors-integration');
    const res = await preflight(k, `/mesh${minted.statusUrl.replace(/^\/mesh/, '')}/integration`, SHOP);
    assert.equal(res.status, 204);
    assertGranted(res, SHOP);
  });
});

describe('an origin that is not listed', () => {
  let k: Kit;
  before(async () => {
    k = await startKit({ cors: { origins: [SHOP] } });
  });
  after(() => k.close());

  it('gets answers without any grant, whatever it pretends to be', async () => {
    const impostors = [
      'https://evil.example',
      'null',
      'https://shop.example.evil.example',
      'https://evil.example/?https://shop.example',
      'HTTPS://SHOP.EXAMPLE',
      'http://shop.example',
      'https://shop.example:8443',
      `${SHOP}, https://evil.example`,
      SHOP + 'x'.repeat(6000),
    ];
    for (const origin of impostors) {
      const pre = await preflight(k, '/mesh/link-token', origin);
      assertNotGranted(pre);
      assert.match(pre.headers.get('vary') ?? '', /\bOrigin\b/, origin);
      await pre.arrayBuffer();
      const res = await postToken(k, '{"orderId":"order-impostor"}', origin);
      assertNotGranted(res);
      await res.arrayBuffer();
    }
  });

  it('and a request with no Origin (same origin, curl) works as before, with Vary for caches', async () => {
    const res = await fetch(`${k.url}/mesh/link-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"orderId":"order-same-origin"}',
    });
    assert.equal(res.status, 200);
    assertNotGranted(res);
    assert.match(res.headers.get('vary') ?? '', /\bOrigin\b/);
  });
});

describe('the webhook', () => {
  it('never answers CORS, not even to a listed origin’s preflight, GET or POST', async () => {
    const k = await startKit({ cors: { origins: [SHOP] } });
    try {
      const pre = await preflight(k, '/mesh/webhook', SHOP, 'content-type, x-mesh-signature-256');
      assertNotGranted(pre);
      await pre.arrayBuffer();
      const get = await fetch(`${k.url}/mesh/webhook`, { headers: { origin: SHOP } });
      assertNotGranted(get);
      await get.arrayBuffer();
      const post = await postWebhook(k, '{}', { headers: { origin: SHOP } });
      assertNotGranted(post);
      await post.arrayBuffer();
    } finally {
      await k.close();
    }
  });
});

describe('the allow-list itself', () => {
  it('reads origins as browsers send them', () => {
    assert.equal(parseAllowedOrigin('https://Shop.Example'), 'https://shop.example');
    assert.equal(parseAllowedOrigin(' https://shop.example:443/ '), 'https://shop.example');
    assert.equal(parseAllowedOrigin('http://localhost:8080'), 'http://localhost:8080');
    assert.equal(parseAllowedOrigin('http://[::1]:8080'), 'http://[::1]:8080');
    assert.deepEqual(parseAllowedOrigins([SHOP, `${SHOP}/`, 'https://b.example']), [SHOP, 'https://b.example']);
  });

  it('refuses, at start-up with MESH_PAY_CONFIG_INVALID, anything that is not exactly an origin', () => {
    const bad = [
      '',
      '*',
      'https://*.shop.example',
      'null',
      'shop.example',
      'https://shop.example/checkout',
      'https://shop.example?x=1',
      'https://shop.example#top',
      'https://user:pw@shop.example',
      'ftp://shop.example',
      'javascript:alert(1)',
      'file:///etc/passwd',
      `https://${'a'.repeat(3000)}.example`,
    ];
    for (const origin of bad) {
      assert.throws(
        () =>
          createMeshPay({
            store: memoryStore(),
            mesh: { clientId: 'id', clientSecret: 'secret' },
            webhookSecret: 'whsec_0123456789abcdef',
            kitSecret: 'kit-secret-0123456789abcdef',
            resolveOrder: async () => undefined,
            cors: { origins: [origin] },
          }),
        (err: MeshPayError) => err.code === 'MESH_PAY_CONFIG_INVALID' && err.message.includes('not an allowed origin'),
        origin,
      );
    }
  });
});
