/**
 * A merchant's backend talks to the sandbox exactly as to Mesh's API: same paths, headers,
 * envelopes and errors, over real HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { createMeshSandbox, SANDBOX_NETWORKS, type MeshSandbox } from '../src/index.js';
import { payOverHttp } from './support/customer.js';
import { assertMeshResponse } from './support/mesh-contract.js';
import { credentials, listen, MERCHANT_ADDRESS, mintLinkToken, network, paymentRequest, type Listening } from './support/http.js';
import { meshSchemaErrors } from '../src/mesh-openapi.js';

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

/** POSTs to a Mesh route and checks the answer against the schema Mesh documents for it. */
async function post(path: string, body: string | undefined, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });
  const json = (await response.json()) as Record<string, unknown>;
  assertMeshResponse('post', path, response.status, json);
  return { status: response.status, json };
}

/** GETs a Mesh route (path may carry a query) and checks the answer against Mesh's schema. */
async function get(pathAndQuery: string, headers: Record<string, string> = credentials) {
  const response = await fetch(`${base}${pathAndQuery}`, { headers });
  const text = await response.text();
  const json = JSON.parse(text) as Record<string, unknown>;
  assertMeshResponse('get', pathAndQuery.split('?')[0]!, response.status, json);
  return { status: response.status, json, text };
}

const json = { 'Content-Type': 'application/json' };

