import type { LinkTokenResponse as WireLinkTokenResponse, Problem as WireProblem, ProblemCode } from '@mesh-pay/wire';
import { MeshPayError } from './errors.js';

/**
 * The kit's token response (declared in `@mesh-pay/wire`) as the button keeps it: `statusUrl` made
 * absolute against the token route (the kit may live on another origin), `paymentLink` kept only
 * when it is an http(s) URL, and the time it arrived (Mesh's tokens live 10 minutes).
 */
export interface LinkTokenResponse extends WireLinkTokenResponse {
  /** `Date.now()` when the token arrived. */
  receivedAt: number;
}

/** A problem+json body as far as a browser can trust it: any field may be missing. */
type Problem = Partial<Pick<WireProblem, 'title' | 'detail' | 'code'>>;

async function readProblem(res: Response): Promise<Problem> {
  try {
    const body: unknown = await res.json();
    return typeof body === 'object' && body !== null ? (body as Problem) : {};
  } catch {
    return {};
  }
}

/** A hung token route must not leave the customer looking at "Preparing…" forever. */
const TOKEN_TIMEOUT_MS = 30_000;

/** The token route as an absolute URL (relative `token-url`s are relative to the page). */
function tokenRouteUrl(tokenUrl: string): URL {
  return new URL(tokenUrl, location.href);
}

/**
 * True when the kit lives on another origin than the page. The kit's shopper session is a cookie on
 * the kit's own origin, so cross-origin requests carry credentials (and the kit must answer CORS with
 * `Access-Control-Allow-Credentials: true` and the page's exact origin).
 */
function isCrossOrigin(url: URL): boolean {
  return url.origin !== location.origin;
}

/** An http(s) URL, or undefined: a `javascript:` or garbage pay link must never become an href. */
export function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 4096) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** The kit's 409 for an order that is already paid (the customer must not pay twice). */
const ORDER_ALREADY_PAID = 'MESH_PAY_ORDER_ALREADY_PAID' satisfies ProblemCode;

/** The caller's signal (an abandoned attempt) or our timeout, whichever fires first. */
function withTimeout(signal: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(TOKEN_TIMEOUT_MS);
  if (!signal) return timeout;
  return typeof AbortSignal.any === 'function' ? AbortSignal.any([signal, timeout]) : signal;
}

/**
 * Readies the page's fetch machinery for the token request a click is about to send. Chromium sets
 * a document up on its first `fetch()` (~1 ms on the bench's page before the request can start); a
 * fetch whose signal is already aborted does that setup and stops there: the Fetch standard rejects
 * it before any request exists, so nothing leaves, nothing is minted and no CSP check runs.
 */
export async function warmUpFetch(tokenUrl: string): Promise<void> {
  try {
    await fetch(tokenRouteUrl(tokenUrl).href, { signal: AbortSignal.abort() });
  } catch {
    /* always: the signal is aborted (an unparsable token-url is reported by the click that uses it) */
  }
}

/** Mints a fresh link token for `orderId` (every attempt gets its own: tokens are single-use). */
export async function requestLinkToken(tokenUrl: string, orderId: string | undefined, signal?: AbortSignal): Promise<LinkTokenResponse> {
  if (!tokenUrl) throw new MeshPayError('MESH_PAY_CONFIG_INVALID', 'The token-url attribute is required', { retryable: false });
  const route = tokenRouteUrl(tokenUrl);
  let res: Response;
  try {
    res = await fetch(route.href, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(orderId === undefined ? {} : { orderId }),
      credentials: isCrossOrigin(route) ? 'include' : 'same-origin',
      signal: withTimeout(signal),
    });
  } catch (cause) {
    const timedOut = cause instanceof DOMException && cause.name === 'TimeoutError';
    throw new MeshPayError('MESH_PAY_NETWORK', timedOut ? 'The payment server did not answer in time' : 'Could not reach the payment server', {
      retryable: true,
      cause,
    });
  }
  if (!res.ok) {
    const problem = await readProblem(res);
    const why = problem.detail ?? problem.title ?? res.statusText;
    if (res.status === 409 && problem.code === ORDER_ALREADY_PAID) {
      throw new MeshPayError('MESH_PAY_ORDER_ALREADY_PAID', `This order is already paid: ${why}`, { retryable: false, status: res.status });
    }
    throw new MeshPayError('MESH_PAY_TOKEN_REQUEST_FAILED', `Token request failed (${res.status}${problem.code ? ` ${problem.code}` : ''}): ${why}`, {
      retryable: res.status >= 500 || res.status === 429 || res.status === 408,
      status: res.status,
    });
  }
  // Untrusted until checked: every field is read as `unknown` under the contract's own names.
  const body = (await res.json().catch(() => undefined)) as { [K in keyof WireLinkTokenResponse]?: unknown } | undefined;
  if (!body || typeof body.linkToken !== 'string' || typeof body.statusUrl !== 'string' || typeof body.transactionId !== 'string') {
    throw new MeshPayError('MESH_PAY_TOKEN_REQUEST_FAILED', 'Token route answered without linkToken/statusUrl/transactionId', {
      retryable: false,
      status: res.status,
    });
  }
  const paymentLink = httpUrl(body.paymentLink);
  return {
    linkToken: body.linkToken,
    transactionId: body.transactionId,
    statusUrl: new URL(body.statusUrl, route).href,
    environment: body.environment === 'production' ? 'production' : 'sandbox',
    ...(Array.isArray(body.accessTokens) ? { accessTokens: body.accessTokens as NonNullable<WireLinkTokenResponse['accessTokens']> } : {}),
    ...(paymentLink ? { paymentLink } : {}),
    receivedAt: Date.now(),
  };
}

/** `token` if it carries Mesh's hosted pay link (the in-app-browser way to pay); else a typed error. */
export function withPaymentLink(token: LinkTokenResponse): LinkTokenResponse & { paymentLink: string } {
  if (token.paymentLink) return token as LinkTokenResponse & { paymentLink: string };
  throw new MeshPayError('MESH_PAY_TOKEN_REQUEST_FAILED', 'The token route answered without an http(s) paymentLink', { retryable: false });
}

/** Hands the SDK's onIntegrationConnected payload to the kit's return-user route (best effort). */
export async function saveIntegration(statusUrl: string, payload: unknown): Promise<boolean> {
  const url = new URL(statusUrl, location.href);
  url.pathname = `${url.pathname.replace(/\/$/, '')}/integration`;
  try {
    const res = await fetch(url.href, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      credentials: isCrossOrigin(url) ? 'include' : 'same-origin',
      keepalive: true,
    });
    return res.ok;
  } catch {
    return false;
  }
}
