/**
 * The webhook body parser runs before every 200, so it checks the fields by hand instead of with a
 * schema library. A merchant must not be able to tell: whatever Mesh (or an attacker holding a
 * leaked secret) sends, it accepts exactly what the zod schema it replaced accepted, builds the
 * same event, and refuses the rest with the same reason and the same list of fields.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { InvalidEventError, parseMeshWebhook } from '../src/webhook-parse.js';
import { JsonNumber, parseLosslessJson, type LosslessValue } from '../src/lossless-json.js';

// ---- the reference: the zod schema and key handling the hand-written parser replaced -------------
const text = (max: number) =>
  z
    .union([z.string(), z.instanceof(JsonNumber)])
    .transform((v) => (typeof v === 'string' ? v : v.source))
    .pipe(z.string().max(max));
const optionalText = (max: number) =>
  z
    .union([text(max), z.null()])
    .optional()
    .transform((v) => (v === null || v === undefined || v === '' ? undefined : v));
const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const optionalDecimal = optionalText(100).refine((v) => v === undefined || DECIMAL.test(v), 'not a decimal');
const referenceSchema = z.object({
  eventId: text(200).pipe(z.string().min(1)),
  id: text(200).pipe(z.string().min(1)),
  sentTimestamp: optionalText(100),
  transferId: text(200).pipe(z.string().min(1)),
  transactionId: optionalText(200),
  transferStatus: text(50).pipe(z.string().min(1)),
  timestamp: optionalText(100),
  txHash: optionalText(200),
  userId: optionalText(300),
  token: optionalText(50),
  chain: optionalText(100),
  sourceAmount: optionalDecimal,
  sourceAccountProvider: optionalText(100),
  destinationAmount: optionalDecimal,
  destinationAddress: optionalText(200),
  refundAddress: optionalText(200),
});

function camelizeKeys(value: Record<string, LosslessValue>): Record<string, LosslessValue> {
  const out: Record<string, LosslessValue> = Object.create(null);
  for (const [key, v] of Object.entries(value)) {
    const camel = key.charAt(0).toLowerCase() + key.slice(1);
    const pascal = key.charAt(0) === key.charAt(0).toUpperCase();
    if (!(camel in out) || pascal) out[camel] = v;
  }
  return out;
}

/** What the old parser made of an already-parsed JSON object: the event, or the refusal's reason and detail. */
function reference(value: Record<string, LosslessValue>): { event: unknown } | { reason: string; detail: string } {
  const result = referenceSchema.safeParse(camelizeKeys(value));
  if (!result.success) {
    const paths = [...new Set(result.error.issues.map((i) => i.path.join('.')))];
    return {
      reason: paths.includes('eventId') ? 'missing-event-id' : 'malformed-event',
      detail: `The webhook event is malformed (${paths.join(', ')}).`,
    };
  }
  const { transferStatus, ...rest } = result.data;
  const event: Record<string, unknown> = { ...rest, status: transferStatus.toLowerCase(), rawStatus: transferStatus };
  for (const key of Object.keys(event)) if (event[key] === undefined) delete event[key];
  return { event };
}

function actual(value: Record<string, LosslessValue>): { event: unknown } | { reason: string; detail: string } {
  try {
    return { event: parseMeshWebhook(value) };
  } catch (err) {
    assert.ok(err instanceof InvalidEventError, String(err));
    assert.equal(err.code, 'MESH_PAY_INVALID_EVENT');
    assert.equal(err.status, 400);
    return { reason: err.reason, detail: err.detail };
  }
}

// ---- generated bodies --------------------------------------------------------------------------
const FIELDS: [string, number][] = [
  ['eventId', 200],
  ['id', 200],
  ['sentTimestamp', 100],
  ['transferId', 200],
  ['transactionId', 200],
  ['transferStatus', 50],
  ['timestamp', 100],
  ['txHash', 200],
  ['userId', 300],
  ['token', 50],
  ['chain', 100],
  ['sourceAmount', 100],
  ['sourceAccountProvider', 100],
  ['destinationAmount', 100],
  ['destinationAddress', 200],
  ['refundAddress', 200],
];

/** Values around every rule: lengths at and past each limit, decimals and near-decimals, wrong types. */
const fieldValue = (max: number): fc.Arbitrary<LosslessValue> =>
  fc.oneof(
    fc.constantFrom<LosslessValue>('', 'Succeeded', 'pending', '25.00', '-1.5e3', '1.', '.5', '0x1', ' 1', '١٢', null, true, false, [], {}),
    fc.constantFrom('a'.repeat(max), 'a'.repeat(max + 1), '9'.repeat(max), '9'.repeat(max + 1), '😀'.repeat(Math.ceil(max / 2))),
    fc.string({ maxLength: 12 }),
    fc.stringMatching(/^-?\d{1,30}(\.\d{1,20})?([eE][+-]?\d{1,3})?$/).map((s) => new JsonNumber(s)),
    fc.stringMatching(/^-?\d{1,30}(\.\d{1,20})?$/),
    fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
    fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 }),
  );

