/**
 * Mesh's server API, the part a merchant's backend calls: link tokens, the managed-transfer
 * networks and the list of transfers Mesh made. Same paths, headers and envelopes as
 * `https://integration-api.meshconnect.com`, so the merchant's code only changes its base URL.
 * Requests are checked against Mesh's OpenAPI document (body schema, query parameters).
 * Also the sandbox's own dev routes under `/_sandbox` (not Mesh), behind the same credentials.
 */
import { timingSafeEqual } from 'node:crypto';
import express, { type RequestHandler, type Router } from 'express';
import { invalidRequest, MeshSandboxError, meshErrorHandler, meshOk, unauthorized } from './api-errors.js';
import { apiRateLimit } from './api-rate-limit.js';
import { encodeLinkToken, parseLinkTokenRequest } from './link-token.js';
import { meshQueryValidator } from './mesh-openapi.js';
import { networksContent } from './networks.js';
import { publicBase } from './public-url.js';
import { RawNumber, stringifyRawJson, type RawJsonValue } from './raw-json.js';
import { recordTransfer, refundRefused, transferById } from './recorded-transfers.js';
import type { SandboxContext } from './sandbox-context.js';
import { runRefund } from './transfer-lifecycle.js';
import { filterTransfers, toTransferModel, transferQueryProblems, type TransferQuery } from './transfers.js';

/** Mesh accepts up to this much JSON on the link-token route (the sandbox's own choice). */
export const LINK_TOKEN_BODY_LIMIT = '64kb';

const JSON_TYPES = ['application/json', 'application/*+json', 'text/json'];

function equalSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A Mesh success envelope whose content holds exact decimals. */
function sendRawOk(res: express.Response, status: number, content: RawJsonValue): void {
  const body = stringifyRawJson({ content, status: 'ok', message: '', displayMessage: null, errorType: '', errorData: null });
  res.status(status).type('application/json').send(body);
}

export function apiRoutes(ctx: SandboxContext, rateLimitPerMinute: number): Router {
  const router = express.Router();

  const credentials: RequestHandler = (req, _res, next) => {
    const ok = equalSecret(req.get('X-Client-Id'), ctx.clientId) && equalSecret(req.get('X-Client-Secret'), ctx.clientSecret);
    next(ok ? undefined : unauthorized());
  };
  const limit = apiRateLimit(rateLimitPerMinute);

  router.use(['/api', '/_sandbox'], limit, credentials);

  router.post('/api/v1/linktoken', express.text({ limit: LINK_TOKEN_BODY_LIMIT, type: JSON_TYPES }), (req, res) => {
    if (typeof req.body !== 'string') throw invalidRequest('The request body must be a JSON object (Content-Type: application/json).');
    const parsed = parseLinkTokenRequest(req.body);
    if (!parsed.ok) throw invalidRequest(parsed.message);
    const { link, pay } = ctx.tokens.mint(parsed.request);
    const base = publicBase(ctx.publicUrl, req);
    const linkToken = encodeLinkToken(`${base}/link/${link.id}`);
    // Mesh answers paymentLink only when asked for one (generatePayLink).
    res.json(meshOk(pay ? { linkToken, paymentLink: `${base}/pay/${pay.id}` } : { linkToken }));
  });

  const networksQuery = meshQueryValidator('get', '/api/v1/transfers/managed/networks');
  router.get('/api/v1/transfers/managed/networks', (req, res) => {
    // Mesh defines no parameters here: the check ignores any, like its binder; kept so a future
    // document that adds some is enforced at once.
    const checked = networksQuery(req.query as Record<string, unknown>);
    if (!checked.ok) throw invalidRequest(`Invalid query: ${checked.errors.join('; ')}`);
    res.json(meshOk(networksContent()));
  });

  const transferQuery = meshQueryValidator('get', '/api/v1/transfers/managed/mesh');
  router.get('/api/v1/transfers/managed/mesh', (req, res) => {
    const checked = transferQuery(req.query as Record<string, unknown>);
    if (!checked.ok) throw invalidRequest(`Invalid query: ${checked.errors.join('; ')}`);
    const query = checked.value as TransferQuery;
    const problems = transferQueryProblems(query);
    if (problems.length) throw invalidRequest(`Invalid query: ${problems.join('; ')}`);
    const { items, total } = filterTransfers(ctx.transfers, query);
    // Amounts are written with all their digits, like Mesh's decimals.
    sendRawOk(res, 200, { items: items.map(toTransferModel), total: new RawNumber(String(total)) });
  });

  // --- The sandbox's own dev routes (not part of Mesh) ---
  router.post('/_sandbox/transfers', express.json({ limit: '16kb', type: JSON_TYPES }), (req, res) => {
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      throw invalidRequest('The request body must be a JSON object (Content-Type: application/json).');
    }
    sendRawOk(res, 201, toTransferModel(recordTransfer(ctx, req.body)));
  });

  router.post('/_sandbox/transfers/:id/refund', async (req, res) => {
    const transfer = transferById(ctx, String(req.params.id));
    const refused = refundRefused(transfer);
    if (refused) throw refused;
    void runRefund(transfer, ctx.dispatcher, ctx.lifecycle);
    sendRawOk(res, 202, toTransferModel(transfer));
  });

  router.use(['/api', '/_sandbox'], (_req, _res, next) => {
    next(new MeshSandboxError('MESH_SANDBOX_NOT_FOUND', 404, 'notFound', 'No such endpoint in the Mesh sandbox.'));
  });
  router.use(['/api', '/_sandbox'], meshErrorHandler);
  return router;
}
