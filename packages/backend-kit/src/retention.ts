/**
 * Bounded storage. Every webhook leaves an inbox entry, every payment a transaction record and a
 * status log; without pruning they grow for ever and every store operation slowly pays for it.
 * After the retention period (default 30 days) the kit deletes, in small batches in the
 * background, `done` inbox entries and closed transactions (see `KitStore.pruneSettled` for what is
 * never deleted). EventId de-duplication therefore covers the retention period, and a webhook whose
 * `SentTimestamp` is older than that is acknowledged and ignored ({@link isStaleDelivery}): it could
 * otherwise slip past a de-duplication record that has already been pruned.
 */
import type { Logger } from './config.js';
import { describeError } from './errors.js';
import type { KitStore } from './store.js';

/**
 * `SentTimestamp` is Unix seconds per Mesh. A value of 10^12 or more can only be milliseconds
 * (10^12 s is 33,000 years away), so it is read as such rather than as the far future.
 * Missing or unreadable → not stale (nothing to judge by; de-duplication still applies).
 */
export function sentAtMs(sentTimestamp: string | undefined): number | undefined {
  if (sentTimestamp === undefined || !/^\d{1,16}(\.\d+)?$/.test(sentTimestamp)) return undefined;
  const value = Number(sentTimestamp);
  return value >= 1e12 ? value : value * 1000;
}

/**
 * Whether a delivery was sent longer ago than de-duplication remembers. A whole-second timestamp
 * is up to a second earlier than the moment it names, so that second is given back.
 */
export function isStaleDelivery(sentTimestamp: string | undefined, now: number, retentionMs: number): boolean {
  const sent = sentAtMs(sentTimestamp);
  if (sent === undefined) return false;
  const resolution = Number(sentTimestamp) >= 1e12 ? 0 : 1000;
  return now - sent > retentionMs + resolution;
}

export interface RetentionOptions {
  /** How long settled entries and closed transactions are kept; default 30 days. */
  afterMs: number;
  /** How often pruning runs; default 60 000 ms. */
  intervalMs: number;
  /** Deleted per store call (each kind); default 500. Small, so a batch never stalls webhooks. */
  batchSize: number;
}

export class Pruner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly store: KitStore,
    private readonly options: RetentionOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.timer) return;
    this.stopping = false;
    this.timer = setInterval(() => void this.pruneNow(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pruning pass: batches until nothing old is left (or the kit stops). */
  pruneNow(now: number = Date.now()): Promise<void> {
    this.running ??= this.pass(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(now: number): Promise<void> {
    const before = now - this.options.afterMs;
    let inbox = 0;
    let transactions = 0;
    try {
      for (;;) {
        const removed = await this.store.pruneSettled(before, this.options.batchSize);
        inbox += removed.inbox;
        transactions += removed.transactions;
        if (removed.inbox < this.options.batchSize && removed.transactions < this.options.batchSize) break;
        // Stopping: the rest waits for the next start.
        if (this.stopping) break;
        // Let webhooks and claims in between two batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      this.logger.warn('mesh-pay: pruning settled records failed; will try again', { error: describeError(err) });
    }
    if (inbox + transactions > 0) this.logger.info('mesh-pay: pruned settled records past retention', { inbox, transactions });
  }
}
