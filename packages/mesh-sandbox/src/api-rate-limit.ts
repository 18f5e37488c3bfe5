/**
 * The sandbox API's own rate limit: requests per minute per client address, answered like Mesh
 * answers a flood (HTTP 429, `status: "tooManyRequest"` in the `ApiResult` envelope). A dev server
 * on a laptop is one bad loop away from minting tokens forever; the limit stops it.
 */
import { rateLimit } from 'express-rate-limit';
import type { RequestHandler } from 'express';
import { MeshSandboxError, sendMeshError } from './api-errors.js';

/**
 * Default requests per minute per client address. A merchant's backend is one address however many
 * shoppers it serves (the scale suite mints 2000 tokens through one kit), so the default only stops
 * runaway loops (50 a second), never real traffic.
 */
export const DEFAULT_API_RATE_LIMIT = 3000;

/** `perMinute` 0 turns the limit off. */
export function apiRateLimit(perMinute: number): RequestHandler {
  if (!Number.isInteger(perMinute) || perMinute < 0) {
    throw new RangeError(`MESH_SANDBOX_INVALID_OPTION: rateLimit is a whole number of requests per minute (0 = off), got ${perMinute}`);
  }
  if (perMinute === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) =>
      sendMeshError(
        res,
        new MeshSandboxError('MESH_SANDBOX_RATE_LIMITED', 429, 'tooManyRequest', `Too many requests: the sandbox allows ${perMinute} per minute per client.`),
      ),
  });
}
