/**
 * Mesh's webhook signature: `X-Mesh-Signature-256` = base64(HMAC-SHA256(secret, raw body bytes)).
 * Verified over the exact bytes received, before anything is parsed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The signature Mesh would send for `body`. */
export function signWebhookBody(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/**
 * `true` only when `signature` is the base64 HMAC-SHA256 of exactly `body` under `secret`.
 * The comparison is timing-safe and does not reveal how much of a forged signature was right.
 */
export function verifyWebhookSignature(
  body: Buffer | string,
  signature: string | string[] | undefined,
  secret: string,
): boolean {
  if (typeof signature !== 'string' || secret.length === 0) return false;
  const given = signature.trim();
  if (given.length === 0 || given.length > 200) return false;
  const expected = Buffer.from(signWebhookBody(secret, body), 'utf8');
  const actual = Buffer.from(given, 'utf8');
  if (actual.length !== expected.length) return false;
  return timingSafeEqual(actual, expected);
}
