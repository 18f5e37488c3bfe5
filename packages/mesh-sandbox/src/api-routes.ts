/**
 * Mesh's server API, the part a merchant's backend calls: link tokens, the managed-transfer
 * networks and the list of transfers Mesh made. Same paths, headers and envelopes as
 * `https://integration-api.meshconnect.com`, so the merchant's code only changes its base URL.
 */
import { timingSafeEqual } from 'node:crypto';
import express, { type RequestHandler, type Router } from 'express';
import { invalidRequest, MeshSandboxError, meshErrorHandler, meshOk, unauthorized } from './api-errors.js';
import { describeIssues, encodeLinkToken, linkTokenRequestSchema } from './link-token.js';
import { networksContent } from './networks.js';
import { RawNumber, stringifyRawJson } from './raw-json.js';
import type { SandboxContext } from './sandbox-context.js';
import { filterTransfers, parseTransferQuery, toTransferModel } from './transfers.js';

/** Mesh accepts up to this much JSON on the link-token route (the sandbox's own choice). */
export const LINK_TOKEN_BODY_LIMIT = '64kb';

function equalSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function apiRoutes(ctx: SandboxContext): Router {
  const router = express.Router();

  const credentials: RequestHandler = (req, _res, next) => {
    const ok = equalSecret(req.get('X-Client-Id'), ctx.clientId) && equalSecret(req.get('X-Client-Secret'), ctx.clientSecret);
    next(ok ? undefined : unauthorized());
  };

  router.use('/api', credentials);

  router.post(
    '/api/v1/linktoken',
    express.json({ limit: LINK_TOKEN_BODY_LIMIT, type: ['application/json', 'application/*+json'] }),
    (req, res) => {
      if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
        throw invalidRequest('The request body must be a JSON object (Content-Type: application/json).');
      }
      const parsed = linkTokenRequestSchema.safeParse(req.body);
      if (!parsed.success) throw invalidRequest(`Invalid link token request: ${describeIssues(parsed.error)}`);
      const record = ctx.tokens.mint(parsed.data);
      const base = ctx.publicUrl ?? `${req.protocol}://${req.get('host')}${req.baseUrl}`;
      const linkToken = encodeLinkToken(`${base.replace(/\/+$/, '')}/link/${record.id}`);
      res.json(meshOk({ linkToken }));
    },
  );

  router.get('/api/v1/transfers/managed/networks', (_req, res) => {
    res.json(meshOk(networksContent()));
  });

  router.get('/api/v1/transfers/managed/mesh', (req, res) => {
    const parsed = parseTransferQuery(req.query as Record<string, unknown>);
    if (!parsed.success) throw invalidRequest(`Invalid query: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const { items, total } = filterTransfers(ctx.transfers, parsed.data);
    // Amounts are written with all their digits, like Mesh's decimals.
    const body = stringifyRawJson({
      content: { items: items.map(toTransferModel), total: new RawNumber(String(total)) },
      status: 'ok',
      message: '',
      displayMessage: null,
      errorType: '',
      errorData: null,
    });
    res.type('application/json').send(body);
  });

  router.use('/api', (_req, _res, next) => {
    next(new MeshSandboxError('MESH_SANDBOX_NOT_FOUND', 404, 'notFound', 'No such endpoint in the Mesh sandbox.'));
  });
  router.use('/api', meshErrorHandler);
  return router;
}
