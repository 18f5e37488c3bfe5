/**
 * Return users, over real HTTP: a shopper connects an exchange once, and on their next payment Link
 * is handed Mesh's `tokenId` for it, never the raw access token, and nobody else's. A stranger who
 * holds only an order id, or their own capability, can neither read a shopper's connections nor
 * plant one of their own into that shopper's record; the route a browser writes through is capped.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Request } from 'express';
import { signCapability } from '../src/capability.js';
import { DESTINATION, KIT_SECRET, eventually, startKit, type Kit, type Minted } from './harness.js';

/** The resolver as a merchant with logins writes it: the shopper comes from the session (here, a header set by the test). */
async function resolveForSession(_orderId: string, req: Request) {
  const shopper = req.get('x-test-session');
  if (!shopper) return undefined;
  return { userId: `shopper-${shopper}`, amountInFiat: '25.00', destinations: [DESTINATION] };
}

async function mintAs(k: Kit, shopper: string, orderId = `order-${randomUUID().slice(0, 8)}`): Promise<Minted> {
  const res = await fetch(`${k.url}/mesh/link-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-test-session': shopper },
    body: JSON.stringify({ orderId }),
  });
  if (res.status !== 200) throw new Error(`link-token answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Minted;
}

/** What Link's onIntegrationConnected hands the page (the SDK's LinkPayload), as the widget posts it. */
function connected(opts: { accountId?: string; tokenId?: string | null; rawToken?: string; brokerType?: string; expiresInSeconds?: number } = {}) {
  const account: Record<string, unknown> = {
    account: { accountId: opts.accountId ?? 'acc-1', accountName: 'Main' },
    accessToken: opts.rawToken ?? `raw-access-${randomUUID()}`,
    refreshToken: `raw-refresh-${randomUUID()}`,
  };
  if (opts.tokenId !== null) account.tokenId = opts.tokenId ?? `tok-${randomUUID()}`;
  return {
    accessToken: {
      accountTokens: [account],
      brokerType: opts.brokerType ?? 'coinbase',
      brokerName: 'Coinbase',
      brokerBrandInfo: { brokerLogo: Buffer.from('<svg/>').toString('base64') },
      expiresInSeconds: opts.expiresInSeconds ?? 3600,
      refreshTokenExpiresInSeconds: 2_592_000,
    },
  };
}

function postIntegration(k: Kit, statusUrl: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${k.url}${statusUrl}/integration`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function problemCode(res: Response): Promise<string> {
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  return ((await res.json()) as { code: string }).code;
}

describe('a returning shopper', () => {
  let k: Kit;
  before(async () => {
    k = await startKit({ resolveOrder: resolveForSession, integrationRateLimit: false });
  });
  after(() => k.close());

  it('gets Mesh’s tokenId back on the next payment, and the raw access token is kept nowhere', async () => {
    const first = await mintAs(k, 'alice');
    assert.equal(first.accessTokens, undefined, 'nothing to resume on a first visit');
    const payload = connected({ tokenId: 'tok-alice-coinbase', rawToken: 'raw-secret-alice-token', expiresInSeconds: 0.001 });
    const postedAt = Date.now();
    assert.equal((await postIntegration(k, first.statusUrl, payload)).status, 204);

    // Mesh-managed tokenIds outlive the raw token's expiresInSeconds (1 ms here): still offered after it.
    await eventually(() => Date.now() > postedAt + 5, 'the raw token’s lifetime to pass');
    const again = await mintAs(k, 'alice');
    assert.deepEqual(again.accessTokens, [
      { accountId: 'acc-1', accountName: 'Main', accessToken: 'tok-alice-coinbase', brokerType: 'coinbase', brokerName: 'Coinbase' },
    ]);

    const stored = JSON.stringify(await k.store.getAccessTokens('shopper-alice'));
    assert.equal(stored.includes('raw-secret-alice-token'), false, 'the raw access token is not stored');
    assert.equal(stored.includes('raw-refresh'), false, 'nor the refresh token');
    assert.equal(JSON.stringify(k.logs).includes('raw-secret-alice-token'), false, 'nor logged');
  });

  it('stores nothing for a connection Mesh gave no tokenId, and says so in the log', async () => {
    const first = await mintAs(k, 'bob');
    const res = await postIntegration(k, first.statusUrl, connected({ tokenId: null, rawToken: 'raw-secret-bob-token' }));
    assert.equal(res.status, 204);
    assert.deepEqual(await k.store.getAccessTokens('shopper-bob'), []);
    assert.equal((await mintAs(k, 'bob')).accessTokens, undefined);
    assert.ok(k.logs.some((l) => l.message.includes('without tokenId')), 'logged');
    assert.equal(JSON.stringify(k.logs).includes('raw-secret-bob-token'), false);
  });

  it('never replays what an older kit stored (raw tokens keyed per broker)', async () => {
    await k.store.saveAccessTokens('shopper-carol', 'coinbase', {
      brokerType: 'coinbase',
      brokerName: 'Coinbase',
      accounts: [{ accountId: 'acc-old', accountName: 'Old', accessToken: 'raw-legacy-token' }],
    });
    assert.equal((await mintAs(k, 'carol')).accessTokens, undefined);
  });

  it('keeps at most maxConnectionsPerShopper connections, replacing the oldest; a reconnected account replaces its entry', async () => {
    const small = await startKit({ fakeMesh: k.mesh, resolveOrder: resolveForSession, integrationRateLimit: false, maxConnectionsPerShopper: 3 });
    try {
      const { statusUrl } = await mintAs(small, 'dave');
      for (let i = 1; i <= 5; i++) {
        assert.equal((await postIntegration(small, statusUrl, connected({ accountId: `acc-${i}`, tokenId: `tok-${i}` }))).status, 204);
      }
      const offered = (await mintAs(small, 'dave')).accessTokens as { accessToken: string }[];
      assert.deepEqual(offered.map((t) => t.accessToken), ['tok-5', 'tok-4', 'tok-3'], 'the newest three, newest first');

      // acc-4 reconnects with a fresh tokenId: one entry for it, the newest.
      assert.equal((await postIntegration(small, statusUrl, connected({ accountId: 'acc-4', tokenId: 'tok-4b' }))).status, 204);
      const after = (await mintAs(small, 'dave')).accessTokens as { accessToken: string }[];
      assert.deepEqual(after.map((t) => t.accessToken), ['tok-4b', 'tok-5', 'tok-3']);
    } finally {
      await small.close();
    }
  });

  it('loses no connection when tabs on two instances save at the same moment', async () => {
    const second = await startKit({ fakeMesh: k.mesh, store: k.store, resolveOrder: resolveForSession, integrationRateLimit: false });
    try {
      const { statusUrl } = await mintAs(k, 'erin');
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          postIntegration(i % 2 ? second : k, statusUrl, connected({ accountId: `acc-${i}`, tokenId: `tok-erin-${i}` })),
        ),
      );
      assert.deepEqual(results.map((r) => r.status), Array(8).fill(204));
    } finally {
      await second.close({ closeStore: false });
    }
    const offered = (await mintAs(k, 'erin')).accessTokens as { accessToken: string }[];
    assert.deepEqual(offered.map((t) => t.accessToken).sort(), [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `tok-erin-${i}`));
  });
});

describe('a stranger', () => {
  let k: Kit;
  before(async () => {
    k = await startKit({ resolveOrder: resolveForSession, integrationRateLimit: false });
  });
  after(() => k.close());

  it('is never handed another shopper’s connections, whatever order id they send', async () => {
    const orderId = 'order-of-the-victim';
    const victim = await mintAs(k, 'victim', orderId);
    assert.equal((await postIntegration(k, victim.statusUrl, connected({ tokenId: 'tok-victim' }))).status, 204);

    const attacker = await mintAs(k, 'attacker', orderId);
    assert.equal(attacker.accessTokens, undefined, 'the victim’s tokenId is not in the attacker’s answer');
    assert.equal((await mintAs(k, 'victim')).accessTokens?.length, 1);
  });

  it('cannot plant a connection into another shopper’s record: a capability binds to its own transaction’s shopper', async () => {
    const victim = await mintAs(k, 'victim2');
    const attacker = await mintAs(k, 'attacker2', 'order-attacker-opened');
    assert.equal((await postIntegration(k, attacker.statusUrl, connected({ tokenId: 'tok-planted' }))).status, 204);
    // Whatever the attacker claims in headers or the body, it lands with the attacker.
    assert.equal(
      (await postIntegration(k, attacker.statusUrl, { ...connected({ accountId: 'acc-2', tokenId: 'tok-planted-2' }), userId: 'shopper-victim2', transactionId: victim.transactionId }, { 'x-test-session': 'victim2' })).status,
      204,
    );
    assert.equal((await mintAs(k, 'victim2')).accessTokens, undefined, 'nothing planted in the victim’s record');
    const attackerOwn = (await mintAs(k, 'attacker2')).accessTokens as { accessToken: string }[];
    assert.deepEqual(attackerOwn.map((t) => t.accessToken).sort(), ['tok-planted', 'tok-planted-2']);
  });

  it('gets 400/403/404 problem+json for malformed, forged, expired or unknown capabilities, never a 500', async () => {
    const { statusUrl, transactionId } = await mintAs(k, 'frank');
    const cap = statusUrl.split('/').at(-1)!;
    const cases: [string, number][] = [
      ['%', 400],
      ['%zz', 400],
      ['%E0%A4%A', 400],
      ['x', 403],
      ['a.b', 403],
      ['...', 403],
      [encodeURIComponent('<script>alert(1)</script>'), 403],
      ['%00.%00', 403],
      ['A'.repeat(5000), 403],
      [`${cap}x`, 403],
      [`${cap.split('.')[0]}.${'A'.repeat(43)}`, 403],
      [signCapability('some-other-secret-0123456789', transactionId, Date.now() + 60_000), 403],
      [signCapability(KIT_SECRET, transactionId, Date.now() - 1_000), 403],
      [signCapability(KIT_SECRET, 'mp_never_minted', Date.now() + 60_000), 404],
    ];
    for (const [bad, status] of cases) {
      const res = await postIntegration(k, `/mesh/status/${bad}`, connected({ tokenId: 'tok-forged' }));
      assert.equal(res.status, status, bad.slice(0, 40));
      assert.match(await problemCode(res), /^MESH_PAY_/);
    }
    assert.equal((await mintAs(k, 'frank')).accessTokens, undefined);
  });

  it('gets 400 for garbage, missing and malicious bodies and 413 for oversize ones, and nothing is stored', async () => {
    const { statusUrl } = await mintAs(k, 'grace');
    const bodies: [string, number][] = [
      ['', 400],
      ['not json', 400],
      ['null', 400],
      ['[]', 400],
      ['{}', 400],
      ['{"accessToken": {}}', 400],
      ['{"accessToken": {"accountTokens": [], "brokerType": "x", "brokerName": "x"}}', 400],
      ['{"__proto__": {"polluted": true}, "accessToken": {"__proto__": {"accountTokens": [1]}}}', 400],
      [JSON.stringify(connected({ tokenId: 'x'.repeat(201) })), 400],
      [JSON.stringify({ accessToken: { ...connected().accessToken, accountTokens: Array.from({ length: 21 }, (_, i) => connected({ accountId: `a${i}` }).accessToken.accountTokens[0]) } }), 400],
      [JSON.stringify({ ...connected(), pad: 'x'.repeat(20 * 1024) }), 413],
      [JSON.stringify({ ...connected(), pad: 'x'.repeat(1024 * 1024) }), 413],
    ];
    for (const [body, status] of bodies) {
      const res = await postIntegration(k, statusUrl, body);
      assert.equal(res.status, status, body.slice(0, 60));
      assert.match(await problemCode(res), /^MESH_PAY_/);
    }
    // Not JSON at all: nothing parsed, nothing stored.
    const form = await fetch(`${k.url}${statusUrl}/integration`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(connected()) });
    assert.equal(form.status, 400);
    assert.deepEqual(await k.store.getAccessTokens('shopper-grace'), []);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('is rate-limited per capability and per client address, with 429 problem+json', async () => {
    const limited = await startKit({
      fakeMesh: k.mesh,
      resolveOrder: resolveForSession,
      integrationRateLimit: { windowMs: 60_000, perCapability: 3, perClient: 5 },
    });
    try {
      const one = await mintAs(limited, 'heidi');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await postIntegration(limited, one.statusUrl, connected({ accountId: `a${i}` }))).status);
      assert.deepEqual(statuses, [204, 204, 204, 429], 'per capability');
      const limitedAnswer = await postIntegration(limited, one.statusUrl, connected());
      assert.equal(await problemCode(limitedAnswer), 'MESH_PAY_RATE_LIMITED');
      assert.match(limitedAnswer.headers.get('retry-after') ?? '', /^\d+$/, 'tells when to retry');

      // A fresh capability from the same address gets the rest of the address's allowance, then 429.
      const two = await mintAs(limited, 'heidi');
      const more: number[] = [];
      for (let i = 0; i < 2; i++) more.push((await postIntegration(limited, two.statusUrl, connected({ accountId: `b${i}` }))).status);
      assert.deepEqual(more, [429, 429], 'five posts from this address were already spent (including the refused ones)');
      const stored = (await mintAs(limited, 'heidi')).accessTokens as unknown[];
      assert.equal(stored.length, 3);
    } finally {
      await limited.close();
    }
  });

  it('cannot grow a shopper’s token answer without bound (1,500 posts: still at most the cap)', async () => {
    const { statusUrl } = await mintAs(k, 'ivan');
    for (let batch = 0; batch < 15; batch++) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => postIntegration(k, statusUrl, connected({ accountId: `acc-${batch}-${i}`, rawToken: 'r'.repeat(8000) }))),
      );
    }
    const answer = await mintAs(k, 'ivan');
    assert.equal(answer.accessTokens?.length, 10, 'the default cap');
    assert.ok(JSON.stringify(answer).length < 4096, `answer is ${JSON.stringify(answer).length} bytes`);
    const stored = await k.store.getAccessTokens('shopper-ivan');
    assert.equal(stored.length, 1, 'one record for the shopper');
    assert.ok(JSON.stringify(stored).length < 4096);
  });
});
