/**
 * Fulfilment, after the webhook's 200: claims inbox entries (leased, so a crashed worker's
 * entries come back by themselves), runs {@link decide}, the merchant hooks and the status
 * publish, and retries on the schedule of {@link nextRetry} (exponential, jittered, capped) for
 * `retryForMs`; after that the entry is kept as `dead`, logged at error level and handed to
 * `onDead`, and only an operator's requeue brings it back. The next attempt's time is written to
 * the store, so a restart or another instance carries on with the same schedule.
 *
 * Exactly-once, honestly: the success hook runs under the store lock `credit:<transferId>` (the
 * failed hook under `failed:<transferId>`), and inside it only if `hasMark('credit', transferId)`
 * is unset; the mark is set after the hook returns, then the lock is released. So two instances
 * handling two different EventIds of one transfer at once run the hook once: the second waits for
 * the lock, then sees the mark. While an entry is being processed its inbox lease and its lock are
 * renewed every `leaseMs / 3`, so a hook slower than `leaseMs` is neither handed to another
 * instance nor run twice; a worker that dies stops renewing, and within `leaseMs` another instance
 * takes the entry and the lock over. What remains: a hook that throws, or a process that dies
 * between the hook and the mark, gets the hook again — so hooks receive `idempotencyKey` (the
 * transferId) and should credit with an insert-if-absent on it (the demo uses `store.putOnce`).
 * Likewise a process frozen (not dead) for longer than `leaseMs` loses its lock while its hook
 * still runs; the idempotency key covers that too.
 *
 * On a transactional store (PostgreSQL) the credit and failed hooks run inside the transaction that
 * sets their mark and get it as `tx`: what they write through it commits with the mark or not at
 * all, which closes the crash-between-hook-and-mark gap for the merchant's database writes.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ResolvedConfig } from './config.js';
import { describeError } from './errors.js';
import { CREDITED_VERDICTS, currentStatus, decide, isTerminal, type Confirmation, type Decision } from './fulfilment-decide.js';
import type {
  HookTransaction,
  InboxAttempt,
  InboxEntry,
  KitStore,
  StatusUpdate,
  TransactionalStore,
  TransactionRecord,
  TransferEvent,
} from './store.js';
import { markClosed } from './reconcile.js';
import type { TransferConfirmer } from './transfer-verify.js';
import { reportVerdict } from './verdict-report.js';
import { nextRetry } from './retry-schedule.js';

type Hooks = Pick<ResolvedConfig, 'onTransferSucceeded' | 'onTransferFailed' | 'onTransferUpdate' | 'onDead'> & {
  /** Asks Mesh before a `succeeded` is credited (transfer-verify.ts); throws while it cannot confirm. */
  confirmTransfer?: TransferConfirmer;
  /** Told of every decision the worker carries out (metrics). */
  observeVerdict?: (verdict: Decision['verdict']) => void;
};

export class InboxWorker {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private kicked = false;
  private readonly inFlight = new Set<string>();
  private readonly active = new Set<Promise<void>>();
  /** Events of one transaction are fulfilled one after another in this process (decide reads, then appends). */
  private readonly chains = new Map<string, Promise<void>>();
  /** Who this worker is to the store's locks: one per worker, never reused. */
  private readonly owner = `worker-${randomUUID()}`;
  /** Written into each attempt's history, so an operator sees which process ran it. */
  private readonly instance = `${hostname()}/${process.pid}`;

  constructor(
    private readonly store: KitStore,
    private readonly hooks: Hooks,
    private readonly options: ResolvedConfig['fulfilment'],
    private readonly logger: ResolvedConfig['logger'],
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops claiming and waits for entries being processed to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
    this.loop = undefined;
  }

