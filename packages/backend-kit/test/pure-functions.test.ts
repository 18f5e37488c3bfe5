/**
 * The small pure functions the routes are built from: lossless JSON, event parsing, signatures,
 * the fulfilment decision and the exact-decimal request body.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildLinkTokenRequest } from '../src/link-token-route.js';
import { currentStatus, decide, matchDestination } from '../src/fulfilment-decide.js';
import { JsonNumber, LosslessJsonSyntaxError, parseLosslessJson, type LosslessValue } from '../src/lossless-json.js';
import { stringifyWithDecimals } from '../src/mesh-client.js';
import type { StatusUpdate, TransactionRecord, TransferEvent } from '../src/store.js';
import { parseTransferEvent } from '../src/webhook-parse.js';
import { signWebhookBody, verifyWebhookSignature } from '../src/webhook-verify.js';
import { DESTINATION } from './harness.js';

/** Lossless value → what JSON.parse would have produced. */
function toPlain(v: LosslessValue): unknown {
  if (v instanceof JsonNumber) return Number(v.source);
  if (Array.isArray(v)) return v.map(toPlain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlain(x)]));
  return v;
}

describe('lossless JSON', () => {
  it('keeps every digit of big decimals as their source text', () => {
    const v = parseLosslessJson('{"a": 12345678901234567890.123456789, "b": [1e400, -0.000000000000000000001, 0]}') as Record<string, LosslessValue>;
    assert.equal((v.a as JsonNumber).source, '12345678901234567890.123456789');
    assert.deepEqual((v.b as JsonNumber[]).map((n) => n.source), ['1e400', '-0.000000000000000000001', '0']);
  });

  it('agrees with JSON.parse on any JSON value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        assert.deepEqual(toPlain(parseLosslessJson(text)), JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects whatever JSON.parse rejects (property)', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        let native = true;
        try {
          JSON.parse(text);
        } catch {
          native = false;
        }
        let ours = true;
        try {
          parseLosslessJson(text);
        } catch (e) {
          assert.ok(e instanceof LosslessJsonSyntaxError);
          ours = false;
        }
        // Ours additionally refuses nesting deeper than 64.
        if (!native) assert.equal(ours, false, text);
      }),
      { numRuns: 500 },
    );
    for (const bad of ['01', '1.', '.5', '+1', '{"a":1,}', '[1,]', "{'a':1}", 'NaN', '"\\x"', '"a\nb"', '{"a" 1}']) {
      assert.throws(() => parseLosslessJson(bad), LosslessJsonSyntaxError, bad);
    }
  });

  it('treats __proto__ as an ordinary key', () => {
    const v = parseLosslessJson('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(v), null);
    assert.ok(Object.hasOwn(v, '__proto__'));
  });

  it('writes decimals back out as exact number literals', () => {
    const body = { amountInFiat: new JsonNumber('12345678901234567890.10'), note: 'decimal0' };
    assert.equal(stringifyWithDecimals(body), '{"amountInFiat":12345678901234567890.10,"note":"decimal0"}');
  });
});

describe('webhook event parsing', () => {
  const pascal =
    '{"EventId":"e1","Id":"d1","TransferId":"t1","TransactionId":"mp_1","TransferStatus":"Succeeded","SourceAmount":99999999999999999999.99,"DestinationAmount":"1.5","Token":"USDC","Chain":"Ethereum","DestinationAddress":"0xabc","TxHash":null}';

  it('normalizes PascalCase and camelCase to the same event, amounts as strings', () => {
    const a = parseTransferEvent(pascal);
    const camel = pascal.replace(/"([A-Z])(\w*)":/g, (_m, c: string, rest: string) => `"${c.toLowerCase()}${rest}":`);
    const b = parseTransferEvent(Buffer.from(camel));
    assert.deepEqual(a, b);
    assert.deepEqual(a, {
      eventId: 'e1',
      id: 'd1',
      transferId: 't1',
      transactionId: 'mp_1',
      status: 'succeeded',
      rawStatus: 'Succeeded',
      sourceAmount: '99999999999999999999.99',
      destinationAmount: '1.5',
      token: 'USDC',
      chain: 'Ethereum',
      destinationAddress: '0xabc',
    });
  });

  it('refuses events without the ids it dedupes and routes on', () => {
    for (const missing of ['EventId', 'Id', 'TransferId', 'TransactionId', 'TransferStatus']) {
      const obj = JSON.parse(pascal) as Record<string, unknown>;
      delete obj[missing];
      assert.throws(() => parseTransferEvent(JSON.stringify(obj)), /MESH_PAY_INVALID_EVENT/, missing);
    }
    assert.throws(() => parseTransferEvent('{"EventId": true}'), /MESH_PAY_INVALID_EVENT/);
  });
});

