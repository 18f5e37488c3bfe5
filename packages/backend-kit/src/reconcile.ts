/**
 * Reconciliation: webhooks can be lost, so a transaction that has no terminal status some time
 * after its token was minted is looked up at Mesh (`GET /api/v1/transfers/managed/mesh`) and what
 * Mesh reports is fed into the same inbox as a webhook would be — same decide(), same once-guards,
 * so a reconciled success is credited at most once even if the webhook turns up later.
 *
 * What is open lives in the store's reconciliation index (transactions by next due time): a token
 * schedules its transaction `reconcileAfterMs` ahead, a terminal status removes it, and a sweep
 * claims only the overdue head of the index, a page at a time, pushing each claimed one a further
 * `reconcileAfterMs` ahead. So a sweep costs what is open and overdue, not every transaction ever
 * minted, and instances sharing a store split the work instead of repeating it. Nothing is kept in
 * this process's memory.
 */
import type { InboxWorker } from './inbox-worker.js';
import type { Logger } from './config.js';
import { describeError } from './errors.js';
import type { MeshClient, MeshTransfer } from './mesh-client.js';
import type { KitStore, TransactionRecord, TransferEvent } from './store.js';

/** Past this age a transaction is no longer looked up (Mesh link tokens live 10 minutes). */
export const GIVE_UP_AFTER_MS = 7 * 24 * 3600_000;
/** Transactions claimed per page of a sweep. */
const PAGE = 100;

/** Schedules a freshly minted transaction's first lookup. */
export async function markOpen(store: KitStore, tx: TransactionRecord, reconcileAfterMs: number): Promise<void> {
  await store.scheduleReconcile(tx.transactionId, tx.createdAt + reconcileAfterMs);
}

/** A terminal status arrived: nothing left to look up; pruned after the retention period. */
export async function markClosed(store: KitStore, transactionId: string, now: number = Date.now()): Promise<void> {
  await store.closeTransaction(transactionId, now);
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

  constructor(
    private readonly deps: {
      store: KitStore;
      mesh: MeshClient;
      worker: InboxWorker;
      reconcileAfterMs: number;
      intervalMs: number;
      logger: Logger;
      /** Told of every look-up at Mesh (metrics). */
      onLookup?: (outcome: 'ok' | 'error') => void;
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

  /** Looks up every overdue open transaction, a page at a time (each at most once per `reconcileAfterMs`). */
  sweep(now: number = Date.now()): Promise<void> {
    this.sweeping ??= this.doSweep(now).finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private async doSweep(now: number): Promise<void> {
    const { store, reconcileAfterMs, logger } = this.deps;
    try {
      for (;;) {
        const due = await store.claimReconcile(now, now + Math.max(1, reconcileAfterMs), PAGE);
        for (const transactionId of due) {
          await this.lookUp(transactionId, now).catch((err: unknown) =>
            logger.warn('mesh-pay: reconciliation failed', { transactionId, error: describeError(err) }),
          );
        }
        // Claimed ones moved past `now`, so the next page is the next overdue ones, never the same.
        if (due.length < PAGE) break;
      }
    } catch (err) {
      logger.warn('mesh-pay: reconciliation sweep failed', { error: describeError(err) });
    }
  }

  /** A claimed transaction: too old to bother Mesh about → dropped from the index; else looked up. */
  private async lookUp(transactionId: string, now: number): Promise<void> {
    const tx = await this.deps.store.getTransaction(transactionId);
    if (!tx) {
      await this.deps.store.unscheduleReconcile(transactionId);
      return;
    }
    if (now - tx.createdAt > GIVE_UP_AFTER_MS) {
      // Never finished and no longer worth asking Mesh about: closed, so retention prunes it.
      await markClosed(this.deps.store, transactionId, now);
      return;
    }
    await this.reconcile(transactionId);
  }

  /** For a status stream opened on an unfinished transaction: look it up now if it is overdue. */
  reconcileIfDue(transactionId: string, createdAt: number, now: number = Date.now()): void {
    if (now - createdAt < this.deps.reconcileAfterMs || now - createdAt > GIVE_UP_AFTER_MS) return;
    this.deps.store
      .claimReconcileOne(transactionId, now, now + Math.max(1, this.deps.reconcileAfterMs))
      .then((due) => (due ? this.reconcile(transactionId) : 0))
      .catch((err: unknown) => this.deps.logger.warn('mesh-pay: reconciliation failed', { transactionId, error: describeError(err) }));
  }

  /** Asks Mesh about one transaction and queues what it reports. Returns how many new events were queued. */
  async reconcile(transactionId: string): Promise<number> {
    const { store, mesh, worker, logger, onLookup } = this.deps;
    let transfers: Awaited<ReturnType<MeshClient['getTransfersByTransactionId']>>;
    try {
      transfers = await mesh.getTransfersByTransactionId(transactionId);
      onLookup?.('ok');
    } catch (err) {
      onLookup?.('error');
      throw err;
    }
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
