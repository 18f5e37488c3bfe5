/**
 * `POST /webhook`: Mesh's transfer-status webhook. In this order: source IP (optional allow-list),
 * raw body (64 KiB max → 413), signature over the exact bytes (→ 401), lossless parse and schema
 * (→ 400), durable `addToInbox` — and only then the 200. Fulfilment happens later, from the inbox.
 */
import express, { type RequestHandler } from 'express';
import { MeshPayError } from './errors.js';
import type { InboxWorker } from './inbox-worker.js';
import type { Logger } from './config.js';
import type { KitStore, TransferEvent } from './store.js';
import { isMatchable, parseMeshWebhook, type UnmatchedTransferEvent } from './webhook-parse.js';
import { verifyWebhookSignature } from './webhook-verify.js';

export const WEBHOOK_BODY_LIMIT = 64 * 1024;
/** Record collection of acknowledged webhooks whose TransactionId is null or not one of ours (key: EventId). */
export const UNMATCHED_COLLECTION = 'mesh-pay:unmatched';

export interface UnmatchedRecord {
  event: UnmatchedTransferEvent | TransferEvent;
  /** Epoch ms. */
  receivedAt: number;
}

/** Keeps an unmatched event once per EventId; `true` the first time. */
export function recordUnmatched(store: KitStore, event: UnmatchedTransferEvent | TransferEvent, now: number): Promise<boolean> {
  const record: UnmatchedRecord = { event, receivedAt: now };
  return store.putOnce(UNMATCHED_COLLECTION, event.eventId, record);
}
export const SIGNATURE_HEADER = 'x-mesh-signature-256';

/** `::ffff:20.22.113.37` and `20.22.113.37` are the same client. */
function normalizeIp(ip: string | undefined): string {
  if (!ip) return '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

export function webhookRoute(deps: {
  store: KitStore;
  worker: InboxWorker;
  webhookSecret: string;
  allowIps: string[] | false;
  logger: Logger;
}): RequestHandler[] {
  const allowed = deps.allowIps ? new Set(deps.allowIps.map(normalizeIp)) : undefined;

  const checkSource: RequestHandler = (req, _res, next) => {
    // req.ip honours the host app's 'trust proxy' setting, so X-Forwarded-For is only believed when told.
    if (allowed && !allowed.has(normalizeIp(req.ip))) {
      deps.logger.warn('mesh-pay: webhook from a source outside the allow-list', { ip: req.ip });
      next(new MeshPayError('MESH_PAY_SOURCE_FORBIDDEN', 403, 'This source may not post webhooks.'));
      return;
    }
    next();
  };

  let warnedParsedBody = false;
  const handler: RequestHandler = async (req, res) => {
    const body: unknown = req.body;
    if (body !== undefined && !Buffer.isBuffer(body) && !warnedParsedBody) {
      // A body parser of the host app ran first: the exact bytes are gone and no signature can match.
      warnedParsedBody = true;
      deps.logger.error(
        'mesh-pay: the webhook body was already parsed by another middleware; mount the kit router before express.json() or exclude its /webhook path',
      );
    }
    // express.raw leaves req.body undefined for a bodiless request: treat it as empty bytes.
    const raw = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
    if (!verifyWebhookSignature(raw, req.get(SIGNATURE_HEADER), deps.webhookSecret)) {
      throw new MeshPayError('MESH_PAY_SIGNATURE_INVALID', 401, 'Missing or invalid X-Mesh-Signature-256.');
    }
    const event = parseMeshWebhook(raw);
    // A transfer this kit did not mint: acknowledged (a refusal makes Mesh retry it for ever), kept, never fulfilled.
    const transaction = isMatchable(event) ? await deps.store.getTransaction(event.transactionId) : undefined;
    if (!isMatchable(event) || !transaction) {
      const fresh = await recordUnmatched(deps.store, event, Date.now());
      if (fresh) {
        deps.logger.warn('mesh-pay: webhook for a transfer this kit did not mint; acknowledged and recorded as unmatched', {
          eventId: event.eventId,
          transferId: event.transferId,
          transactionId: event.transactionId ?? null,
          status: event.status,
        });
      }
      res.status(200).json({ received: true, duplicate: !fresh });
      return;
    }
    const fresh = await deps.store.addToInbox(event, Date.now());
    if (fresh) deps.worker.kick();
    res.status(200).json({ received: true, duplicate: !fresh });
  };

  return [
    checkSource,
    express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT, inflate: false }),
    handler,
  ];
}
