/**
 * A merchant rotating their webhook secret, and a merchant whose webhooks are refused and who needs
 * to know why: over real HTTP, every refusal is logged once with a reason code, and nothing in the
 * log gives away the secret or the body.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import fc from 'fast-check';
import { createMeshPay } from '../src/index.js';
import { memoryStore } from '../src/memory-store.js';
import { checkWebhookSignature, signWebhookBody } from '../src/webhook-verify.js';
import { WEBHOOK_SECRET, mint, postWebhook, startKit, webhookBody, type Kit, type LogLine } from './harness.js';

const OLD_SECRET = 'whsec_old_secret_0123456789abcdef';
const NEW_SECRET = 'whsec_new_secret_fedcba9876543210';

const refusals = (logs: LogLine[]) =>
  logs.filter((l) => l.message === 'mesh-pay: webhook refused').map((l) => (l.meta as { reason: string }).reason);

/** Nothing secret or sent may reach the log, whatever the refusal. */
function assertLogsClean(logs: LogLine[], ...secrets: string[]): void {
  const text = JSON.stringify(logs);
  for (const secret of secrets) assert.ok(!text.includes(secret), 'a secret reached the log');
  assert.ok(!text.includes('TransferStatus'), 'a body reached the log');
}

describe('rotating the webhook secret without downtime', () => {
  it('accepts either secret while both are configured, then only the new one', async () => {
    const during = await startKit({ webhookSecret: [NEW_SECRET, OLD_SECRET] });
    try {
      const { transactionId } = await mint(during);
      for (const secret of [OLD_SECRET, NEW_SECRET]) {
        const body = webhookBody({ transactionId, status: 'pending', eventId: randomUUID() });
        const res = await postWebhook(during, body, { signature: signWebhookBody(secret, body) });
        assert.equal(res.status, 200, `signed with the ${secret === OLD_SECRET ? 'old' : 'new'} secret`);
      }
      const forged = webhookBody({ transactionId, status: 'pending' });
      assert.equal((await postWebhook(during, forged, { signature: signWebhookBody(WEBHOOK_SECRET, forged) })).status, 401);
      assertLogsClean(during.logs, OLD_SECRET, NEW_SECRET);
    } finally {
      await during.close();
    }

    const afterwards = await startKit({ webhookSecret: NEW_SECRET });
    try {
      const { transactionId } = await mint(afterwards);
      const body = webhookBody({ transactionId, status: 'pending' });
      assert.equal((await postWebhook(afterwards, body, { signature: signWebhookBody(OLD_SECRET, body) })).status, 401);
      assert.deepEqual(refusals(afterwards.logs), ['signature-mismatch']);
      assert.equal((await postWebhook(afterwards, body, { signature: signWebhookBody(NEW_SECRET, body) })).status, 200);
    } finally {
      await afterwards.close();
    }
  });

  it('refuses to start with an empty secret list or an empty secret in it', () => {
    for (const webhookSecret of [[], [''], [NEW_SECRET, ''], ''] as (string | string[])[]) {
      assert.throws(
        () =>
          createMeshPay({
            store: memoryStore(),
            mesh: { clientId: 'id', clientSecret: 'secret' },
            webhookSecret,
            kitSecret: 'kit-secret-0123456789',
            resolveOrder: async () => undefined,
          }),
        /MESH_PAY_CONFIG_INVALID/,
      );
    }
  });

  it('verifies with any one of several secrets, and only with those (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        fc.array(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 4 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        (bytes, secrets, stranger) => {
          const body = Buffer.from(bytes);
          for (const secret of secrets) assert.equal(checkWebhookSignature(body, signWebhookBody(secret, body), secrets).ok, true);
          if (!secrets.includes(stranger)) {
            assert.deepEqual(checkWebhookSignature(body, signWebhookBody(stranger, body), secrets), { ok: false, reason: 'signature-mismatch' });
          }
        },
      ),
    );
  });
});

