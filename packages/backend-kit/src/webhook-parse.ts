/**
 * Turns a verified webhook body into a {@link TransferEvent}: PascalCase (as Mesh documents it)
 * or camelCase field names, decimals kept as the exact text Mesh sent.
 */
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

/**
 * The fields of a transfer event, in the order a malformed event's problem names them and the
 * parsed event holds them: camelCase name, longest accepted text, and whether it must be present
 * (non-empty) or be a decimal. A field is a string or a JSON number kept as its source text; an
 * optional one may also be null, absent or `""` (all three mean absent). Anything else (booleans,
 * objects, arrays) is refused. Other keys are ignored.
 *
 * Checked by hand, not by a schema library: this runs for every webhook before its 200, and a walk
 * over sixteen known keys costs a fraction of a generic validator (webhook-parse.test.ts checks it
 * against the zod schema it replaced, on generated bodies).
 */
const FIELDS = [
  { name: 'eventId', max: 200, required: true },
  { name: 'id', max: 200, required: true },
  { name: 'sentTimestamp', max: 100 },
  { name: 'transferId', max: 200, required: true },
  // Absent for a transfer this kit did not mint (made outside a link token of ours): acknowledged, recorded as unmatched.
  { name: 'transactionId', max: 200 },
  { name: 'transferStatus', max: 50, required: true },
  { name: 'timestamp', max: 100 },
  { name: 'txHash', max: 200 },
  { name: 'userId', max: 300 },
  { name: 'token', max: 50 },
  { name: 'chain', max: 100 },
  { name: 'sourceAmount', max: 100, decimal: true },
  { name: 'sourceAccountProvider', max: 100 },
  { name: 'destinationAmount', max: 100, decimal: true },
  { name: 'destinationAddress', max: 200 },
  { name: 'refundAddress', max: 200 },
].map((field) => ({ ...field, pascal: field.name.charAt(0).toUpperCase() + field.name.slice(1) })) as readonly EventField[];

interface EventField {
  name: string;
  /** The same name in PascalCase, as Mesh documents it. */
  pascal: string;
  max: number;
  required?: boolean;
  decimal?: boolean;
}

const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** The field's text; `undefined` for an absent optional field; `false` when it is malformed. */
function fieldText(field: EventField, value: LosslessValue | undefined): string | undefined | false {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value instanceof JsonNumber) text = value.source;
  else if ((value === undefined || value === null) && !field.required) return undefined;
  else return false;
  if (text.length > field.max) return false;
  if (text === '') return field.required ? false : undefined;
  if (field.decimal && !DECIMAL.test(text)) return false;
  return text;
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
  const object = value as { [key: string]: LosslessValue };
  const event: Record<string, string> = {};
  let malformed: string[] | undefined;
  let transferStatus = '';
  for (const field of FIELDS) {
    // PascalCase (as Mesh documents it) wins when a body has both spellings.
    const text = fieldText(field, Object.hasOwn(object, field.pascal) ? object[field.pascal] : object[field.name]);
    if (text === false) (malformed ??= []).push(field.name);
    else if (field.name === 'transferStatus') transferStatus = text!;
    else if (text !== undefined) event[field.name] = text;
  }
  if (malformed) {
    const reason = malformed[0] === 'eventId' ? 'missing-event-id' : 'malformed-event';
    throw new InvalidEventError(reason, `The webhook event is malformed (${malformed.join(', ')}).`);
  }
  event.status = transferStatus.toLowerCase();
  event.rawStatus = transferStatus;
  return event as unknown as TransferEvent;
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