  /** A new entry is waiting: look now rather than at the next poll. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /**
   * Claims as many entries as there are free slots (`batchSize`) and starts them without waiting:
   * one slow merchant hook never holds up other transactions' events.
   */
  private async run(): Promise<void> {
    while (this.running) {
      this.kicked = false;
      const room = this.options.batchSize - this.active.size;
      let claimed: InboxEntry[] = [];
      if (room > 0) {
        try {
          claimed = await this.store.claimInbox(Date.now(), this.options.leaseMs, room);
        } catch (err) {
          this.logger.error('mesh-pay: claiming inbox entries failed', { error: describeError(err) });
        }
      }
      for (const entry of claimed) {
        // Our own lease lapsed while a hook still runs: the once-guards cover it, but do not run it twice here.
        if (this.inFlight.has(entry.event.eventId)) continue;
        this.inFlight.add(entry.event.eventId);
        const task: Promise<void> = this.serialized(entry).finally(() => {
          this.active.delete(task);
          this.inFlight.delete(entry.event.eventId);
          this.kick();
        });
        this.active.add(task);
      }
      const mayHaveMore = room > 0 && claimed.length === room;
      if (!mayHaveMore && !this.kicked && this.running) {
        await this.sleep(this.options.pollMs);
      }
    }
    await Promise.all(this.active);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        clearTimeout(this.timer);
        this.wake = undefined;
        resolve();
      };
      this.timer = setTimeout(() => this.wake?.(), ms);
    });
  }

  private serialized(entry: InboxEntry): Promise<void> {
    const key = entry.event.transactionId;
    const run = (this.chains.get(key) ?? Promise.resolve())
      .then(() => this.process(entry))
      .catch((err: unknown) => this.logger.error('mesh-pay: fulfilment crashed', { error: describeError(err) }));
    this.chains.set(key, run);
    return run.finally(() => {
      if (this.chains.get(key) === run) this.chains.delete(key);
    });
  }

  private async process(entry: InboxEntry): Promise<void> {
    const { event } = entry;
    const keeper = this.keepAlive(event.eventId);
    const started = Date.now();
    const attempt = (outcome: InboxAttempt['outcome'], error?: string, nextAttemptAt?: number): InboxAttempt => ({
      attempt: entry.attempts,
      at: started,
      durationMs: Date.now() - started,
      outcome,
      instance: this.instance,
      ...(error === undefined ? {} : { error }),
      ...(nextAttemptAt === undefined ? {} : { nextAttemptAt }),
    });
    try {
      await this.fulfil(event, keeper);
      await keeper.stop();
      await this.store.settleInbox(event.eventId, 'done', undefined, attempt('ok'));
    } catch (err) {
      // Renewals stop first: a late one must not push a retry's due time out again.
      await keeper.stop();
      const error = describeError(err);
      if (err instanceof LockBusyError) {
        // Another instance is running this transfer's hook and we are stopping: not a failure of
        // this event, so it never counts towards `dead`; whoever claims it next waits its turn.
        const now = Date.now();
        await this.store.retryInbox(event.eventId, now, error, attempt('failed', error, now)).catch(() => {});
      } else if (err instanceof NotCreditedError) {
        // Mesh's own record contradicts the event (underpaid, another destination, a conflict): never
        // credited, kept for an operator, reported like any other dead event.
        const message = `${err.verdict}: ${err.message}`;
        await this.store.settleInbox(event.eventId, 'dead', message, attempt('failed', message)).catch(() => {});
        await this.store.keepTransaction(event.transactionId).catch(() => {});
        await this.reportDead(entry, message, 'mismatch');
      } else {
        const verdict = nextRetry(this.options, entry.attempts, entry.windowStart, Date.now(), Math.random());
        if (verdict.kind === 'dead') {
          this.logger.error('mesh-pay: giving up on a webhook event after retries; it is kept in the inbox as dead until an operator retries it', {
            eventId: event.eventId,
            transferId: event.transferId,
            attempts: entry.attempts,
            reason: verdict.reason,
            error,
          });
          await this.store.settleInbox(event.eventId, 'dead', error, attempt('failed', error)).catch((e: unknown) =>
            this.logger.error('mesh-pay: could not mark an event dead; it will be tried again', { eventId: event.eventId, error: describeError(e) }),
          );
          // An operator may retry it any time: its transaction must outlive the retention period.
          await this.store.keepTransaction(event.transactionId).catch(() => {});
          await this.reportDead(entry, error, verdict.reason);
        } else {
          this.logger.warn('mesh-pay: fulfilment failed, will retry', {
            eventId: event.eventId,
            attempt: entry.attempts,
            nextAttemptAt: new Date(verdict.at).toISOString(),
            error,
          });
          await this.store.retryInbox(event.eventId, verdict.at, error, attempt('failed', error, verdict.at)).catch((e: unknown) =>
            // The lease lapses by itself and the entry comes back: slower than planned, never lost.
            this.logger.warn('mesh-pay: could not schedule a retry; the lease will bring it back', { eventId: event.eventId, error: describeError(e) }),
          );
        }
      }
    }
  }

  /** Tells the merchant's `onDead`; a throwing hook is logged, never allowed to revive or lose the entry. */
  private async reportDead(entry: InboxEntry, error: string, reason: 'window' | 'attempts' | 'mismatch'): Promise<void> {
    const { onDead } = this.hooks;
    if (!onDead) return;
    try {
      const transaction = await this.store.getTransaction(entry.event.transactionId).catch(() => undefined);
      await onDead({ event: entry.event, transaction, attempts: entry.attempts, error, reason });
    } catch (err) {
      this.logger.error('mesh-pay: the onDead hook failed', { eventId: entry.event.eventId, error: describeError(err) });
    }
  }

  /**
   * Renews the entry's inbox lease, and every lock taken for it, every `leaseMs / 3` until
   * stopped: a live worker keeps what it holds however long a hook takes; a dead one lets go
   * within `leaseMs`.
   */
  private keepAlive(eventId: string): LeaseKeeper {
    const { leaseMs } = this.options;
    const locks = new Set<string>();
    let pending: Promise<void> = Promise.resolve();
    const renew = async (): Promise<void> => {
      const now = Date.now();
      try {
        await this.store.renewInboxLease(eventId, now, leaseMs);
      } catch (err) {
        this.logger.warn('mesh-pay: renewing an inbox lease failed; will try again', { eventId, error: describeError(err) });
      }
      for (const key of [...locks]) {
        if (!locks.has(key)) continue;
        try {
          // Still held after the await, or the hook finished and released it meanwhile (not a loss).
          if (!(await this.store.renewLock(key, this.owner, leaseMs, now)) && locks.has(key)) {
            locks.delete(key);
            // Only a process stalled past leaseMs gets here; the hook's idempotencyKey is the guard left.
            this.logger.error('mesh-pay: lost a hook lock while the hook was still running', { eventId, lock: key });
          }
        } catch (err) {
          this.logger.warn('mesh-pay: renewing a hook lock failed; will try again', { lock: key, error: describeError(err) });
        }
      }
    };
    const timer = setInterval(() => {
      pending = pending.then(renew);
    }, Math.max(1, Math.floor(leaseMs / 3)));
    timer.unref();
    return {
      hold: (key) => void locks.add(key),
      drop: (key) => void locks.delete(key),
      stop: async () => {
        clearInterval(timer);
        await pending;
      },
    };
  }

  /**
   * Runs `body` holding the store lock `key`. While another instance holds it, waits with a short
   * backoff (the holder renews it while alive; a dead holder's lock expires within `leaseMs`).
   * Throws {@link LockBusyError} only if this worker is stopped while waiting.
   */
  private async exclusively(key: string, keeper: LeaseKeeper, body: () => Promise<void>): Promise<void> {
    const { leaseMs } = this.options;
    let backoff = 10;
    while (!(await this.store.acquireLock(key, this.owner, leaseMs, Date.now()))) {
      if (!this.running) throw new LockBusyError(`${key} is held by another worker`);
      await new Promise((resolve) => setTimeout(resolve, backoff + Math.floor(Math.random() * backoff)));
      backoff = Math.min(backoff * 2, Math.max(10, Math.min(1000, Math.floor(leaseMs / 10))));
    }
    keeper.hold(key);
    try {
      await body();
    } finally {
      keeper.drop(key);
      await this.store.releaseLock(key, this.owner).catch((err: unknown) => {
        // It expires by itself within leaseMs; until then the next event of this transfer waits.
        this.logger.warn('mesh-pay: releasing a hook lock failed', { lock: key, error: describeError(err) });
      });
    }
  }

  /**
   * One attempt at an event. Throws to be retried. A `succeeded`/`failed` event is carried out
   * whole under its transfer's lock — status read, hooks, mark, publish — so an instance that
   * waited for the lock reads the status the holder published and neither credits nor publishes
   * it again.
   */
  private async fulfil(event: TransferEvent, keeper: LeaseKeeper): Promise<void> {
    const transaction = await this.store.getTransaction(event.transactionId);
    if (!transaction) {
      // Not ours (or minted against another store): keep it, say so, never credit.
      throw new Error(`unknown transaction ${event.transactionId}`);
    }
    const confirmation = await this.hooks.confirmTransfer?.(event, transaction);
    // Only a `succeeded` event can be credited and only a `failed` one fails (decide()), so the
    // event's own status names the lock: no status read just to choose it. A terminal event that
    // turns out not to credit (a conflict, a mismatch) holds its transfer's lock for nothing but
    // its own carrying out, which is harmless.
    const lock = event.status === 'succeeded' ? `credit:${event.transferId}` : event.status === 'failed' ? `failed:${event.transferId}` : undefined;
    if (lock === undefined) return this.carryOut(event, transaction, await this.decideNow(event, transaction, confirmation));
    await this.exclusively(lock, keeper, async () =>
      this.carryOut(event, transaction, await this.decideNow(event, transaction, confirmation)),
    );
  }

  private async decideNow(event: TransferEvent, transaction: TransactionRecord, confirmation?: Confirmation): Promise<Decision> {
    const history = await this.store.statusesSince(transaction.transactionId, 0);
    const current: StatusUpdate | undefined = currentStatus(history)?.update;
    return decide(event, transaction, current, new Date().toISOString(), confirmation);
  }

  /**
   * Runs `hook` unless `(scope, key)` is already marked, then sets the mark. The mark comes after the
   * hook so a hook that throws runs again on the retry (hence `idempotencyKey`).
   *
   * `transactional` (credit and failed): on a store that can, hook and mark are one database
   * transaction and the hook gets it as `tx`, so what the hook writes through `tx` commits with
   * the mark or not at all — a crash between them no longer runs the hook twice.
   */
  private async once(
    scope: string,
    key: string,
    hook?: (tx?: HookTransaction) => Promise<void> | void,
    transactional = false,
  ): Promise<void> {
    if (transactional && hook && isTransactional(this.store)) {
      // No look first: setting the mark is the look (an already set mark runs nothing), and a
      // fresh credit, the common case, is then one round trip shorter.
      await this.store.markOnceWithin(scope, key, async (tx) => {
        await hook(tx);
      });
      return;
    }
    if (await this.store.hasMark(scope, key)) return;
    await hook?.();
    await this.store.markOnce(scope, key);
  }

  private async carryOut(event: TransferEvent, transaction: TransactionRecord, decision: Decision): Promise<void> {
    this.hooks.observeVerdict?.(decision.verdict);
    await reportVerdict(this.store, this.logger, event, decision);

    const { onTransferSucceeded, onTransferFailed, onTransferUpdate } = this.hooks;
    let hookError: unknown;
    try {
      // A credit is marked even without a success hook: the transfer has been credited either way.
      if (CREDITED_VERDICTS.has(decision.verdict)) {
        await this.once(
          'credit',
          event.transferId,
          onTransferSucceeded &&
            ((tx) => onTransferSucceeded({ event, transaction, idempotencyKey: event.transferId, ...(tx ? { tx } : {}) })),
          true,
        );
      }
      if (decision.verdict === 'fail' && onTransferFailed) {
        await this.once('failed', event.transferId, (tx) => onTransferFailed({ event, transaction, ...(tx ? { tx } : {}) }), true);
      }
      if (onTransferUpdate) {
        await this.once('update', event.eventId, () =>
          onTransferUpdate({ event, transaction, verdict: decision.verdict, ...(decision.reason ? { reason: decision.reason } : {}) }),
        );
      }
    } catch (err) {
      hookError = err;
    }
    // The status is Mesh's truth and is published even when a merchant hook failed (it is retried);
    // on the retry decide() sees it already published and does not repeat it.
    if (decision.publish) {
      await this.store.appendStatus(decision.publish);
      if (isTerminal(decision.publish.status)) await markClosed(this.store, transaction.transactionId).catch(() => {});
    }
    if (hookError !== undefined) throw hookError;
    if (decision.verdict === 'mismatch' || decision.verdict === 'underpaid' || decision.verdict === 'conflict') {
      throw new NotCreditedError(decision.verdict, decision.reason ?? decision.verdict);
    }
  }
}

function isTransactional(store: KitStore): store is TransactionalStore {
  return typeof (store as Partial<TransactionalStore>).markOnceWithin === 'function';
}

/**
 * Settles an event that will never be credited as dead right away, for an operator: retrying will
 * not change where the money went, how much arrived, or which status was shown first.
 */
class NotCreditedError extends Error {
  constructor(
    readonly verdict: string,
    message: string,
  ) {
    super(message);
  }
}

/** This worker stopped while another held the transfer's hook lock: the entry goes back, uncounted. */
class LockBusyError extends Error {}

/** What {@link InboxWorker.keepAlive} hands to one entry's processing. */
interface LeaseKeeper {
  /** Renew this lock along with the lease from now on. */
  hold(key: string): void;
  drop(key: string): void;
  /** Stops renewing and waits for a renewal in flight. */
  stop(): Promise<void>;
}
