/**
 * Reconciliation: webhooks can be lost, so a transaction that has no terminal status some time
 * after its token was minted is looked up at Mesh (`GET /api/v1/transfers/managed/mesh`) and what
 * Mesh reports is fed into the same inbox as a webhook would be — same decide(), same once-guards,
 * so a reconciled success is credited at most once even if the webhook turns up later.
 *
 * The store interface has no "list transactions", so the kit keeps two record collections:
 * `mesh-pay:open` (written when a token is minted) and `mesh-pay:closed` (on a terminal status).
 */
import type { InboxWorker } from './inbox-worker.js';
import type { Logger } from './config.js';
import { describeError } from './errors.js';
import type { MeshClient, MeshTransfer } from './mesh-client.js';
import type { KitStore, TransactionRecord, TransferEvent } from './store.js';

const OPEN = 'mesh-pay:open';
const CLOSED = 'mesh-pay:closed';
/** Past this age a transaction is no longer looked up (Mesh link tokens live 10 minutes). */
const GIVE_UP_AFTER_MS = 7 * 24 * 3600_000;

export async function markOpen(store: KitStore, tx: TransactionRecord): Promise<void> {
  await store.putOnce(OPEN, tx.transactionId, { transactionId: tx.transactionId, createdAt: tx.createdAt });
}

export async function markClosed(store: KitStore, transactionId: string): Promise<void> {
  await store.putOnce(CLOSED, transactionId, { transactionId, closedAt: Date.now() });
}

/** A Mesh transfer as an inbox event. The EventId is stable per transfer and status, so sweeps never duplicate. */
export function transferToEvent(t: MeshTransfer, transactionId: string): TransferEvent {
  const event: TransferEvent = {
    eventId: `reconcile:${t.transferId}:${t.status}`,
    id: `reconcile:${t.transferId}:${t.status}`,
    transferId: t.transferId,
    transactionId,
    status: t.status,
  };
  for (const key of ['txHash', 'token', 'chain', 'sourceAmount', 'destinationAmount', 'destinationAddress', 'userId'] as const) {
    const v = t[key];
    if (v !== undefined) event[key] = v;
  }
  return event;
}

export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private readonly lastChecked = new Map<string, number>();

  constructor(
    private readonly deps: {
      store: KitStore;
      mesh: MeshClient;
      worker: InboxWorker;
      reconcileAfterMs: number;
      intervalMs: number;
      logger: Logger;
    },
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }

  /** Looks up every open transaction older than `reconcileAfterMs` (not more often than that each). */
  sweep(now: number = Date.now()): Promise<void> {
    this.sweeping ??= this.doSweep(now).finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private async doSweep(now: number): Promise<void> {
    const { store, reconcileAfterMs, logger } = this.deps;
    try {
      const closed = new Set(
        (await store.listRecords(CLOSED)).map((r) => (r as { transactionId?: string }).transactionId),
      );
      for (const record of await store.listRecords(OPEN)) {
        const { transactionId, createdAt } = record as { transactionId: string; createdAt: number };
        if (closed.has(transactionId)) continue;
        if (now - createdAt < reconcileAfterMs || now - createdAt > GIVE_UP_AFTER_MS) continue;
        const last = this.lastChecked.get(transactionId) ?? 0;
        if (now - last < reconcileAfterMs) continue;
        this.lastChecked.set(transactionId, now);
        await this.reconcile(transactionId);
      }
    } catch (err) {
      logger.warn('mesh-pay: reconciliation sweep failed', { error: describeError(err) });
    }
  }

  /** For a status stream opened on an unfinished transaction: look it up now if it is overdue. */
  reconcileIfDue(transactionId: string, createdAt: number, now: number = Date.now()): void {
    if (now - createdAt < this.deps.reconcileAfterMs || now - createdAt > GIVE_UP_AFTER_MS) return;
    const last = this.lastChecked.get(transactionId) ?? 0;
    if (now - last < this.deps.reconcileAfterMs) return;
    this.lastChecked.set(transactionId, now);
    this.reconcile(transactionId).catch((err: unknown) =>
      this.deps.logger.warn('mesh-pay: reconciliation failed', { transactionId, error: describeError(err) }),
    );
  }

  /** Asks Mesh about one transaction and queues what it reports. Returns how many new events were queued. */
  async reconcile(transactionId: string): Promise<number> {
    const { store, mesh, worker, logger } = this.deps;
    const transfers = await mesh.getTransfersByTransactionId(transactionId);
    let queued = 0;
    for (const t of transfers) {
      if (await store.addToInbox(transferToEvent(t, transactionId), Date.now())) queued++;
    }
    if (queued > 0) {
      logger.info('mesh-pay: reconciliation found transfer updates', { transactionId, queued });
      worker.kick();
    }
    return queued;
  }
}
