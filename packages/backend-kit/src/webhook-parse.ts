/**
 * Turns a verified webhook body into a {@link TransferEvent}: PascalCase (as Mesh documents it)
 * or camelCase field names, decimals kept as the exact text Mesh sent.
 */
import { z } from 'zod';
import { MeshPayError } from './errors.js';
import { JsonNumber, parseLosslessJson, type LosslessValue } from './lossless-json.js';
import type { TransferEvent, UnmatchedTransferEvent } from './store.js';

export type { UnmatchedTransferEvent };

/** Why a verified body was not a transfer event, for the merchant's logs. */
export type EventRefusal = 'not-json' | 'missing-event-id' | 'malformed-event';

/** `MESH_PAY_INVALID_EVENT` (400) with the reason a merchant can search their logs for. */
export class InvalidEventError extends MeshPayError {
  constructor(
    readonly reason: EventRefusal,
    detail: string,
  ) {
    super('MESH_PAY_INVALID_EVENT', 400, detail);
  }
}

/** A string, or a JSON number kept as its source text. Booleans/objects are rejected. */
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

const eventSchema = z.object({
  eventId: text(200).pipe(z.string().min(1)),
  id: text(200).pipe(z.string().min(1)),
  sentTimestamp: optionalText(100),
  transferId: text(200).pipe(z.string().min(1)),
  // Null for a transfer this kit did not mint (made outside a link token of ours): acknowledged, recorded as unmatched.
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

/** `TransferStatus` → `transferStatus`; camelCase input is left as is. PascalCase wins a tie. */
function camelizeKeys(value: Record<string, LosslessValue>): Record<string, LosslessValue> {
  const out: Record<string, LosslessValue> = Object.create(null);
  for (const [key, v] of Object.entries(value)) {
    const camel = key.charAt(0).toLowerCase() + key.slice(1);
    const pascal = key.charAt(0) === key.charAt(0).toUpperCase();
    if (!(camel in out) || pascal) out[camel] = v;
  }
  return out;
}

/**
 * Parses a webhook body (raw bytes/text, or an already lossless-parsed value). `TransferStatus` is
 * compared lowercased (`status`) and kept as sent (`rawStatus`). A body without a `TransactionId`
 * is still a valid Mesh event (a transfer not made through one of our link tokens).
 * Throws `MESH_PAY_INVALID_EVENT` (400) for anything that is not a well-formed transfer event.
 */
export function parseMeshWebhook(body: Buffer | string | LosslessValue): TransferEvent | UnmatchedTransferEvent {
  let value: LosslessValue;
  if (Buffer.isBuffer(body) || typeof body === 'string') {
    const source = Buffer.isBuffer(body) ? body.toString('utf8') : body;
    try {
      value = parseLosslessJson(source);
    } catch {
      throw new InvalidEventError('not-json', 'The webhook body is not valid JSON.');
    }
  } else {
    value = body;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof JsonNumber) {
    throw new InvalidEventError('not-json', 'The webhook body is not a JSON object.');
  }
  const result = eventSchema.safeParse(camelizeKeys(value));
  if (!result.success) {
    const paths = [...new Set(result.error.issues.map((i) => i.path.join('.')))];
    const reason = paths.includes('eventId') ? 'missing-event-id' : 'malformed-event';
    throw new InvalidEventError(reason, `The webhook event is malformed (${paths.join(', ')}).`);
  }
  const { transferStatus, ...rest } = result.data;
  const event = { ...rest, status: transferStatus.toLowerCase(), rawStatus: transferStatus } as TransferEvent;
  for (const key of Object.keys(event) as (keyof TransferEvent)[]) {
    if (event[key] === undefined) delete event[key];
  }
  return event;
}

/** {@link parseMeshWebhook}, insisting on a `TransactionId` (`MESH_PAY_INVALID_EVENT` without one). */
export function parseTransferEvent(body: Buffer | string | LosslessValue): TransferEvent {
  const event = parseMeshWebhook(body);
  if (!isMatchable(event)) throw new InvalidEventError('malformed-event', 'The webhook event is malformed (transactionId).');
  return event;
}

export function isMatchable(event: TransferEvent | UnmatchedTransferEvent): event is TransferEvent {
  return typeof event.transactionId === 'string' && event.transactionId.length > 0;
}