describe('webhook signature', () => {
  it('verifies exactly the signed bytes (property: any change to body or signature fails)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (bytes, at, delta) => {
        const body = Buffer.from(bytes);
        const sig = signWebhookBody('s3cret', body);
        assert.equal(verifyWebhookSignature(body, sig, 's3cret'), true);
        const changed = Buffer.from(body);
        const i = at % changed.length;
        changed[i] = (changed[i]! + delta) % 256;
        assert.equal(verifyWebhookSignature(changed, sig, 's3cret'), false);
        assert.equal(verifyWebhookSignature(body, sig, 'other'), false);
        assert.equal(verifyWebhookSignature(body, sig.toLowerCase() === sig ? sig.toUpperCase() : sig.toLowerCase(), 's3cret'), false);
        assert.equal(verifyWebhookSignature(body, [sig], 's3cret'), false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('fulfilment decision', () => {
  const tx: TransactionRecord = {
    transactionId: 'mp_1',
    orderId: 'o1',
    userId: 'u1',
    amountInFiat: '25.00',
    destinations: [DESTINATION],
    createdAt: 0,
  };
  const event = (status: string, extra: Partial<TransferEvent> = {}): TransferEvent => ({
    eventId: 'e',
    id: 'd',
    transferId: 't1',
    transactionId: 'mp_1',
    status,
    token: 'USDC',
    chain: 'Ethereum',
    destinationAddress: DESTINATION.address,
    ...extra,
  });
  const published = (status: string): StatusUpdate => ({ transactionId: 'mp_1', transferId: 't1', status, at: 'x' });

  it('credits only a matching succeeded event', () => {
    assert.equal(decide(event('succeeded'), tx, undefined, 'now').verdict, 'credit');
    assert.equal(decide(event('pending'), tx, undefined, 'now').verdict, 'update');
    assert.equal(decide(event('failed'), tx, undefined, 'now').verdict, 'fail');
    assert.equal(decide(event('processing'), tx, undefined, 'now').verdict, 'update');
    assert.equal(decide(event('refundpending'), tx, undefined, 'now').verdict, 'refund');
    assert.equal(decide(event('succeeded', { token: 'USDT' }), tx, undefined, 'now').verdict, 'mismatch');
    assert.equal(decide(event('succeeded', { destinationAddress: undefined }), tx, undefined, 'now').verdict, 'mismatch');
    assert.equal(decide(event('succeeded', { transactionId: 'mp_2' }), tx, undefined, 'now').verdict, 'mismatch');
  });

  it('publishes a mismatch as "mismatch", never as "succeeded"', () => {
    assert.equal(decide(event('succeeded', { chain: 'Polygon' }), tx, undefined, 'now').publish?.status, 'mismatch');
  });

  it('never moves a terminal status back and never repeats one', () => {
    assert.equal(decide(event('pending'), tx, published('succeeded'), 'now').publish, undefined);
    assert.equal(decide(event('succeeded'), tx, published('succeeded'), 'now').publish, undefined);
    assert.equal(decide(event('failed'), tx, published('failed'), 'now').publish, undefined);
    assert.equal(decide(event('pending'), tx, published('pending'), 'now').publish, undefined);
    assert.equal(decide(event('succeeded'), tx, published('pending'), 'now').publish?.status, 'succeeded');
    // Credit is decided independently of what was published (the once-guard lives in the store).
    assert.equal(decide(event('succeeded'), tx, published('succeeded'), 'now').verdict, 'credit');
  });

  it('refunds are shown after a terminal status but never credit', () => {
    for (const status of ['refundpending', 'refundsucceeded']) {
      const d = decide(event(status), tx, published('succeeded'), 'now');
      assert.equal(d.verdict, 'refund');
      assert.equal(d.publish?.status, status);
    }
    assert.equal(decide(event('refundsucceeded'), tx, published('refundsucceeded'), 'now').publish, undefined);
  });

  it('a contradiction is a conflict: the first terminal status stands, nothing is credited or shown', () => {
    const lateSuccess = decide(event('succeeded'), tx, published('failed'), 'now', { verdict: 'credit' });
    assert.deepEqual([lateSuccess.verdict, lateSuccess.publish], ['conflict', undefined]);
    assert.match(lateSuccess.reason ?? '', /failed\) stands/);
    const lateFailure = decide(event('failed'), tx, published('succeeded'), 'now');
    assert.deepEqual([lateFailure.verdict, lateFailure.publish], ['conflict', undefined]);
    // Another transfer of the transaction failing after a success contradicts nothing: the failure hook runs, the status stays.
    const other = decide(event('failed', { transferId: 't2' }), tx, published('succeeded'), 'now');
    assert.deepEqual([other.verdict, other.publish], ['fail', undefined]);
  });

  it('reads the current status as the first terminal one, whatever was appended after it', () => {
    const h = (s: string, seq: number) => ({ seq, update: published(s) });
    assert.equal(currentStatus([h('pending', 1), h('succeeded', 2), h('pending', 3)])?.seq, 2);
    assert.equal(currentStatus([h('pending', 1), h('processing', 2)])?.seq, 2);
    assert.equal(currentStatus([]), undefined);
  });

  it('matches EVM addresses case-insensitively, other addresses exactly', () => {
    const sol = { ...DESTINATION, chain: 'Solana', token: 'SOL', address: 'So1anaAddre55' };
    assert.ok('destination' in matchDestination(event('succeeded', { destinationAddress: DESTINATION.address.toLowerCase() }), [DESTINATION]));
    assert.ok('destination' in matchDestination(event('succeeded', { chain: 'solana', token: 'sol', destinationAddress: 'So1anaAddre55' }), [sol]));
    assert.ok('reason' in matchDestination(event('succeeded', { chain: 'Solana', token: 'SOL', destinationAddress: 'so1anaaddre55' }), [sol]));
  });
});

describe('link token request', () => {
  it('sends the merchant’s decimal amount as an exact JSON number', () => {
    const body = buildLinkTokenRequest(
      { userId: 'u', amountInFiat: '1234567890.12345678', destinations: [DESTINATION], transferType: 'deposit' },
      'mp_1',
    );
    const json = stringifyWithDecimals(body);
    assert.match(json, /"amountInFiat":1234567890\.12345678,/);
    assert.match(json, /"transferType":"deposit"/);
    assert.match(json, /"restrictMultipleAccounts":true/);
  });
});
