/**
 * Status capabilities: the unguessable, expiring token in a `statusUrl` that lets one browser
 * read one transaction's status stream, and nothing else.
 *
 * Format: base64url(JSON {t: transactionId, exp: epoch seconds}) + "." + base64url(HMAC-SHA256(kitSecret, payload)).
 * Every instance of a deployment shares `kitSecret`, so any instance can verify any capability.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { MeshPayError } from './errors.js';

export interface CapabilityClaims {
  transactionId: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

function sign(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/** Creates a capability for `transactionId` valid until `expiresAtMs`. */
export function signCapability(secret: string, transactionId: string, expiresAtMs: number): string {
  const payload = Buffer.from(JSON.stringify({ t: transactionId, exp: Math.floor(expiresAtMs / 1000) })).toString(
    'base64url',
  );
  return `${payload}.${sign(secret, payload).toString('base64url')}`;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Verifies a capability. Throws `MESH_PAY_CAPABILITY_INVALID` (403) for anything not signed by
 * `secret` — checked before the payload is even decoded — and `MESH_PAY_CAPABILITY_EXPIRED` (403)
 * once `exp` has passed.
 */
export function verifyCapability(secret: string, capability: string, nowMs: number = Date.now()): CapabilityClaims {
  const invalid = () => new MeshPayError('MESH_PAY_CAPABILITY_INVALID', 403, 'This status link is not valid.');
  if (capability.length > 1024) throw invalid();
  const parts = capability.split('.');
  if (parts.length !== 2) throw invalid();
  const [payload, signature] = parts as [string, string];
  if (!BASE64URL.test(payload) || !BASE64URL.test(signature)) throw invalid();
  const expected = sign(secret, payload);
  const given = Buffer.from(signature, 'base64url');
  // Re-encoding rejects non-canonical base64url (trailing bits) so one signature has one spelling.
  if (given.length !== expected.length || given.toString('base64url') !== signature) throw invalid();
  if (!timingSafeEqual(given, expected)) throw invalid();

  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const { t, exp } = (claims ?? {}) as { t?: unknown; exp?: unknown };
  if (typeof t !== 'string' || t.length === 0 || typeof exp !== 'number' || !Number.isFinite(exp)) throw invalid();
  if (exp * 1000 <= nowMs) {
    throw new MeshPayError('MESH_PAY_CAPABILITY_EXPIRED', 403, 'This status link has expired.');
  }
  return { transactionId: t, exp };
}