function assertMeshError(result: { status: number; json: Record<string, unknown> }, status: number, meshStatus: string) {
  assert.equal(result.status, status);
  assert.equal(result.json.status, meshStatus);
  assert.equal(typeof result.json.message, 'string');
  assert.ok((result.json.message as string).length > 0);
  assert.equal(typeof result.json.errorType, 'string');
  // Mesh documents error answers as the plain ApiResult, which has no `content` member.
  assert.equal('content' in result.json, false);
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
      const r = await get(path, {});
      assertMeshError(r, 401, 'permissionDenied');
    }
  });

  test('a custom credential pair replaces the default one', async () => {
    const custom = createMeshSandbox({ clientId: 'merchant-id', clientSecret: 'merchant-secret' });
    const app = express().use(custom.router);
    const s = await listen(app);
    try {
      const refused = await fetch(`${s.url}/api/v1/transfers/managed/networks`, { headers: credentials });
      assert.equal(refused.status, 401);
      assertMeshResponse('get', '/api/v1/transfers/managed/networks', 401, await refused.json());
      const ok = await fetch(`${s.url}/api/v1/transfers/managed/networks`, {
        headers: { 'X-Client-Id': 'merchant-id', 'X-Client-Secret': 'merchant-secret' },
      });
      assert.equal(ok.status, 200);
      assertMeshResponse('get', '/api/v1/transfers/managed/networks', 200, await ok.json());
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
    assert.match(r.json.message as string, /\/transferOptions\/amountInFiat: must be number/);
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
      [{ ...to, networkId: 'not-a-uuid' }, /\/toAddresses\/0\/networkId: must match format "uuid"/],
      [{ ...to, symbol: 'DOGE' }, /DOGE is not supported on Base/],
      [{ ...to, symbol: null }, /symbol: required/],
      [{ ...to, address: '0x1234' }, /address: not a valid Base address/],
      [{ ...to, networkId: network('Solana').id, symbol: 'SOL' }, /not a valid Solana address/],
      [{ ...to, amount: 1.1234567 }, /amount: USDC has 6 decimals/],
      [{ ...to, amount: 0 }, /amount: must be above 0/],
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
    const r = await post('/api/v1/linktoken', JSON.stringify(paymentRequest()), { ...json, ...credentials });
    assert.equal(r.status, 200);
    const body = r.json as { content: { linkToken: string; paymentLink?: string }; status: string };
    assert.equal(body.status, 'ok');
    assert.equal(body.content.paymentLink, undefined, 'a pay link only when asked for');
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

  test('a token is single-use: the first page load consumes it, the second shows a generic Link error', async () => {
    const { linkUrl } = await mintLinkToken(base);
    const first = await fetch(`${linkUrl}?lng=en&th=dark`);
    assert.equal(first.status, 200);
    const page = await first.text();
    assert.match(page, /data-theme="dark"/);
    assert.match(page, /"sessionKey":"/);
    assert.doesNotMatch(page, /expired or was already used/);
    const second = await fetch(linkUrl);
    assert.equal(second.status, 410);
    const again = await second.text();
    assert.match(again, /This link has expired or was already used/);
    assert.doesNotMatch(again, /LINK_TOKEN_EXPIRED/, 'Mesh publishes no such code');
    assert.doesNotMatch(again, /"sessionKey"/);
  });

  test('a token loaded after its 10 minutes is expired (injected clock)', async () => {
    const { linkUrl } = await mintLinkToken(base);
    clock += 10 * 60_000;
    try {
      const response = await fetch(linkUrl);
      assert.equal(response.status, 410);
      const page = await response.text();
      assert.match(page, /expired or was already used[\s\S]*for 10 minutes/);
      assert.doesNotMatch(page, /"sessionKey"/);
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
    assert.match(await response.text(), /expired or was already used/);
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

  test('the Link page may be framed by its own origin only, unless frameAncestors names more', async () => {
    const { linkUrl } = await mintLinkToken(base);
    const own = (await fetch(linkUrl)).headers.get('content-security-policy') ?? '';
    assert.match(own, /frame-ancestors 'self'$/);
    const shared = createMeshSandbox({ frameAncestors: ["'self'", 'https://shop.example', 'http://localhost:3000/'] });
    const s = await listen(express().use(shared.router));
    try {
      const minted = await mintLinkToken(s.url);
      const response = await fetch(minted.linkUrl);
      assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'self' https:\/\/shop\.example http:\/\/localhost:3000$/);
      // The page learns the exact parent origins it may post to ('self' resolved to its own origin).
      assert.match(await response.text(), new RegExp(`"parentOrigins":\\["${s.url.replace(/[.]/g, '\\.')}","https://shop.example","http://localhost:3000"\\]`));
    } finally {
      await shared.close();
      await s.close();
    }
  });

  test('frameAncestors refuses anything but an origin or self: no wildcard, path or smuggled CSP', () => {
    for (const bad of ['*', 'https://*.example', 'https://shop.example/path', "https://a.example; script-src 'unsafe-inline'", 'javascript:alert(1)', "'none'", '', 'shop.example']) {
      assert.throws(() => createMeshSandbox({ frameAncestors: [bad] }), /MESH_SANDBOX_INVALID_OPTION/, bad);
    }
    assert.throws(() => createMeshSandbox({ frameAncestors: 'https://shop.example' as unknown as string[] }), /MESH_SANDBOX_INVALID_OPTION/);
  });

  test('Link and pay page ids and query parameters that are garbage or hostile are refused or neutralised', async () => {
    for (const id of ['x'.repeat(5000), '%3Cscript%3Ealert(1)%3C%2Fscript%3E', '..%2F..%2Fapi%2Fv1%2Flinktoken', '%00']) {
      for (const page of ['link', 'pay']) {
        const response = await fetch(`${base}/${page}/${id}`);
        assert.equal(response.status, 404, `${page}/${id.slice(0, 40)}`);
        const html = await response.text();
        assert.doesNotMatch(html, /<script>alert/);
        assert.doesNotMatch(html, /"sessionKey"/);
      }
    }
    const { linkUrl } = await mintLinkToken(base);
    const html = await (await fetch(`${linkUrl}?lng=${encodeURIComponent('"><script>alert(1)</script>')}&th=${encodeURIComponent('" onload="x')}`)).text();
    assert.match(html, /<html lang="en" data-theme="system">/);
    assert.doesNotMatch(html, /<script>alert/);
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
    const body = (await response.json()) as { message: string; errorType: string };
    assert.match(body.message, /expired or was already used/);
    assert.equal(body.errorType, 'MESH_SANDBOX_SESSION_ENDED');
  });
});

describe('GET /api/v1/transfers/managed/networks', () => {
  test("lists Mesh's networks with real ids, names as webhooks spell Chain, chain ids and tokens", async () => {
    const r = await get('/api/v1/transfers/managed/networks');
    assert.equal(r.status, 200);
    const body = r.json as unknown as {
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

describe('POST /api/v1/linktoken follows Mesh’s OpenAPI document', () => {
  const headers = { ...json, ...credentials };

  test('a field Mesh does not define is refused, at any depth (additionalProperties: false)', async () => {
    const body = paymentRequest();
    for (const [bad, field] of [
      [{ ...body, transferOptions: { ...body.transferOptions, fiatCurrency: 'EUR' } }, 'fiatCurrency'],
      [{ ...body, amount: 25 }, 'amount'],
      [{ ...body, transferOptions: { ...body.transferOptions, toAddresses: [{ ...body.transferOptions.toAddresses[0], chain: 'base' }] } }, 'chain'],
    ] as const) {
      const r = await post('/api/v1/linktoken', JSON.stringify(bad), headers);
      assertMeshError(r, 400, 'badRequest');
      assert.match(r.json.message as string, new RegExp(`"${field}" is not defined by Mesh`));
    }
  });

  test('wrong types, oversize strings and hostile keys are refused with their path', async () => {
    const body = paymentRequest();
    const cases: [unknown, RegExp][] = [
      [{ ...body, userId: 42 }, /\/userId: must be string/],
      [{ ...body, userId: '' }, /\/userId: must NOT have fewer than 1 characters/],
      [{ ...body, userId: 'u'.repeat(301) }, /\/userId: must NOT have more than 300 characters/],
      [{ ...body, transferOptions: { ...body.transferOptions, transactionId: 't'.repeat(129) } }, /transactionId: must NOT have more than 128/],
      [{ ...body, transferOptions: { ...body.transferOptions, transferType: 'gift' } }, /transferType: must be equal to one of the allowed values/],
      [{ ...body, transferOptions: { ...body.transferOptions, generatePayLink: 'yes' } }, /generatePayLink: must be boolean/],
      [{ ...body, transferOptions: { ...body.transferOptions, amountInFiat: 0 } }, /amountInFiat: must be above 0/],
      [JSON.parse(`{"userId":"u","__proto__":{"polluted":true}}`), /"__proto__" is not defined by Mesh/],
    ];
    for (const [bad, message] of cases) {
      const r = await post('/api/v1/linktoken', JSON.stringify(bad), headers);
      assertMeshError(r, 400, 'badRequest');
      assert.match(r.json.message as string, message);
    }
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });

  test('every optional field Mesh documents is accepted', async () => {
    const body = paymentRequest();
    const full = {
      ...body,
      brokerType: 'coinbase',
      integrationId: null,
      disableApiKeyGeneration: true,
      subClientId: null,
      transferOptions: {
        ...body.transferOptions,
        toAddresses: [{ ...body.transferOptions.toAddresses[0]!, addressTag: null, amount: null, displayAmountInFiat: 25 }],
        clientFee: 0.025,
        isInclusiveFeeEnabled: false,
        description: 'Order 1',
        generatePayLink: false,
      },
    };
    const r = await post('/api/v1/linktoken', JSON.stringify(full), headers);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });

  test('generatePayLink: the answer carries an absolute paymentLink to the sandbox’s hosted pay page', async () => {
    const body = paymentRequest();
    const r = await post('/api/v1/linktoken', JSON.stringify({ ...body, transferOptions: { ...body.transferOptions, generatePayLink: true } }), headers);
    assert.equal(r.status, 200);
    const content = r.json.content as { linkToken: string; paymentLink: string };
    assert.match(content.paymentLink, /^http:\/\/127\.0\.0\.1:\d+\/sandbox\/mesh\/pay\/[A-Za-z0-9_-]{20,}$/);
    const page = await fetch(content.paymentLink);
    assert.equal(page.status, 200);
    // A top-level page: nobody may frame it.
    assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.match(await page.text(), /"mode":"pay"/);
    // The Link token of the same request still opens the Link page; the pay page is single-use too.
    assert.equal((await fetch(Buffer.from(content.linkToken, 'base64').toString('utf8'))).status, 200);
    assert.equal((await fetch(content.paymentLink)).status, 410);
    // A pay id is not a Link page id, nor the other way round.
    const linkId = Buffer.from(content.linkToken, 'base64').toString('utf8').split('/').pop();
    assert.equal((await fetch(`${base}/pay/${linkId}`)).status, 404);
  });

  test('amounts keep every digit the merchant wrote, however JSON spells the number', async () => {
    const raw = JSON.stringify(paymentRequest({ transactionId: 'order-exact-fiat' })).replace('"amountInFiat":25', '"amountInFiat":2.50000000000000000000000001e1');
    const r = await post('/api/v1/linktoken', raw, headers);
    assert.equal(r.status, 200);
    const paid = await payOverHttp(Buffer.from((r.json.content as { linkToken: string }).linkToken, 'base64').toString('utf8'));
    const listed = await get(`/api/v1/transfers/managed/mesh?Id=${paid.transferId}`);
    assert.ok(listed.text.includes('"amountInFiat":25.0000000000000000000000001,'), listed.text);
  });
});

describe('GET /api/v1/transfers/managed/mesh', () => {
  test('lists the transfers the sandbox made as Mesh’s TransferModel, filterable by the merchant transactionId, with exact amounts', async () => {
    const a = await mintLinkToken(base, paymentRequest({ transactionId: 'order-list-a' }));
    const b = await mintLinkToken(base, paymentRequest({ transactionId: 'order-list-b', amountInFiat: 19.99 }));
    const paidA = await payOverHttp(a.linkUrl);
    const paidB = await payOverHttp(b.linkUrl);

    const r = await get('/api/v1/transfers/managed/mesh?ClientTransactionId=order-list-b');
    assert.equal(r.status, 200);
    const body = r.json as { status: string; content: { total: number; items: Record<string, unknown>[] } };
    assert.equal(body.status, 'ok');
    assert.equal(body.content.total, 1);
    const item = body.content.items[0]!;
    assert.equal(item.id, paidB.transferId);
    assert.match(item.id as string, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(item.clientTransactionId, 'order-list-b');
    assert.equal(item.status, 'pending');
    assert.equal(item.symbol, 'USDC');
    assert.equal(item.networkName, 'Base');
    assert.equal(item.networkId, network('Base').id);
    assert.equal(item.destinationAddress, MERCHANT_ADDRESS);
    assert.equal(item.userId, 'customer-42');
    assert.equal(item.hash, null);
    assert.equal(item.destinationAmountInFiat, null);
    assert.equal(item.executedTimestamp, null);
    // Unix seconds, like Mesh's example (1653211113), from the injected clock.
    assert.equal(item.createdTimestamp, Math.floor(clock / 1000));
    // 19.99 / 0.9998 in USDC's 6 decimals, written verbatim.
    assert.equal(paidB.previewAmount, '19.993999');
    assert.ok(r.text.includes('"amountInFiat":19.99,'), r.text);
    assert.ok(r.text.includes(`"amount":${paidB.previewAmount},`), r.text);

    const page = await get('/api/v1/transfers/managed/mesh?Count=1&Offset=0&DescendingOrder=false&UserId=customer-42');
    const content = page.json.content as { total: number; items: { id: string }[] };
    assert.ok(content.total >= 2);
    assert.equal(content.items.length, 1);
    const byId = await get(`/api/v1/transfers/managed/mesh?Id=${paidA.transferId}`);
    assert.equal((byId.json.content as { items: { clientTransactionId: string }[] }).items[0]?.clientTransactionId, 'order-list-a');
  });

  test('query parameters are Mesh’s: names case-insensitive, Statuses repeated or comma-separated, unknown names ignored', async () => {
    const { linkUrl } = await mintLinkToken(base, paymentRequest({ transactionId: 'order-q' }));
    const paid = await payOverHttp(linkUrl);
    const total = async (q: string) => ((await get(`/api/v1/transfers/managed/mesh?${q}`)).json.content as { total: number }).total;
    assert.equal(await total('clienttransactionid=order-q'), 1);
    assert.equal(await total('ClientTransactionId=order-q&Statuses=pending&Statuses=failed'), 1);
    assert.equal(await total('ClientTransactionId=order-q&Statuses=succeeded,failed'), 0);
    assert.equal(await total('ClientTransactionId=order-q&Statuses=pending&transactionId=ignored'), 1);
    assert.equal(await total(`Id=${paid.transferId}&UserId=someone-else`), 0);
    assert.equal(await total(`ClientTransactionId=order-q&MinAmountInFiat=25&MaxAmountInFiat=25`), 1);
    assert.equal(await total(`ClientTransactionId=order-q&MinAmountInFiat=25.01`), 0);
    assert.equal(await total(`ClientTransactionId=order-q&FromTimestamp=${Math.floor(clock / 1000) + 1}`), 0);
  });

  test('a bad query is a Mesh-shaped 400 that names the parameter', async () => {
    for (const [q, name] of [
      ['Count=1000', 'Count'],
      ['Count=abc', 'Count'],
      ['Count=1&Count=2', 'Count'],
      ['Statuses=lost', 'Statuses'],
      ['Statuses=pending,pending,pending,pending,pending,pending', 'Statuses'],
      ['Offset=-1', 'Offset'],
      ['Id=not-a-uuid', 'Id'],
      [`UserId=${'u'.repeat(51)}`, 'UserId'],
      [`ClientTransactionId=${'c'.repeat(129)}`, 'ClientTransactionId'],
      ['DescendingOrder=maybe', 'DescendingOrder'],
      ['OrderBy=%3Cscript%3E', 'OrderBy'],
    ]) {
      const r = await get(`/api/v1/transfers/managed/mesh?${q}`);
      assertMeshError(r, 400, 'badRequest');
      assert.match(r.json.message as string, new RegExp(name!), q);
    }
  });

  test('an unknown API path answers a Mesh-shaped 404', async () => {
    const r = await get('/api/v1/nothing-here');
    assertMeshError(r, 404, 'notFound');
  });
});

describe('POST /_sandbox/transfers (the sandbox’s own dev route, not Mesh)', () => {
  async function record(body: unknown, headers: Record<string, string> = { ...json, ...credentials }) {
    const response = await fetch(`${base}/_sandbox/transfers`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, text, json: JSON.parse(text) as Record<string, unknown> };
  }

  test('records a transfer with defaults from the link token of that transaction; the listing shows it; no webhook', async () => {
    await mintLinkToken(base, paymentRequest({ transactionId: 'order-rec-1', amountInFiat: 12.5 }));
    const r = await record({ clientTransactionId: 'order-rec-1', status: 'succeeded' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.status, 'ok');
    const model = r.json.content as Record<string, unknown>;
    assert.deepEqual(meshSchemaErrors('TransferModel', model), []);
    assert.equal(model.clientTransactionId, 'order-rec-1');
    assert.equal(model.status, 'succeeded');
    assert.equal(model.userId, 'customer-42');
    assert.equal(model.symbol, 'USDC');
    assert.equal(model.networkId, network('Base').id);
    assert.equal(model.destinationAddress, MERCHANT_ADDRESS);
    assert.match(String(model.hash), /^0x[0-9a-f]{64}$/);
    assert.ok(r.text.includes('"amountInFiat":12.5,'), r.text);
    assert.ok(r.text.includes('"amount":12.502501,'), r.text);
    const listed = await get('/api/v1/transfers/managed/mesh?ClientTransactionId=order-rec-1');
    assert.equal((listed.json.content as { items: { id: string }[] }).items[0]?.id, model.id);
    assert.equal(sandbox.deliveries().length, 0);
  });

  test('given fields win over the token’s; without a token every field must be given', async () => {
    const r = await record({
      clientTransactionId: 'order-rec-free',
      status: 'pending',
      amountInFiat: '10.000000000000000000000001',
      amount: '0.003204666634299219',
      symbol: 'eth',
      networkId: network('Ethereum').id,
      destinationAddress: MERCHANT_ADDRESS,
    });
    assert.equal(r.status, 201, r.text);
    assert.ok(r.text.includes('"amountInFiat":10.000000000000000000000001,'), r.text);
    assert.ok(r.text.includes('"amount":0.003204666634299219,'), r.text);
    assert.equal((r.json.content as { symbol: string }).symbol, 'ETH');
    assert.equal((r.json.content as { userId: unknown }).userId, null);
    const missing = await record({ clientTransactionId: 'order-never-minted', status: 'succeeded' });
    assert.equal(missing.status, 404);
    assert.match(missing.json.message as string, /No link token was minted with transactionId "order-never-minted".*networkId, symbol, destinationAddress/);
  });

  test('garbage, oversize, missing and malicious input is refused with a Mesh-shaped error', async () => {
    await mintLinkToken(base, paymentRequest({ transactionId: 'order-rec-bad' }));
    const cases: [unknown, number, RegExp][] = [
      ['{"clientTransactionId":', 400, /not valid JSON/],
      [[1, 2], 400, /JSON object/],
      [{ status: 'succeeded' }, 400, /clientTransactionId/],
      [{ clientTransactionId: 'order-rec-bad' }, 400, /status/],
      [{ clientTransactionId: 'order-rec-bad', status: 'Succeeded' }, 400, /status/],
      [{ clientTransactionId: 'order-rec-bad', status: 'succeeded', amountInFiat: 25 }, 400, /amountInFiat/],
      [{ clientTransactionId: 'order-rec-bad', status: 'succeeded', amountInFiat: '1e3' }, 400, /amountInFiat/],
      [{ clientTransactionId: 'order-rec-bad', status: 'succeeded', amountInFiat: '0' }, 400, /above 0/],
      [{ clientTransactionId: 'order-rec-bad', status: 'succeeded', amount: '1.1234567' }, 400, /USDC has 6 decimals/],
      [{ clientTransactionId: 'order-rec-bad', status: 'succeeded', symbol: 'DOGE' }, 400, /DOGE is not supported/],
      [{ clientTransactionId: 'order-rec-bad', status: 'succeeded', destinationAddress: '<script>' }, 400, /not a valid Base address/],
      [{ clientTransactionId: 'order-rec-bad', status: 'succeeded', networkId: 'base' }, 400, /networkId/],
      [{ clientTransactionId: 'order-rec-bad', status: 'succeeded', fiatCurrency: 'EUR' }, 400, /fiatCurrency/],
      [{ clientTransactionId: 'x'.repeat(129), status: 'succeeded' }, 400, /clientTransactionId/],
      [JSON.stringify({ clientTransactionId: 'order-rec-bad', status: 'succeeded', pad: 'x'.repeat(40_000) }), 413, /too large/],
    ];
    for (const [body, status, message] of cases) {
      const r = await record(body);
      assert.equal(r.status, status, `${JSON.stringify(body).slice(0, 80)} → ${r.text}`);
      assert.match(r.json.message as string, message);
      assert.deepEqual(meshSchemaErrors('ApiResult', r.json), []);
    }
    const unauthorised = await record({ clientTransactionId: 'order-rec-bad', status: 'succeeded' }, json);
    assert.equal(unauthorised.status, 401);
  });

  test('the programmatic twin records the same way and refuses the same input', () => {
    const t = sandbox.recordTransfer({ clientTransactionId: 'order-rec-1', status: 'failed' });
    assert.equal(t.status, 'failed');
    assert.equal(t.txHash, null);
    assert.throws(() => sandbox.recordTransfer({ clientTransactionId: 'nope', status: 'succeeded' }), { name: 'MeshSandboxError', code: 'MESH_SANDBOX_NOT_FOUND' });
  });
});

describe('rate limit of the sandbox API', () => {
  test('over the limit Mesh answers 429 tooManyRequest in its envelope; 0 turns the limit off', async () => {
    const limited = createMeshSandbox({ rateLimit: 3 });
    const unlimited = createMeshSandbox({ rateLimit: 0 });
    const s1 = await listen(express().use(limited.router));
    const s2 = await listen(express().use(unlimited.router));
    try {
      const statuses: number[] = [];
      let last: Record<string, unknown> = {};
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`${s1.url}/api/v1/transfers/managed/networks`, { headers: credentials });
        statuses.push(response.status);
        last = (await response.json()) as Record<string, unknown>;
      }
      assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
      assert.equal(last.status, 'tooManyRequest');
      assert.equal(last.errorType, 'MESH_SANDBOX_RATE_LIMITED');
      assert.deepEqual(meshSchemaErrors('ApiResult', last), []);
      // Unauthenticated floods count too: the limit comes before the credential check.
      assert.equal((await fetch(`${s1.url}/api/v1/linktoken`, { method: 'POST' })).status, 429);
      for (let i = 0; i < 50; i++) {
        assert.equal((await fetch(`${s2.url}/api/v1/transfers/managed/networks`, { headers: credentials })).status, 200);
      }
    } finally {
      await Promise.all([limited.close(), unlimited.close(), s1.close(), s2.close()]);
    }
  });

  test('lifetimes and delays that are not positive numbers are refused at start-up', () => {
    for (const option of ['tokenTtlMs', 'accessTokenTtlSeconds', 'connectionTtlSeconds'] as const) {
      for (const bad of [0, -1, Number.NaN, Infinity]) assert.throws(() => createMeshSandbox({ [option]: bad }), new RegExp(`MESH_SANDBOX_INVALID_OPTION: ${option}`));
    }
    assert.throws(() => createMeshSandbox({ settleDelayMs: -5 }), /settleDelayMs/);
  });

  test('a rate limit that is not a whole number of requests is refused at start-up', () => {
    for (const bad of [-1, 1.5, Number.NaN]) assert.throws(() => createMeshSandbox({ rateLimit: bad }), /MESH_SANDBOX_INVALID_OPTION/);
  });
});
