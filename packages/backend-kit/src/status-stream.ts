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
 *
 * A stream also ends when its capability expires: just before, it sends `event: expired` with
 * `data: {"transactionId", "status"}` (the latest status, or null) and closes; a reconnect with the
 * same capability is then refused with 403. Concurrent streams are capped per capability (429) and
 * per instance (503), both with `Retry-After`.
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

/** Caps on concurrent status streams, so one capability (or a crowd) cannot exhaust an instance. */
export interface StreamLimits {
  /** Streams open at once on one capability; past it, 429. */
  perCapability: number;
  /** Streams open at once on this instance; past it, 503. */
  perInstance: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { perCapability: 3, perInstance: 1000 };

/** A reserved place for one stream: `release()` gives it back (idempotent). */
export interface StreamSlot {
  /** What ends the stream when the kit closes. */
  onClose(end: () => void): void;
  release(): void;
}

/**
 * Live streams of this process, counted per capability and in total; `close()` ends them all, tests
 * read `size` to prove no leaks. Places are reserved synchronously, before any await, so a burst
 * of connections cannot overshoot a cap.
 */
export class StreamRegistry {
  private readonly ends = new Set<() => void>();
  private readonly perKey = new Map<string, number>();
  private reserved = 0;
  get size(): number {
    return this.reserved;
  }
  reserve(key: string, limits: StreamLimits): StreamSlot {
    if (this.reserved >= limits.perInstance) {
      throw new MeshPayError('MESH_PAY_BUSY', 503, 'Too many open status streams on this server; try again shortly.', { retryAfterSeconds: 30 });
    }
    const open = this.perKey.get(key) ?? 0;
    if (open >= limits.perCapability) {
      throw new MeshPayError('MESH_PAY_TOO_MANY_STREAMS', 429, 'This payment already has the most status streams allowed open.', {
        retryAfterSeconds: 10,
      });
    }
    this.reserved++;
    this.perKey.set(key, open + 1);
    let end: (() => void) | undefined;
    let released = false;
    return {
      onClose: (fn) => {
        end = fn;
        if (!released) this.ends.add(fn);
      },
      release: () => {
        if (released) return;
        released = true;
        if (end) this.ends.delete(end);
        this.reserved--;
        const left = (this.perKey.get(key) ?? 1) - 1;
        if (left > 0) this.perKey.set(key, left);
        else this.perKey.delete(key);
      },
    };
  }
  closeAll(): void {
    for (const end of [...this.ends]) end();
  }
}

/** The `expired` event is sent this long before the capability's `exp`, so it arrives while still valid. */
export const EXPIRY_LEAD_MS = 1000;
/** setTimeout's ceiling (about 24.8 days); longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function at(whenMs: number, fn: () => void): () => void {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const wait = whenMs - Date.now();
    timer = setTimeout(wait > MAX_TIMER_MS ? arm : fn, Math.max(0, Math.min(wait, MAX_TIMER_MS)));
  };
  arm();
  return () => clearTimeout(timer);
}

/** The last message of a stream whose capability runs out: `{transactionId, status}` (status null if none yet). */
export function formatExpiredEvent(transactionId: string, status: string | null): string {
  return `event: expired\ndata: ${JSON.stringify({ transactionId, status })}\n\n`;
}

export function statusStreamRoute(deps: {
  store: KitStore;
  kitSecret: string;
  heartbeatMs: number;
  registry: StreamRegistry;
  limits: StreamLimits;
  logger: Logger;
  /** Called for every stream opened on a transaction with no terminal status (lazy reconciliation). */
  onOpenNonTerminal?: (transactionId: string, createdAt: number) => void;
}): RequestHandler {
  return async (req, res) => {
    const capability = String(req.params.capability ?? '');
    const { transactionId, exp } = verifyCapability(deps.kitSecret, capability);
    const slot = deps.registry.reserve(capability, deps.limits);
    let tx;
    try {
      tx = await deps.store.getTransaction(transactionId);
    } catch (err) {
      slot.release();
      throw err;
    }
    if (!tx) {
      slot.release();
      throw new MeshPayError('MESH_PAY_TRANSACTION_NOT_FOUND', 404, 'Unknown transaction.');
    }
    const afterSeq = parseLastEventId(req);
    openStream(req, res, { ...deps, transactionId, afterSeq, createdAt: tx.createdAt, expiresAtMs: exp * 1000, slot });
  };
}

async function openStream(
  req: Request,
  res: Response,
  o: Parameters<typeof statusStreamRoute>[0] & {
    transactionId: string;
    afterSeq: number;
    createdAt: number;
    expiresAtMs: number;
    slot: StreamSlot;
  },
): Promise<void> {
  let lastSent = o.afterSeq;
  let ended = false;
  let unsubscribe: (() => void) | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let cancelExpiry: (() => void) | undefined;
  /** The newest status this stream sent: the fallback when the store cannot be read at expiry. */
  let latest: string | null = null;
  // Until the stored history has been sent, live statuses wait here (in seq order).
  let backlog: StoredStatus[] | undefined = [];

  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    cancelExpiry?.();
    unsubscribe?.();
    unsubscribe = undefined;
    o.slot.release();
    if (!res.writableEnded) res.end();
  };
  o.slot.onClose(end);

  const send = (status: StoredStatus) => {
    if (ended || status.seq <= lastSent) return;
    lastSent = status.seq;
    latest = status.update.status;
    res.write(formatStatusEvent(status));
    if (isTerminal(status.update.status)) end();
  };

  res.on('close', end);
  // A client that left while the transaction was being read has already fired 'close': give its
  // place back now, or it would count against the caps for ever.
  if (res.destroyed || req.socket.destroyed) {
    end();
    return;
  }
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

    // The capability is the browser's only key: when it runs out, say so and stop, rather than
    // keep serving a reader the kit would now refuse.
    cancelExpiry = at(o.expiresAtMs - EXPIRY_LEAD_MS, () => {
      if (ended) return;
      // The stored log knows the status even when this stream resumed past it (Last-Event-ID).
      o.store.statusesSince(o.transactionId, 0).then(
        (all) => currentStatus(all)?.update.status ?? latest,
        () => latest,
      ).then((status) => {
        if (ended) return;
        res.write(formatExpiredEvent(o.transactionId, status));
        end();
      });
    });

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
