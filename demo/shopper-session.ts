import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseCookie } from 'cookie';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * The demo's shoppers. The shop has no accounts, so each browser is a shopper: on its first visit
 * it gets a session cookie, `<id>.<HMAC-SHA256(kit secret, id)>`. Signed with the kit secret, so
 * every instance sharing `MESH_KIT_SECRET` accepts it, and no store lookup is needed to trust it.
 * `HttpOnly` (page scripts never see it), `SameSite=Lax` (not sent on cross-site POSTs), `Path=/`,
 * and `Secure` when the request came over https.
 *
 * What the kit and Mesh know the shopper as (`userId`) is derived from the session id one-way, so
 * neither Mesh, the store nor a log ever holds a value that would let someone rebuild the cookie.
 */

export const SESSION_COOKIE = 'mesh_pay_shopper';
/** A returning shopper keeps their connected exchanges for this long without visiting. */
export const SESSION_MAX_AGE_MS = 90 * 24 * 3600_000;

const ID_BYTES = 18;
const ID_PATTERN = /^[A-Za-z0-9_-]{24}$/;
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface Shopper {
  /** The stable, non-PII shopper id the kit gives Mesh as `userId` and the demo records as an order's owner. */
  readonly userId: string;
}

const shoppers = new WeakMap<Request, Shopper>();

function mac(secret: string, purpose: string, id: string): Buffer {
  return createHmac('sha256', secret).update(`${purpose}:${id}`).digest();
}

/** The session id a cookie value carries, if the kit secret signed it; `undefined` for anything else. */
export function verifySessionCookie(secret: string, value: string | undefined): string | undefined {
  if (!value || value.length > 100) return undefined;
  const [id, signature, extra] = value.split('.');
  if (extra !== undefined || !id || !signature || !ID_PATTERN.test(id) || !SIGNATURE_PATTERN.test(signature)) return undefined;
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(secret, 'shopper-session', id);
  if (given.length !== expected.length || given.toString('base64url') !== signature) return undefined;
  return timingSafeEqual(given, expected) ? id : undefined;
}

export function signSessionCookie(secret: string, id: string): string {
  return `${id}.${mac(secret, 'shopper-session', id).toString('base64url')}`;
}

/** The `userId` of a session: one-way, so it names the shopper without being a credential. */
export function shopperUserId(secret: string, sessionId: string): string {
  return `shopper_${mac(secret, 'mesh-user', sessionId).toString('base64url').slice(0, 32)}`;
}

function readCookie(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  try {
    return parseCookie(header)[SESSION_COOKIE];
  } catch {
    return undefined;
  }
}

/**
 * Middleware: every request gets its shopper. A request without a valid session cookie (a first
 * visit, an expired, tampered or forged one) starts a new session and is answered with its cookie.
 */
export function shopperSessions(secret: string): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let id = verifySessionCookie(secret, readCookie(req));
    if (!id) {
      id = randomBytes(ID_BYTES).toString('base64url');
      res.cookie(SESSION_COOKIE, signSessionCookie(secret, id), {
        httpOnly: true,
        sameSite: 'lax',
        path: '/',
        secure: req.secure,
        maxAge: SESSION_MAX_AGE_MS,
      });
    }
    shoppers.set(req, { userId: shopperUserId(secret, id) });
    next();
  };
}

/** The shopper of a request that went through {@link shopperSessions}. */
export function shopperOf(req: Request): Shopper {
  const shopper = shoppers.get(req);
  if (!shopper) throw new Error('shopperOf: the shopperSessions middleware did not run for this request');
  return shopper;
}
