/**
 * Mesh's webhook signature: `X-Mesh-Signature-256` = base64(HMAC-SHA256(secret, raw body bytes)).
 * Verified over the exact bytes received, before anything is parsed.
 *
 * Several secrets may be given while a secret is being rotated: any one verifies. Each of them is
 * always computed and compared, so the time taken says nothing about which secret matched or how
 * much of a forged signature was right.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Why a signature was refused: logged with the refusal, never with the secret or the body. */
export type SignatureRefusal =
  | 'signature-missing'
  | 'signature-not-base64'
  | 'signature-wrong-length'
  | 'signature-mismatch';

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureRefusal };

/** A base64 HMAC-SHA256 is 32 bytes: 44 characters with one `=` of padding. */
const SIGNATURE_LENGTH = 44;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The signature Mesh would send for `body`. */
export function signWebhookBody(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/** One secret or a rotation list → the non-empty secrets, in order. */
export function webhookSecretList(secrets: string | readonly string[]): string[] {
  return (typeof secrets === 'string' ? [secrets] : [...secrets]).filter((s) => typeof s === 'string' && s.length > 0);
}

/**
 * Checks `signature` against every secret and says why it was refused. The reasons are for the
 * merchant's logs (a proxy stripping the header, a body re-encoded on the way, a stale secret), so
 * they distinguish what is cheap to tell apart without revealing anything about the secrets.
 */
export function checkWebhookSignature(
  body: Buffer | string,
  signature: string | string[] | undefined,
  secrets: string | readonly string[],
): SignatureCheck {
  if (signature === undefined || (typeof signature === 'string' && signature.trim() === '')) {
    return { ok: false, reason: 'signature-missing' };
  }
  // Two headers of the same name arrive as an array: ambiguous, so refused.
  if (typeof signature !== 'string') return { ok: false, reason: 'signature-mismatch' };
  const given = signature.trim();
  if (!BASE64.test(given)) return { ok: false, reason: 'signature-not-base64' };
  if (given.length !== SIGNATURE_LENGTH) return { ok: false, reason: 'signature-wrong-length' };
  const actual = Buffer.from(given, 'utf8');
  let matched = false;
  for (const secret of webhookSecretList(secrets)) {
    const expected = Buffer.from(signWebhookBody(secret, body), 'utf8');
    // No early exit: every secret costs the same whether or not an earlier one matched.
    matched = timingSafeEqual(actual, expected) || matched;
  }
  return matched ? { ok: true } : { ok: false, reason: 'signature-mismatch' };
}

/**
 * `true` only when `signature` is the base64 HMAC-SHA256 of exactly `body` under `secret` (or under
 * any one of `secret` when a rotation list is given).
 */
export function verifyWebhookSignature(
  body: Buffer | string,
  signature: string | string[] | undefined,
  secret: string | readonly string[],
): boolean {
  return checkWebhookSignature(body, signature, secret).ok;
}