/** A body with any subset of the fields, each spelled PascalCase, camelCase, both (either order) or oddly. */
const body: fc.Arbitrary<Record<string, LosslessValue>> = fc
  .tuple(
    ...FIELDS.map(([name, max]) =>
      fc.record({
        spelling: fc.constantFrom('absent', 'pascal', 'camel', 'pascal-then-camel', 'camel-then-pascal', 'upper'),
        a: fieldValue(max),
        b: fieldValue(max),
      }).map((f) => ({ name, ...f })),
    ),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
    fc.boolean(),
  )
  .map((parts) => {
    const extra = parts[FIELDS.length] as Record<string, string>;
    const reverse = parts[FIELDS.length + 1] as boolean;
    const fields = parts.slice(0, FIELDS.length) as { name: string; spelling: string; a: LosslessValue; b: LosslessValue }[];
    const entries: [string, LosslessValue][] = [];
    for (const { name, spelling, a, b } of fields) {
      const pascal = name.charAt(0).toUpperCase() + name.slice(1);
      if (spelling === 'pascal') entries.push([pascal, a]);
      else if (spelling === 'camel') entries.push([name, a]);
      else if (spelling === 'pascal-then-camel') entries.push([pascal, a], [name, b]);
      else if (spelling === 'camel-then-pascal') entries.push([name, a], [pascal, b]);
      else if (spelling === 'upper') entries.push([name.toUpperCase(), a]);
    }
    for (const [key, value] of Object.entries(extra)) entries.push([key, value]);
    if (reverse) entries.reverse();
    const out: Record<string, LosslessValue> = Object.create(null);
    for (const [key, value] of entries) out[key] = value;
    return out;
  });

/** A body Mesh would send: every field valid, so the generated runs are not all refusals. */
const validBody: fc.Arbitrary<Record<string, LosslessValue>> = fc
  .record({
    EventId: fc.uuid(),
    Id: fc.uuid(),
    SentTimestamp: fc.integer({ min: 0, max: 2_000_000_000 }).map((n) => new JsonNumber(String(n))),
    TransferId: fc.string({ minLength: 1, maxLength: 40 }),
    TransactionId: fc.oneof(fc.constant(null), fc.string({ minLength: 1, maxLength: 40 })),
    TransferStatus: fc.constantFrom('Pending', 'succeeded', 'FAILED', 'RefundPending', 'processing'),
    SourceAmount: fc.stringMatching(/^\d{1,25}\.\d{1,18}$/).map((s) => new JsonNumber(s)),
    DestinationAmount: fc.oneof(fc.stringMatching(/^\d{1,25}(\.\d{1,18})?$/), fc.constant(null)),
    TxHash: fc.oneof(fc.constant(null), fc.constant(''), fc.stringMatching(/^[0-9a-f]{64}$/)),
    Token: fc.constantFrom('USDC', 'ETH'),
    Chain: fc.constantFrom('Ethereum', 'Solana'),
  })
  .map((v) => Object.assign(Object.create(null), v) as Record<string, LosslessValue>);

describe('webhook body parsing (hand-written, as strict as the schema it replaced)', () => {
  it('accepts, builds and refuses exactly as the zod schema did, on generated bodies (property)', () => {
    fc.assert(
      fc.property(fc.oneof(body, validBody), (value) => {
        assert.deepEqual(actual(value), reference(value));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps the event fields in one order, so stored events read the same as before', () => {
    fc.assert(
      fc.property(validBody, (value) => {
        const a = actual(value);
        const r = reference(value);
        assert.ok('event' in a && 'event' in r);
        assert.equal(JSON.stringify(a.event), JSON.stringify(r.event));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a body whose EventId is missing as missing-event-id, listing every bad field in order', () => {
    const value = parseLosslessJson('{"Id":"d1","TransferId":"","TransferStatus":true,"SourceAmount":"1,5"}') as Record<string, LosslessValue>;
    assert.deepEqual(actual(value), {
      reason: 'missing-event-id',
      detail: 'The webhook event is malformed (eventId, transferId, transferStatus, sourceAmount).',
    });
  });

  it('never reads a field from the prototype chain or lets __proto__ in', () => {
    const value = parseLosslessJson(
      '{"EventId":"e1","Id":"d1","TransferId":"t1","TransferStatus":"pending","__proto__":{"transactionId":"mp_x"},"constructor":"c"}',
    ) as Record<string, LosslessValue>;
    const parsed = actual(value);
    assert.deepEqual(parsed, { event: { eventId: 'e1', id: 'd1', transferId: 't1', status: 'pending', rawStatus: 'pending' } });
  });
});
