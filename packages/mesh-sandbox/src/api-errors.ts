/**
 * Mesh-shaped API errors. Mesh answers every call with its `ApiResult` envelope. Its OpenAPI
 * document gives error answers (400, 404) the plain `ApiResult` schema,
 * `{status, message, displayMessage, errorType, errorData}` with `additionalProperties: false`, so
 * an error body carries no `content` member; successes use the route's `…ApiResult` with `content`.
 * The exact `errorType` strings Mesh uses are not published for these cases: the ones below are
 * the sandbox's own searchable codes.
 */
import type { ErrorRequestHandler, Response } from 'express';

/** `ApiResult.status` values as Mesh spells them. */
export type MeshResultStatus =
  | 'ok'
  | 'serverFailure'
  | 'permissionDenied'
  | 'badRequest'
  | 'notFound'
  | 'conflict'
  | 'tooManyRequest';

/** Searchable codes of the sandbox's own errors (the `errorType` in the Mesh envelope). */
export type SandboxErrorCode =
  | 'MESH_SANDBOX_UNAUTHORIZED'
  | 'MESH_SANDBOX_INVALID_REQUEST'
  | 'MESH_SANDBOX_PAYLOAD_TOO_LARGE'
  | 'MESH_SANDBOX_NOT_FOUND'
  | 'MESH_SANDBOX_CONFLICT'
  | 'MESH_SANDBOX_RATE_LIMITED'
  | 'MESH_SANDBOX_INTERNAL'
  | 'MESH_SANDBOX_SESSION_ENDED';

/** An error the sandbox answers with, as a Mesh `ApiResult` body. */
export class MeshSandboxError extends Error {
  override readonly name = 'MeshSandboxError';
  constructor(
    readonly code: SandboxErrorCode,
    readonly httpStatus: number,
    readonly status: MeshResultStatus,
    message: string,
  ) {
    super(message);
  }
}

/** The Mesh `ApiResult` envelope. */
export interface MeshApiResult<T = unknown> {
  status: MeshResultStatus;
  message: string;
  displayMessage: string | null;
  errorType: string;
  errorData: unknown;
  content?: T;
}

/** A successful Mesh envelope around `content`. */
export function meshOk<T>(content: T): MeshApiResult<T> {
  return { content, status: 'ok', message: '', displayMessage: null, errorType: '', errorData: null };
}

export function sendMeshError(res: Response, error: MeshSandboxError): void {
  const body: MeshApiResult = {
    status: error.status,
    message: error.message,
    displayMessage: null,
    errorType: error.code,
    errorData: null,
  };
  res.status(error.httpStatus).json(body);
}

export const unauthorized = () =>
  new MeshSandboxError(
    'MESH_SANDBOX_UNAUTHORIZED',
    401,
    'permissionDenied',
    'Unauthorized: Client Id or Client Secret are not correct or missing (headers X-Client-Id, X-Client-Secret).',
  );

export const invalidRequest = (message: string) =>
  new MeshSandboxError('MESH_SANDBOX_INVALID_REQUEST', 400, 'badRequest', message);

export const notFound = (message: string) => new MeshSandboxError('MESH_SANDBOX_NOT_FOUND', 404, 'notFound', message);

/**
 * Turns body-parser failures (bad JSON, too large) and our own errors into Mesh envelopes, so a
 * client sees the same shape for every failure, never Express's HTML error page.
 */
export const meshErrorHandler: ErrorRequestHandler = (err, _req, res, next) => {
  if (res.headersSent) return next(err);
  if (err instanceof MeshSandboxError) return sendMeshError(res, err);
  const e = err as { type?: string; status?: number };
  if (e.type === 'entity.too.large' || e.status === 413) {
    return sendMeshError(
      res,
      new MeshSandboxError('MESH_SANDBOX_PAYLOAD_TOO_LARGE', 413, 'badRequest', 'Request body is too large.'),
    );
  }
  if (e.type === 'entity.parse.failed' || e.status === 400) {
    return sendMeshError(res, invalidRequest('Request body is not valid JSON.'));
  }
  return sendMeshError(
    res,
    new MeshSandboxError('MESH_SANDBOX_INTERNAL', 500, 'serverFailure', 'Internal sandbox error.'),
  );
};
