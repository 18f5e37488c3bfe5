/**
 * Mesh's webhook signature, as its documentation shows it (C#):
 * `Convert.ToBase64String(new HMACSHA256(UTF8(secret)).ComputeHash(UTF8(payload)))`,
 * sent as the `X-Mesh-Signature-256` header.
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Mesh-Signature-256';

/** base64(HMAC-SHA256(secret, raw body bytes)). */
export function signWebhook(secret: string, rawBody: string | Buffer): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest('base64');
}
