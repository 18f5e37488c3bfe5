/**
 * Cross-origin use of the kit's browser routes: a merchant's page on `https://shop.example` (a CMS,
 * a static host) calls a kit on `https://pay.shop.example`. Only origins the merchant lists get a
 * grant, always echoed (never `*`) and with credentials, because the host app may identify the
 * shopper by a cookie. The webhook route is server-to-server and is never given any of this.
 */
import cors from 'cors';
import type { RequestHandler } from 'express';
import { MeshPayError } from './errors.js';

export interface CorsOptions {
  /** Exact origins (`https://shop.example`, `http://localhost:8080`), no paths, no wildcards. */
  origins: readonly string[];
}

/**
 * Thrown for a string that is not a web origin. Its `code` is the kit's config code, so a bad
 * allow-list fails start-up the same way any other bad option does.
 */
export class InvalidOriginError extends MeshPayError {
  constructor(readonly value: string, reason: string) {
    super('MESH_PAY_CONFIG_INVALID', 500, `${JSON.stringify(value.slice(0, 200))} is not an allowed origin: ${reason}`);
  }
}

/**
 * Reads one allowed origin, exactly as browsers send it in `Origin`: `scheme://host[:port]`, lower
 * case, default ports dropped. Anything else (a path, a query, credentials, `*`, `null`, a non-web
 * scheme) is refused rather than "fixed", because an allow-list that silently means something
 * other than what was typed is how origins get granted by accident.
 */
export function parseAllowedOrigin(value: string): string {
  const text = value.trim();
  if (text === '') throw new InvalidOriginError(value, 'it is empty');
  if (text === '*' || text.includes('*')) throw new InvalidOriginError(value, 'wildcards are not allowed; list each origin');
  if (text.toLowerCase() === 'null') throw new InvalidOriginError(value, 'the opaque origin "null" is never granted');
  if (text.length > 2048) throw new InvalidOriginError(value, 'it is too long');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidOriginError(value, 'it is not a URL like https://shop.example');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidOriginError(value, 'only http and https origins exist for pages');
  if (url.username || url.password) throw new InvalidOriginError(value, 'it must not carry credentials');
  if (url.search || url.hash || !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]+\/?$/i.test(text)) {
    throw new InvalidOriginError(value, 'an origin has no path, query or fragment (write https://shop.example)');
  }
  return url.origin;
}

/** The whole allow-list, parsed; duplicates collapse. */
export function parseAllowedOrigins(values: readonly string[]): string[] {
  if (!Array.isArray(values)) throw new MeshPayError('MESH_PAY_CONFIG_INVALID', 500, '`cors.origins` must be an array of origins.');
  return [...new Set(values.map((v) => (typeof v === 'string' ? parseAllowedOrigin(v) : parseAllowedOrigin(String(v)))))];
}

/** Request headers the button sends: JSON bodies, and `Last-Event-ID` when a stream resumes. */
const ALLOWED_HEADERS = ['Content-Type', 'Last-Event-ID'];
/** Response headers the button may read: the rate limiter's hints on a 429. */
const EXPOSED_HEADERS = ['RateLimit', 'RateLimit-Policy', 'Retry-After'];

/**
 * The middleware for the browser routes. Mounted before them, so every answer they give (a token,
 * the event stream, a 400/404/429/502 problem) carries the grant; an origin outside the list gets a
 * normal answer with no grant, which the browser then refuses to hand to the page.
 */
export function browserCors(options: CorsOptions): RequestHandler {
  const allowed = new Set(parseAllowedOrigins(options.origins));
  const grant = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'POST'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
    optionsSuccessStatus: 204,
  });
  return (req, res, next) => {
    // Every answer depends on Origin, granted or not, so a shared cache never replays one
    // origin's grant (or refusal) to another.
    res.vary('Origin');
    grant(req, res, next);
  };
}
