/**
 * `POST /webhook`: Mesh's transfer-status webhook. In this order: source IP (optional allow-list),
 * raw body (64 KiB max → 413), signature over the exact bytes (→ 401), lossless parse and schema
 * (→ 400), durable `admitWebhook` (inbox, or the unmatched collection for a transfer this kit did
 * not mint: one store call) — and only then the 200. Fulfilment happens later, from the inbox.
 *
 * Every refusal is logged once with a reason code (never the secret, never the body), because a
 * merchant whose webhooks are refused otherwise sees only Mesh retrying.
 */
import express, { type Request, type RequestHandler, type Response } from 'express';
import { MeshPayError } from './errors.js';
import type { InboxWorker } from './inbox-worker.js';
import type { Logger } from './config.js';
import { isStaleDelivery } from './retention.js';
import type { KitMetrics } from './metrics.js';
import type { KitStore } from './store.js';
import { InvalidEventError, parseMeshWebhook, type EventRefusal } from './webhook-parse.js';
import { checkWebhookSignature, type SignatureRefusal } from './webhook-verify.js';

/** Why the webhook route refused a delivery: the `reason` of its log line. */
export type WebhookRefusal =
  | SignatureRefusal
  | EventRefusal
  | 'source-forbidden'
  | 'body-already-parsed'
  | 'body-too-large'
  | 'body-unreadable';


export const WEBHOOK_BODY_LIMIT = 64 * 1024;
export { UNMATCHED_COLLECTION, type UnmatchedRecord } from './store.js';
export const SIGNATURE_HEADER = 'x-mesh-signature-256';

/**
 * The two answers Mesh gets, serialised once: every webhook ends in one of them, and `res.json`
 * would stringify, look up settings and hash an ETag (which no webhook sender reads) every time.
 */
const ACKNOWLEDGED = {
  fresh: Buffer.from(JSON.stringify({ received: true, duplicate: false })),
  duplicate: Buffer.from(JSON.stringify({ received: true, duplicate: true })),
};

function acknowledge(res: Response, duplicate: boolean): void {
  const body = duplicate ? ACKNOWLEDGED.duplicate : ACKNOWLEDGED.fresh;
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

/** `::ffff:20.22.113.37` and `20.22.113.37` are the same client. */
function normalizeIp(ip: string | undefined): string {
  if (!ip) return '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

export function webhookRoute(deps: {
  store: KitStore;
  worker: InboxWorker;
  /** One secret, or several while rotating: any one verifies. */
  webhookSecret: string | readonly string[];
  allowIps: string[] | false;
  logger: Logger;
  /** De-duplication's memory (the retention period): a delivery sent longer ago is acknowledged and ignored. */
  staleAfterMs?: number;
  metrics?: KitMetrics;
}): RequestHandler {
  const allowed = deps.allowIps ? new Set(deps.allowIps.map(normalizeIp)) : undefined;
  const refused = (reason: WebhookRefusal, status: number): void => {
    deps.logger.warn('mesh-pay: webhook refused', { reason, status });
    deps.metrics?.webhookRefused(reason);
  };
  const readBody = express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT, inflate: false });

  let warnedParsedBody = false;
  /** After the body is read: verify, parse, store durably, answer. `arrived` is for the ack latency. */
  const handle = async (req: Request, res: Response, arrived: number): Promise<void> => {
    const body: unknown = req.body;
    let raw: Buffer;
    if (Buffer.isBuffer(body)) {
      raw = body;
    } else if (body === undefined) {
      // express.raw leaves req.body undefined for a bodiless request: treat it as empty bytes.
      raw = Buffer.alloc(0);
    } else {
      // A body parser of the host app ran first. If it kept the exact bytes (the
      // `express.json({ verify: (req, _res, buf) => { req.rawBody = buf } })` idiom), verify those.
      const kept = (req as { rawBody?: unknown }).rawBody;
      if (!Buffer.isBuffer(kept)) {
        if (!warnedParsedBody) {
          warnedParsedBody = true;
          deps.logger.error(
            'mesh-pay: the webhook body was already parsed by another middleware; mount the kit router before express.json() or exclude its /webhook path',
          );
        }
        refused('body-already-parsed', 401);
        throw new MeshPayError('MESH_PAY_SIGNATURE_INVALID', 401, 'Missing or invalid X-Mesh-Signature-256.');
      }
      raw = kept;
    }
    const signature = checkWebhookSignature(raw, req.headers[SIGNATURE_HEADER], deps.webhookSecret);
    if (!signature.ok) {
      refused(signature.reason, 401);
      throw new MeshPayError('MESH_PAY_SIGNATURE_INVALID', 401, 'Missing or invalid X-Mesh-Signature-256.');
    }
    let event;
    try {
      event = parseMeshWebhook(raw);
    } catch (err) {
      refused(err instanceof InvalidEventError ? err.reason : 'malformed-event', 400);
      throw err;
    }
    const now = Date.now();
    if (deps.staleAfterMs !== undefined && isStaleDelivery(event.sentTimestamp, now, deps.staleAfterMs)) {
      // Its de-duplication record may already be pruned: storing it could fulfil it a second time.
      deps.logger.info('mesh-pay: ignored a webhook sent before the retention period (stale SentTimestamp)', {
        eventId: event.eventId,
        sentTimestamp: event.sentTimestamp,
      });
      res.status(200).json({ received: true, duplicate: false, ignored: 'stale' });
      return;
    }
    // One durable store call: the transaction lookup and the insert are one atomic step. A transfer
    // this kit did not mint is acknowledged (a refusal makes Mesh retry it for ever), kept, never fulfilled.
    const { matched, fresh } = await deps.store.admitWebhook(event, now);
    acknowledge(res, !fresh);
    if (matched) {
      if (fresh) deps.worker.kick();
      deps.metrics?.webhookAccepted(!fresh, (performance.now() - arrived) / 1000);
      return;
    }
    if (fresh) {
      deps.logger.warn('mesh-pay: webhook for a transfer this kit did not mint; acknowledged and recorded as unmatched', {
        eventId: event.eventId,
        transferId: event.transferId,
        transactionId: event.transactionId ?? null,
        status: event.status,
      });
    }
    deps.metrics?.webhookUnmatched();
  };

  // One handler, not a chain of middleware: every webhook would otherwise pay for a router
  // dispatch per step. Failures go to the kit's problem handler, as for every route.
  return (req, res, next) => {
    const arrived = performance.now();
    // req.ip honours the host app's 'trust proxy' setting, so X-Forwarded-For is only believed when told.
    if (allowed && !allowed.has(normalizeIp(req.ip))) {
      deps.logger.warn('mesh-pay: webhook from a source outside the allow-list', { ip: req.ip });
      deps.metrics?.webhookRefused('source-forbidden');
      next(new MeshPayError('MESH_PAY_SOURCE_FORBIDDEN', 403, 'This source may not post webhooks.'));
      return;
    }
    readBody(req, res, (err?: unknown) => {
      if (err !== undefined && err !== null) {
        // Too large, aborted, compressed: named here, answered by the problem handler.
        const type = (err as { type?: unknown }).type;
        refused(type === 'entity.too.large' ? 'body-too-large' : 'body-unreadable', type === 'entity.too.large' ? 413 : 400);
        next(err);
        return;
      }
      handle(req, res, arrived).catch(next);
    });
  };
}
