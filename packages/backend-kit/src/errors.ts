/**
 * Errors the kit raises and the `application/problem+json` (RFC 9457) bodies it answers with.
 * Every error carries a searchable `code`; browser-facing details never include secrets or
 * Mesh's raw error text.
 */
import type { ErrorRequestHandler, Response } from 'express';

export type MeshPayErrorCode =
  | 'MESH_PAY_INVALID_REQUEST'
  | 'MESH_PAY_ORDER_NOT_FOUND'
  | 'MESH_PAY_MESH_UNAVAILABLE'
  | 'MESH_PAY_MESH_REFUSED'
  | 'MESH_PAY_MESH_TIMEOUT'
  | 'MESH_PAY_SIGNATURE_INVALID'
  | 'MESH_PAY_PAYLOAD_TOO_LARGE'
  | 'MESH_PAY_INVALID_EVENT'
  | 'MESH_PAY_CAPABILITY_INVALID'
  | 'MESH_PAY_CAPABILITY_EXPIRED'
  | 'MESH_PAY_TRANSACTION_NOT_FOUND'
  | 'MESH_PAY_SOURCE_FORBIDDEN'
  | 'MESH_PAY_RATE_LIMITED'
  | 'MESH_PAY_ORDER_ALREADY_PAID'
  | 'MESH_PAY_TOO_MANY_STREAMS'
  | 'MESH_PAY_BUSY'
  | 'MESH_PAY_CONFIG_INVALID'
  | 'MESH_PAY_INTERNAL';

const TITLES: Record<MeshPayErrorCode, string> = {
  MESH_PAY_INVALID_REQUEST: 'Invalid request',
  MESH_PAY_ORDER_NOT_FOUND: 'Order not found',
  MESH_PAY_MESH_UNAVAILABLE: 'Mesh is unavailable',
  MESH_PAY_MESH_REFUSED: 'Mesh refused the request',
  MESH_PAY_MESH_TIMEOUT: 'Mesh did not answer in time',
  MESH_PAY_SIGNATURE_INVALID: 'Invalid webhook signature',
  MESH_PAY_PAYLOAD_TOO_LARGE: 'Payload too large',
  MESH_PAY_INVALID_EVENT: 'Invalid webhook event',
  MESH_PAY_CAPABILITY_INVALID: 'Invalid status capability',
  MESH_PAY_CAPABILITY_EXPIRED: 'Status capability expired',
  MESH_PAY_TRANSACTION_NOT_FOUND: 'Transaction not found',
  MESH_PAY_SOURCE_FORBIDDEN: 'Source address not allowed',
  MESH_PAY_RATE_LIMITED: 'Too many requests',
  MESH_PAY_ORDER_ALREADY_PAID: 'Order already paid',
  MESH_PAY_TOO_MANY_STREAMS: 'Too many status streams',
  MESH_PAY_BUSY: 'Server busy',
  MESH_PAY_CONFIG_INVALID: 'Invalid Mesh Pay configuration',
  MESH_PAY_INTERNAL: 'Internal error',
};

/** The one error class of the kit. `status` is the HTTP status it answers with. */
export class MeshPayError extends Error {
  override readonly name = 'MeshPayError';
  readonly title: string;
  /** Sent as `Retry-After` (seconds) with 429 and 503 answers. */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    readonly code: MeshPayErrorCode,
    readonly status: number,
    /** Safe to show to a browser. */
    readonly detail: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(`${code}: ${detail}`, options);
    this.title = TITLES[code];
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** The problem+json body for an error. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: MeshPayErrorCode;
}

export function toProblem(error: MeshPayError): Problem {
  return {
    type: `urn:mesh-pay:problem:${error.code.slice('MESH_PAY_'.length).toLowerCase().replaceAll('_', '-')}`,
    title: error.title,
    status: error.status,
    detail: error.detail,
    code: error.code,
  };
}

export function sendProblem(res: Response, error: MeshPayError): void {
  // Read by the kit's metrics (a refusal counted by its code); never sent.
  res.locals.meshPayProblemCode = error.code;
  if (error.retryAfterSeconds !== undefined) res.set('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  res.status(error.status).type('application/problem+json').send(JSON.stringify(toProblem(error)));
}

/** Maps body-parser failures (they carry `type` and `status`) and router decode failures to kit errors. */
function fromExpressError(err: unknown): MeshPayError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const type = (err as { type?: unknown }).type;
  if (type === 'entity.too.large') {
    return new MeshPayError('MESH_PAY_PAYLOAD_TOO_LARGE', 413, 'The request body is too large.');
  }
  if (type === 'entity.parse.failed' || type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new MeshPayError('MESH_PAY_INVALID_REQUEST', 400, 'The request body could not be read.');
  }
  // Express answers a path segment it cannot percent-decode (`/status/%`) with a URIError.
  if (err instanceof URIError && (err as { status?: unknown }).status === 400) {
    return new MeshPayError('MESH_PAY_INVALID_REQUEST', 400, 'The URL could not be read.');
  }
  if (type === 'request.aborted' || type === 'request.size.invalid' || type === 'stream.encoding.set') {
    return new MeshPayError('MESH_PAY_INVALID_REQUEST', 400, 'The request body was incomplete.');
  }
  return undefined;
}

/**
 * Error middleware mounted inside the kit's router only: it answers the kit's own errors with
 * problem+json and never sees (or swallows) errors of the host app's other routes.
 */
export function problemHandler(logger: { error: (msg: string, meta?: object) => void }): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const known = err instanceof MeshPayError ? err : fromExpressError(err);
    if (known) {
      sendProblem(res, known);
      return;
    }
    logger.error('mesh-pay: unexpected error', { path: req.path, error: describeError(err) });
    sendProblem(res, new MeshPayError('MESH_PAY_INTERNAL', 500, 'Something went wrong on the server.'));
  };
}

/** A short description of an error for logs (message and code only, no stack of payloads). */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
