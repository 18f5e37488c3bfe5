/**
 * `GET /status/:capability`: one transaction's status as Server-Sent Events.
 *
 * On connect: `retry: 3000`, then, without `Last-Event-ID`, the latest stored status (only that:
 * it is the current state); with `Last-Event-ID: n` (or `?lastEventId=n` for clients that cannot
 * set headers), every status with seq > n. When nothing has been published yet a `: waiting`
 * comment is sent, so the client knows the stream is live. Each status is `event: status`,
 * `id: <seq>`, `data: <StatusUpdate JSON>`; seqs only ever increase on one stream, so a status
 * that arrives both from the store read and the live subscription is sent once. Heartbeat comments
 * keep proxies from closing idle streams; the stream ends after `succeeded` or `failed`.
 */
import type { Request, RequestHandler, Response } from 'express';
import { verifyCapability } from './capability.js';
import { MeshPayError, describeError } from './errors.js';
import { currentStatus, isTerminal } from './fulfilment-decide.js';
import type { Logger } from './config.js';
import type { KitStore, StoredStatus } from './store.js';

/** Formats one SSE message. `data` is single-line JSON, so one `data:` line suffices. */
export function formatStatusEvent(status: StoredStatus): string {
  return `event: status\nid: ${status.seq}\ndata: ${JSON.stringify(status.update)}\n\n`;
}

function parseLastEventId(req: Request): number {
  const raw = req.get('last-event-id') ?? (typeof req.query.lastEventId === 'string' ? req.query.lastEventId : undefined);
  if (raw === undefined || !/^\d{1,15}$/.test(raw.trim())) return 0;
  return Number(raw.trim());
}

/** Live streams of this process; `close()` ends them all, tests read `size` to prove no leaks. */
export class StreamRegistry {
  private readonly ends = new Set<() => void>();
  get size(): number {
    return this.ends.size;
  }
  add(end: () => void): () => void {
    this.ends.add(end);
    return () => this.ends.delete(end);
  }
  closeAll(): void {
    for (const end of [...this.ends]) end();
  }
}

export function statusStreamRoute(deps: {
  store: KitStore;
  kitSecret: string;
  heartbeatMs: number;
  registry: StreamRegistry;
  logger: Logger;
  /** Called for every stream opened on a transaction with no terminal status (lazy reconciliation). */
  onOpenNonTerminal?: (transactionId: string, createdAt: number) => void;
}): RequestHandler {
  return async (req, res) => {
    const { transactionId } = verifyCapability(deps.kitSecret, String(req.params.capability ?? ''));
    const tx = await deps.store.getTransaction(transactionId);
    if (!tx) throw new MeshPayError('MESH_PAY_TRANSACTION_NOT_FOUND', 404, 'Unknown transaction.');
    const afterSeq = parseLastEventId(req);
    openStream(req, res, { ...deps, transactionId, afterSeq, createdAt: tx.createdAt });
  };
}

async function openStream(
  req: Request,
  res: Response,
  o: Parameters<typeof statusStreamRoute>[0] & { transactionId: string; afterSeq: number; createdAt: number },
): Promise<void> {
  let lastSent = o.afterSeq;
  let ended = false;
  let unsubscribe: (() => void) | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  // Until the stored history has been sent, live statuses wait here (in seq order).
  let backlog: StoredStatus[] | undefined = [];

  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    unsubscribe?.();
    unsubscribe = undefined;
    unregister();
    if (!res.writableEnded) res.end();
  };
  const unregister = o.registry.add(end);

  const send = (status: StoredStatus) => {
    if (ended || status.seq <= lastSent) return;
    lastSent = status.seq;
    res.write(formatStatusEvent(status));
    if (isTerminal(status.update.status)) end();
  };

  res.on('close', end);
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    // no-transform: the `compression` middleware and proxies leave the stream uncompressed.
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
    Connection: 'keep-alive',
  });
  res.flushHeaders();
  res.write('retry: 3000\n\n');

  try {
    // Subscribe before reading history so nothing published in between is missed.
    const unsub = await o.store.subscribe(o.transactionId, (status) => {
      if (backlog) backlog.push(status);
      else send(status);
    });
    if (ended) {
      unsub();
      return;
    }
    unsubscribe = unsub;
    heartbeat = setInterval(() => {
      if (!ended) res.write(': heartbeat\n\n');
    }, o.heartbeatMs);

    const history = await o.store.statusesSince(o.transactionId, o.afterSeq);
    if (ended) return;
    // Without Last-Event-ID only the current status matters (a terminal one wins over anything later).
    const current = currentStatus(history);
    const toSend = o.afterSeq > 0 ? history : current ? [current] : [];
    if (o.afterSeq === 0 && current) lastSent = current.seq - 1;
    if (toSend.length === 0 && o.afterSeq === 0) res.write(': waiting\n\n');
    for (const status of toSend) send(status);
    const pending = backlog.sort((a, b) => a.seq - b.seq);
    backlog = undefined;
    for (const status of pending) send(status);

    if (!ended && !(current && isTerminal(current.update.status))) o.onOpenNonTerminal?.(o.transactionId, o.createdAt);
  } catch (err) {
    o.logger.error('mesh-pay: status stream failed', { transactionId: o.transactionId, error: describeError(err) });
    end();
  }
}
