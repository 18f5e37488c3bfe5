import { MeshPayError } from './errors.js';

/** What the kit's token route answers. */
export interface LinkTokenResponse {
  linkToken: string;
  transactionId: string;
  statusUrl: string;
  environment: string;
  /** Saved return-user tokens; passed to Link so the customer skips signing in again. */
  accessTokens?: unknown[];
}

interface Problem {
  title?: string;
  detail?: string;
  code?: string;
}

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

/** Mints a fresh link token for `orderId` (every attempt gets its own: tokens are single-use). */
export async function requestLinkToken(tokenUrl: string, orderId: string | undefined, signal?: AbortSignal): Promise<LinkTokenResponse> {
  let res: Response;
  try {
    res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(orderId === undefined ? {} : { orderId }),
      credentials: 'same-origin',
      signal: signal ?? AbortSignal.timeout(TOKEN_TIMEOUT_MS),
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
    throw new MeshPayError('MESH_PAY_TOKEN_REQUEST_FAILED', `Token request failed (${res.status}${problem.code ? ` ${problem.code}` : ''}): ${why}`, {
      retryable: res.status >= 500 || res.status === 429 || res.status === 408,
      status: res.status,
    });
  }
  const body = (await res.json().catch(() => undefined)) as Partial<LinkTokenResponse> | undefined;
  if (!body || typeof body.linkToken !== 'string' || typeof body.statusUrl !== 'string' || typeof body.transactionId !== 'string') {
    throw new MeshPayError('MESH_PAY_TOKEN_REQUEST_FAILED', 'Token route answered without linkToken/statusUrl/transactionId', {
      retryable: false,
      status: res.status,
    });
  }
  return {
    linkToken: body.linkToken,
    transactionId: body.transactionId,
    statusUrl: body.statusUrl,
    environment: typeof body.environment === 'string' ? body.environment : 'sandbox',
    ...(Array.isArray(body.accessTokens) ? { accessTokens: body.accessTokens } : {}),
  };
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
      credentials: 'same-origin',
      keepalive: true,
    });
    return res.ok;
  } catch {
    return false;
  }
}
