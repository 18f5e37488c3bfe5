/**
 * JSON text with number literals written verbatim. `JSON.stringify` can only write a JS number,
 * which holds ~17 significant digits; Mesh's webhooks carry .NET decimals (up to 28-29 digits) as
 * JSON numbers, so the sandbox writes those digits itself.
 */
import { isPlainDecimal } from './exact-decimal.js';

/** A JSON number given as its exact decimal text. */
export class RawNumber {
  constructor(readonly text: string) {
    if (!isPlainDecimal(text)) throw new TypeError(`not a plain decimal: ${JSON.stringify(text)}`);
  }
}

export type RawJsonValue =
  | string
  | number
  | boolean
  | null
  | RawNumber
  | readonly RawJsonValue[]
  | { readonly [key: string]: RawJsonValue | undefined };

/** Serialises like `JSON.stringify` (compact, keys in insertion order, `undefined` members left out). */
export function stringifyRawJson(value: RawJsonValue): string {
  if (value instanceof RawNumber) return value.text;
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  if (Array.isArray(value)) return `[${value.map((v: RawJsonValue) => stringifyRawJson(v)).join(',')}]`;
  const members: string[] = [];
  for (const [key, v] of Object.entries(value as Record<string, RawJsonValue | undefined>)) {
    if (v === undefined) continue;
    members.push(`${JSON.stringify(key)}:${stringifyRawJson(v)}`);
  }
  return `{${members.join(',')}}`;
}
