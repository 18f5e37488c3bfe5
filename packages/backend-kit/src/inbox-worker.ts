/**
 * Fulfilment, after the webhook's 200: claims inbox entries (leased, so a crashed worker's
 * entries come back by themselves), runs {@link decide}, the merchant hooks and the status
 * publish, and retries with exponential backoff until `maxAttempts`, after which the entry is
 * kept as `dead` and reported through the logger.
 *
 * Exactly-once, honestly: the success hook runs only if `hasMark('credit', transferId)` is unset,
 * and the mark is set after the hook returns. A hook that throws, or a process that dies between
 * the hook and the mark, gets the hook again — so hooks receive `idempotencyKey` (the transferId)
 * and should credit with an insert-if-absent on it (the demo uses `store.putOnce`). Two instances
 * processing two different EventIds of the same transfer at the same instant can also both run
 * it; the idempotency key covers that too.
 */
import type { ResolvedConfig } from './config.js';
import { describeError } from './errors.js';
import { decide } from './fulfilment-decide.js';
import type { InboxEntry, KitStore, StatusUpdate, TransferEvent } from './store.js';
import { markClosed } from './reconcile.js';
import { currentStatus, isTerminal } from './fulfilment-decide.js';

type Hooks = Pick<ResolvedConfig, 'onTransferSucceeded' | 'onTransferFailed' | 'onTransferUpdate'>;

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
    try {
      await this.fulfil(event);
      await this.store.settleInbox(event.eventId, 'done');
    } catch (err) {
      const error = describeError(err);
      if (err instanceof MismatchError) {
        await this.store.settleInbox(event.eventId, 'dead', `mismatch: ${err.message}`).catch(() => {});
      } else if (entry.attempts >= this.options.maxAttempts) {
        this.logger.error('mesh-pay: giving up on a webhook event after retries; it is kept in the inbox as dead', {
          eventId: event.eventId,
          transferId: event.transferId,
          attempts: entry.attempts,
          error,
        });
        await this.store.settleInbox(event.eventId, 'dead', error).catch(() => {});
      } else {
        const delay = this.options.baseDelayMs * 2 ** (entry.attempts - 1);
        const jitter = Math.floor(Math.random() * Math.min(delay, 1000) * 0.2);
        this.logger.warn('mesh-pay: fulfilment failed, will retry', {
          eventId: event.eventId,
          attempt: entry.attempts,
          error,
        });
        await this.store.retryInbox(event.eventId, Date.now() + delay + jitter, error).catch(() => {});
      }
    }
  }

  /** One attempt at an event. Throws to be retried. */
  private async fulfil(event: TransferEvent): Promise<void> {
    const transaction = await this.store.getTransaction(event.transactionId);
    if (!transaction) {
      // Not ours (or minted against another store): keep it, say so, never credit.
      throw new Error(`unknown transaction ${event.transactionId}`);
    }
    const history = await this.store.statusesSince(transaction.transactionId, 0);
    const current: StatusUpdate | undefined = currentStatus(history)?.update;
    const decision = decide(event, transaction, current, new Date().toISOString());

    if (decision.verdict === 'mismatch') {
      this.logger.error('mesh-pay: transfer does not match the order; not credited', {
        eventId: event.eventId,
        transferId: event.transferId,
        transactionId: transaction.transactionId,
        reason: decision.reason,
      });
    }

    let hookError: unknown;
    try {
      if (decision.verdict === 'credit' && this.hooks.onTransferSucceeded) {
        if (!(await this.store.hasMark('credit', event.transferId))) {
          await this.hooks.onTransferSucceeded({ event, transaction, idempotencyKey: event.transferId });
          await this.store.markOnce('credit', event.transferId);
        }
      } else if (decision.verdict === 'credit') {
        await this.store.markOnce('credit', event.transferId);
      }
      if (decision.verdict === 'fail' && this.hooks.onTransferFailed) {
        if (!(await this.store.hasMark('failed', event.transferId))) {
          await this.hooks.onTransferFailed({ event, transaction });
          await this.store.markOnce('failed', event.transferId);
        }
      }
      if (this.hooks.onTransferUpdate && !(await this.store.hasMark('update', event.eventId))) {
        await this.hooks.onTransferUpdate({
          event,
          transaction,
          verdict: decision.verdict,
          ...(decision.reason ? { reason: decision.reason } : {}),
        });
        await this.store.markOnce('update', event.eventId);
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
    if (decision.verdict === 'mismatch') throw new MismatchError(decision.reason ?? 'mismatch');
  }
}

/** Settles a mismatched event as dead right away: retrying will not change where the money went. */
class MismatchError extends Error {}
