/**
 * A merchant's backend talks to the sandbox exactly as to Mesh's API: same paths, headers,
 * envelopes and errors, over real HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { createMeshSandbox, SANDBOX_NETWORKS, type MeshSandbox } from '../src/index.js';
import { payOverHttp } from './support/customer.js';
import { credentials, listen, mintLinkToken, network, paymentRequest, type Listening } from './support/http.js';

let clock = Date.parse('2026-01-01T00:00:00Z');
let sandbox: MeshSandbox;
let server: Listening;
let base: string;

before(async () => {
  sandbox = createMeshSandbox({ now: () => clock, webhookSecret: undefined });
  const app = express();
  app.use('/sandbox/mesh', sandbox.router);
  server = await listen(app);
  base = `${server.url}/sandbox/mesh`;
});

after(async () => {
  await sandbox.close();
  await server.close();
});

async function post(path: string, body: string | undefined, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const json = { 'Content-Type': 'application/json' };

function assertMeshError(result: { status: number; json: Record<string, unknown> }, status: number, meshStatus: string) {
  assert.equal(result.status, status);
  assert.equal(result.json.status, meshStatus);
  assert.equal(typeof result.json.message, 'string');
  assert.ok((result.json.message as string).length > 0);
  assert.equal(typeof result.json.errorType, 'string');
  assert.equal(result.json.content, null);
}

describe('credentials', () => {
  test('a request without X-Client-Id/X-Client-Secret is refused like Mesh does (401, permissionDenied)', async () => {
    const r = await post('/api/v1/linktoken', JSON.stringify(paymentRequest()), json);
    assertMeshError(r, 401, 'permissionDenied');
    assert.match(r.json.message as string, /Client Id or Client Secret/);
  });

  test('a wrong secret, or a right secret with the wrong id, is refused', async () => {
    for (const headers of [
      { 'X-Client-Id': credentials['X-Client-Id'], 'X-Client-Secret': 'nope' },
      { 'X-Client-Id': 'someone-else', 'X-Client-Secret': credentials['X-Client-Secret'] },
      { 'X-Client-Id': credentials['X-Client-Id'], 'X-Client-Secret': `${credentials['X-Client-Secret']}x` },
    ]) {
      assertMeshError(await post('/api/v1/linktoken', JSON.stringify(paymentRequest()), { ...json, ...headers }), 401, 'permissionDenied');
    }
  });

  test('networks and the transfers list need credentials too', async () => {
    for (const path of ['/api/v1/transfers/managed/networks', '/api/v1/transfers/managed/mesh']) {
      const response = await fetch(`${base}${path}`);
      assert.equal(response.status, 401, path);
      assert.equal(((await response.json()) as { status: string }).status, 'permissionDenied');
    }
  });

  test('a custom credential pair replaces the default one', async () => {
    const custom = createMeshSandbox({ clientId: 'merchant-id', clientSecret: 'merchant-secret' });
    const app = express().use(custom.router);
    const s = await listen(app);
    try {
      const refused = await fetch(`${s.url}/api/v1/transfers/managed/networks`, { headers: credentials });
      assert.equal(refused.status, 401);
      const ok = await fetch(`${s.url}/api/v1/transfers/managed/networks`, {
        headers: { 'X-Client-Id': 'merchant-id', 'X-Client-Secret': 'merchant-secret' },
      });
      assert.equal(ok.status, 200);
    } finally {
      await custom.close();
      await s.close();
    }
  });
});

describe('POST /api/v1/linktoken rejects bad requests with a clear Mesh-shaped 400', () => {
  const headers = { ...json, ...credentials };

  test('garbage instead of JSON', async () => {
    const r = await post('/api/v1/linktoken', '{"userId": "a",,, <html>', headers);
    assertMeshError(r, 400, 'badRequest');
    assert.match(r.json.message as string, /not valid JSON/);
  });

  test('no body, or a body that is not an object', async () => {
    assertMeshError(await post('/api/v1/linktoken', undefined, credentials), 400, 'badRequest');
    assertMeshError(await post('/api/v1/linktoken', '[1,2,3]', headers), 400, 'badRequest');
    assertMeshError(await post('/api/v1/linktoken', '"hello"', headers), 400, 'badRequest');
  });

  test('an oversize body is refused before it is parsed (413)', async () => {
    const huge = JSON.stringify({ ...paymentRequest(), padding: 'x'.repeat(200_000) });
    const r = await post('/api/v1/linktoken', huge, headers);
    assertMeshError(r, 413, 'badRequest');
  });

  test('a missing userId is named in the message', async () => {
    const { userId: _drop, ...body } = paymentRequest();
    const r = await post('/api/v1/linktoken', JSON.stringify(body), headers);
    assertMeshError(r, 400, 'badRequest');
    assert.match(r.json.message as string, /userId/);
  });

  test('wrong types are named with their path', async () => {
    const body = paymentRequest();
    const r = await post(
      '/api/v1/linktoken',
      JSON.stringify({ ...body, transferOptions: { ...body.transferOptions, amountInFiat: '25' } }),
      headers,
    );
    assertMeshError(r, 400, 'badRequest');
    assert.match(r.json.message as string, /transferOptions\.amountInFiat/);
    const negative = await post(
      '/api/v1/linktoken',
      JSON.stringify({ ...body, transferOptions: { ...body.transferOptions, amountInFiat: -5 } }),
      headers,
    );
    assertMeshError(negative, 400, 'badRequest');
  });

  test('an unknown network, an unsupported token or a malformed address is refused like Mesh validates them', async () => {
    const body = paymentRequest();
    const to = body.transferOptions.toAddresses[0]!;
    const cases = [
      [{ ...to, networkId: '00000000-0000-4000-8000-000000000000' }, /networkId: unknown network/],
      [{ ...to, networkId: 'not-a-uuid' }, /networkId: must be a UUID/],
      [{ ...to, symbol: 'DOGE' }, /DOGE is not supported on Base/],
      [{ ...to, address: '0x1234' }, /address: not a valid Base address/],
      [{ ...to, networkId: network('Solana').id, symbol: 'SOL' }, /not a valid Solana address/],
    ] as const;
    for (const [bad, message] of cases) {
      const r = await post(
        '/api/v1/linktoken',
        JSON.stringify({ ...body, transferOptions: { ...body.transferOptions, toAddresses: [bad] } }),
        headers,
      );
      assertMeshError(r, 400, 'badRequest');
      assert.match(r.json.message as string, message);
    }
  });
});

describe('link tokens', () => {
  test('a valid request answers {content:{linkToken}, status:"ok"}; the token decodes to the Link page URL under the mount', async () => {
    const response = await fetch(`${base}/api/v1/linktoken`, {
      method: 'POST',
      headers: { ...json, ...credentials },
      body: JSON.stringify(paymentRequest()),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { content: { linkToken: string }; status: string };
    assert.equal(body.status, 'ok');
    const url = Buffer.from(body.content.linkToken, 'base64').toString('utf8');
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/sandbox\/mesh\/link\/[A-Za-z0-9_-]{20,}$/);
    assert.ok(url.startsWith(server.url));
  });

  test('publicUrl, when given, is what tokens point at', async () => {
    const proxied = createMeshSandbox({ publicUrl: 'https://shop.example/pay/mesh/' });
    const s = await listen(express().use(proxied.router));
    try {
      const { linkUrl } = await mintLinkToken(s.url);
      assert.match(linkUrl, /^https:\/\/shop\.example\/pay\/mesh\/link\/[A-Za-z0-9_-]+$/);
    } finally {
      await proxied.close();
      await s.close();
    }
  });

  test('a token is single-use: the first page load consumes it, the second shows LINK_TOKEN_EXPIRED', async () => {
    const { linkUrl } = await mintLinkToken(base);
    const first = await fetch(`${linkUrl}?lng=en&th=dark`);
    assert.equal(first.status, 200);
    const page = await first.text();
    assert.match(page, /data-theme="dark"/);
    assert.match(page, /"sessionKey":"/);
    assert.doesNotMatch(page, /LINK_TOKEN_EXPIRED/);
    const second = await fetch(linkUrl);
    assert.equal(second.status, 410);
    const again = await second.text();
    assert.match(again, /LINK_TOKEN_EXPIRED/);
    assert.doesNotMatch(again, /"sessionKey"/);
  });

  test('a token loaded after its 10 minutes is expired (injected clock)', async () => {
    const { linkUrl } = await mintLinkToken(base);
    clock += 10 * 60_000;
    try {
      const response = await fetch(linkUrl);
      assert.equal(response.status, 410);
      assert.match(await response.text(), /LINK_TOKEN_EXPIRED[\s\S]*expired/);
    } finally {
      clock += 1;
    }
  });

  test('a token loaded one millisecond before expiry still works', async () => {
    const { linkUrl } = await mintLinkToken(base);
    clock += 10 * 60_000 - 1;
    assert.equal((await fetch(linkUrl)).status, 200);
  });

  test('an unknown token id shows the error page, never another session', async () => {
    const response = await fetch(`${base}/link/doesnotexist`);
    assert.equal(response.status, 404);
    assert.match(await response.text(), /LINK_TOKEN_EXPIRED/);
  });

  test('the Link page declares a strict CSP and loads only its own script and stylesheet', async () => {
    const { linkUrl } = await mintLinkToken(base);
    const response = await fetch(linkUrl);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /style-src 'self'/);
    assert.doesNotMatch(csp, /unsafe/);
    const html = await response.text();
    assert.doesNotMatch(html, /\sstyle=/);
    assert.doesNotMatch(html, /<script(?![^>]*(src=|type="application\/json"))/);
    const js = await fetch(new URL('../link-assets/link.js', linkUrl));
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    const css = await fetch(new URL('../link-assets/link.css', linkUrl));
    assert.match(css.headers.get('content-type') ?? '', /text\/css/);
    assert.equal((await fetch(new URL('../link-assets/..%2Fsandbox.ts', linkUrl))).status, 404);
  });

  test("the page's own calls need its session key", async () => {
    const { linkUrl } = await mintLinkToken(base);
    await fetch(linkUrl);
    const response = await fetch(`${linkUrl}/connect`, {
      method: 'POST',
      headers: { ...json, 'X-Link-Session': 'guessed' },
      body: '{}',
    });
    assert.equal(response.status, 410);
    assert.match(((await response.json()) as { message: string }).message, /LINK_TOKEN_EXPIRED/);
  });
});

describe('GET /api/v1/transfers/managed/networks', () => {
  test("lists Mesh's networks with real ids, names as webhooks spell Chain, chain ids and tokens", async () => {
    const response = await fetch(`${base}/api/v1/transfers/managed/networks`, { headers: credentials });
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      status: string;
      content: { networks: { id: string; name: string; chainId: string; supportedTokens: string[]; supportedBrokerTypes: string[] }[] };
    };
    assert.equal(body.status, 'ok');
    const ethereum = body.content.networks.find((n) => n.name === 'Ethereum');
    assert.equal(ethereum?.id, 'e3c7fdd8-b1fc-4e51-85ae-bb276e075611');
    assert.equal(ethereum?.chainId, '1');
    assert.ok(ethereum?.supportedTokens.includes('USDC'));
    assert.ok(ethereum?.supportedBrokerTypes.includes('coinbase'));
    assert.deepEqual(
      body.content.networks.map((n) => n.name),
      SANDBOX_NETWORKS.map((n) => n.name),
    );
    for (const n of body.content.networks) assert.match(n.id, /^[0-9a-f-]{36}$/);
  });
});

describe('GET /api/v1/transfers/managed/mesh', () => {
  test('lists the transfers the sandbox made, filterable by the merchant transactionId, with exact amounts', async () => {
    const a = await mintLinkToken(base, paymentRequest({ transactionId: 'order-list-a' }));
    const b = await mintLinkToken(base, paymentRequest({ transactionId: 'order-list-b', amountInFiat: 19.99 }));
    const paidA = await payOverHttp(a.linkUrl);
    const paidB = await payOverHttp(b.linkUrl);

    const response = await fetch(`${base}/api/v1/transfers/managed/mesh?ClientTransactionId=order-list-b`, { headers: credentials });
    assert.equal(response.status, 200);
    const text = await response.text();
    const body = JSON.parse(text) as { status: string; content: { total: number; items: Record<string, unknown>[] } };
    assert.equal(body.status, 'ok');
    assert.equal(body.content.total, 1);
    const item = body.content.items[0]!;
    assert.equal(item.id, paidB.transferId);
    assert.equal(item.clientTransactionId, 'order-list-b');
    assert.equal(item.status, 'pending');
    assert.equal(item.symbol, 'USDC');
    assert.equal(item.networkName, 'Base');
    assert.equal(item.userId, 'customer-42');
    // 19.99 / 0.9998, 24 digits: written verbatim, not rounded through a float.
    assert.ok(text.includes(`"amount":${paidB.previewAmount},`), text);
    assert.ok(paidB.previewAmount.length > 20);

    const all = await fetch(`${base}/api/v1/transfers/managed/mesh?Count=1&Offset=0&DescendingOrder=false&UserId=customer-42`, {
      headers: credentials,
    });
    const page = (await all.json()) as { content: { total: number; items: { id: string }[] } };
    assert.ok(page.content.total >= 2);
    assert.equal(page.content.items.length, 1);
    const byId = await fetch(`${base}/api/v1/transfers/managed/mesh?Id=${paidA.transferId}`, { headers: credentials });
    assert.equal(((await byId.json()) as { content: { items: { clientTransactionId: string }[] } }).content.items[0]?.clientTransactionId, 'order-list-a');
    const none = await fetch(`${base}/api/v1/transfers/managed/mesh?transactionId=nobody&Statuses=succeeded`, { headers: credentials });
    assert.equal(((await none.json()) as { content: { total: number } }).content.total, 0);
  });

  test('a bad query is a Mesh-shaped 400', async () => {
    for (const q of ['Count=1000', 'Count=abc', 'Statuses=lost', 'Offset=-1']) {
      const response = await fetch(`${base}/api/v1/transfers/managed/mesh?${q}`, { headers: credentials });
      assert.equal(response.status, 400, q);
      assert.equal(((await response.json()) as { status: string }).status, 'badRequest');
    }
  });

  test('an unknown API path answers a Mesh-shaped 404', async () => {
    const response = await fetch(`${base}/api/v1/nothing-here`, { headers: credentials });
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { status: string }).status, 'notFound');
  });
});