describe('refusals that explain themselves', () => {
  let k: Kit;
  let transactionId: string;
  before(async () => {
    k = await startKit();
    transactionId = (await mint(k)).transactionId;
  });
  after(() => k.close());

  const cases: { reason: string; status: number; send: () => Promise<Response> }[] = [
    { reason: 'signature-missing', status: 401, send: () => postWebhook(k, webhookBody({ transactionId, status: 'pending' }), { signature: null }) },
    { reason: 'signature-missing', status: 401, send: () => postWebhook(k, webhookBody({ transactionId, status: 'pending' }), { signature: '   ' }) },
    { reason: 'signature-not-base64', status: 401, send: () => postWebhook(k, webhookBody({ transactionId, status: 'pending' }), { signature: 'not*base64!' }) },
    {
      reason: 'signature-wrong-length',
      status: 401,
      // A hex digest, the classic mistake of a hand-written sender: base64's alphabet, twice too long.
      send: () => postWebhook(k, '{}', { signature: '6a09e667bb67ae853c6ef372a54ff53a510e527f9b05688c1f83d9ab5be0cd19' }),
    },
    {
      reason: 'signature-wrong-length',
      status: 401,
      send: () => postWebhook(k, webhookBody({ transactionId, status: 'pending' }), { signature: Buffer.alloc(20).toString('base64') }),
    },
    {
      reason: 'signature-mismatch',
      status: 401,
      send: () => {
        const body = webhookBody({ transactionId, status: 'pending' });
        return postWebhook(k, body, { signature: signWebhookBody('someone-else', body) });
      },
    },
    { reason: 'not-json', status: 400, send: () => postWebhook(k, 'EventId=1&TransferStatus=succeeded') },
    { reason: 'not-json', status: 400, send: () => postWebhook(k, '[1,2,3]') },
    {
      reason: 'missing-event-id',
      status: 400,
      send: () => postWebhook(k, JSON.stringify({ Id: 'd-1', TransferId: 't', TransactionId: transactionId, TransferStatus: 'pending' })),
    },
    {
      reason: 'malformed-event',
      status: 400,
      send: () => postWebhook(k, JSON.stringify({ EventId: 'e-1', Id: 'd-1', TransferId: 't', TransactionId: transactionId, TransferStatus: { no: 1 } })),
    },
    { reason: 'body-too-large', status: 413, send: () => postWebhook(k, `{"pad":"${'x'.repeat(70 * 1024)}"}`) },
  ];

  for (const c of cases) {
    it(`answers ${c.status} and logs the reason ${c.reason}, once`, async () => {
      const before = k.logs.length;
      const res = await c.send();
      assert.equal(res.status, c.status);
      assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
      assert.deepEqual(refusals(k.logs.slice(before)), [c.reason]);
    });
  }

  it('never logs the secret or the body of a refused webhook', () => {
    assertLogsClean(k.logs, WEBHOOK_SECRET);
  });
});

describe('a host app that parses JSON before the kit', () => {
  it('warns at mount time, naming the parser, and refuses with the reason body-already-parsed', async () => {
    const k = await startKit({ configureApp: (app) => app.use(express.json()) });
    try {
      assert.ok(
        k.logs.some((l) => l.level === 'warn' && /jsonParser runs before the kit mounted at \/mesh/.test(l.message)),
        'a start-up warning names the parser',
      );
      const { transactionId } = await mint(k);
      const body = webhookBody({ transactionId, status: 'pending' });
      const res = await postWebhook(k, body);
      assert.equal(res.status, 401);
      assert.deepEqual(refusals(k.logs), ['body-already-parsed']);
    } finally {
      await k.close();
    }
  });

  it('does not warn when the parser comes after the kit', async () => {
    const k = await startKit({ configureAppAfter: (app) => app.use(express.json()) });
    try {
      assert.ok(!k.logs.some((l) => /runs before the kit/.test(l.message)));
    } finally {
      await k.close();
    }
  });

  it('verifies against req.rawBody when the earlier parser kept the exact bytes', async () => {
    const k = await startKit({
      configureApp: (app) =>
        app.use(
          express.json({
            verify: (req, _res, buf) => {
              (req as unknown as { rawBody: Buffer }).rawBody = buf;
            },
          }),
        ),
    });
    try {
      const { transactionId } = await mint(k);
      const eventId = randomUUID();
      // Spacing a re-serialisation would lose: only the kept bytes can match the signature.
      const body = webhookBody({ transactionId, status: 'pending', eventId }).replace('{', '{  ');
      const res = await postWebhook(k, body);
      assert.equal(res.status, 200);
      assert.ok(await k.store.getInboxEntry(eventId));
      const forged = await postWebhook(k, body, { signature: signWebhookBody('wrong', body) });
      assert.equal(forged.status, 401);
      assert.deepEqual(refusals(k.logs), ['signature-mismatch']);
    } finally {
      await k.close();
    }
  });
});
