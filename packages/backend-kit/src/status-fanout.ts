import type { StoredStatus, StoreStats } from './store.js';

/**
 * What a store tells the fan-out about its status log. The log is the source of truth; whatever
 * carries news of an append (an in-process call, a poll, Redis pub/sub, PostgreSQL NOTIFY) only
 * says "look", so a lost or late notice costs latency, never a status.
 */
export interface StatusSource {
  /** Statuses with `seq > afterSeq`, oldest first. */
  readSince(transactionId: string, afterSeq: number): Promise<StoredStatus[]>;
  /** Highest seq stored for the transaction, 0 when none: where a new listener starts. */
  latestSeq(transactionId: string): Promise<number>;
  /**
   * This instance starts watching a transaction (its first listener). Runs before the listener's
   * starting point is read, so a notice sent after that read cannot slip past a channel not yet
   * listened to.
   */
  watch?(transactionId: string): Promise<void> | void;
  /** The transaction's last listener left. */
  unwatch?(transactionId: string): void;
}

export type StatusListener = (status: StoredStatus) => void;

/** The subscriber side every store shares: one watch per transaction, one cursor per listener. */
export interface StatusFanout {
  subscribe(transactionId: string, listener: StatusListener): Promise<() => void>;
  /**
   * A status this instance knows was appended, with its content (a local append, a message that
   * carried it). Delivered as is when every listener is up to date; a listener further behind
   * first gets the gap from the log, so order holds.
   */
  publish(status: StoredStatus): Promise<void>;
  /**
   * Something may have been appended: reads the log past every listener's cursor and delivers.
   * `before` runs first in the same queue (e.g. re-subscribing a channel after a reconnect).
   */
  refresh(transactionId: string, before?: () => Promise<void>): Promise<void>;
  /** Transactions this instance watches now. */
  watching(): string[];
  stats(): StoreStats;
  /** Drops every listener; nothing is delivered afterwards. */
  close(): void;
}

interface Subscriber {
  listener: StatusListener;
  /** Highest seq this listener has heard; `-1` until its starting point is known. */
  lastSeq: number;
}

interface Watch {
  transactionId: string;
  subscribers: Set<Subscriber>;
  /** Everything touching one watch runs through this chain, so delivery is strictly in seq order. */
  queue: Promise<void>;
  /** Tasks queued or running; with none, a new task starts at once. */
  busy: number;
}

/**
 * One status fan-out for every store. Each listener keeps the last seq it heard, so it hears every
 * status appended after it subscribed exactly once and in order, whether news arrives twice, out of
 * order, or not at all until the next refresh. A listener that throws (a dead SSE socket) neither
 * stops the others nor fails anything upstream.
 */
export function statusFanout(source: StatusSource): StatusFanout {
  const watches = new Map<string, Watch>();
  let closed = false;

  // An idle watch runs a task at once rather than a tick later: a subscribe fixes its starting point
  // before the caller's next statement (an append right after `subscribe()` is heard), and a local
  // append reaches local listeners before `appendStatus` returns.
  const enqueue = (watch: Watch, task: () => Promise<void>): Promise<void> => {
    const idle = watch.busy === 0;
    watch.busy += 1;
    const previous = watch.queue;
    let release!: () => void;
    watch.queue = new Promise<void>((resolve) => (release = resolve));
    const run = idle ? task() : previous.then(task);
    const finish = (): void => {
      watch.busy -= 1;
      release();
    };
    run.then(finish, finish);
    return run;
  };

  const current = (watch: Watch): boolean => !closed && watches.get(watch.transactionId) === watch;

  const deliver = (watch: Watch, status: StoredStatus): void => {
    for (const s of [...watch.subscribers]) {
      // Skips one that left mid-delivery (a listener may unsubscribe another, or itself).
      if (!watch.subscribers.has(s) || s.lastSeq < 0 || status.seq <= s.lastSeq) continue;
      s.lastSeq = status.seq;
      try {
        s.listener(structuredClone(status));
      } catch {
        // A broken listener must not starve the others.
      }
    }
  };

  const catchUp = async (watch: Watch): Promise<void> => {
    let from = Infinity;
    for (const s of watch.subscribers) if (s.lastSeq >= 0) from = Math.min(from, s.lastSeq);
    if (from === Infinity) return;
    const fresh = await source.readSince(watch.transactionId, from);
    if (!current(watch)) return;
    for (const status of fresh) deliver(watch, status);
  };

  return {
    async subscribe(transactionId, listener) {
      if (closed) throw new Error('status fan-out is closed');
      let watch = watches.get(transactionId);
      const fresh = !watch;
      if (!watch) {
        watch = { transactionId, subscribers: new Set(), queue: Promise.resolve(), busy: 0 };
        watches.set(transactionId, watch);
      }
      const mine = watch;
      // Wrapped in its own entry, so the same function subscribed twice is two subscriptions.
      const entry: Subscriber = { listener, lastSeq: -1 };
      mine.subscribers.add(entry);
      const unsubscribe = (): void => {
        if (!mine.subscribers.delete(entry)) return;
        if (mine.subscribers.size > 0 || watches.get(transactionId) !== mine) return;
        watches.delete(transactionId);
        if (!closed) source.unwatch?.(transactionId);
      };
      try {
        // Queued ahead of any news for this transaction: the starting point is fixed before the
        // first notice is looked at, so nothing after it is missed and nothing before it is sent.
        await enqueue(mine, async () => {
          // Awaited only when it is asynchronous, so a synchronous source reads the start point now.
          const watching = fresh ? source.watch?.(transactionId) : undefined;
          if (watching) await watching;
          entry.lastSeq = await source.latestSeq(transactionId);
        });
      } catch (error) {
        unsubscribe();
        throw error;
      }
      return unsubscribe;
    },

    publish(status) {
      const watch = watches.get(status.update.transactionId);
      if (!watch) return Promise.resolve();
      return enqueue(watch, async () => {
        if (!current(watch)) return;
        const behind = [...watch.subscribers].some((s) => s.lastSeq >= 0 && s.lastSeq < status.seq - 1);
        if (behind) await catchUp(watch);
        else deliver(watch, status);
      });
    },

    refresh(transactionId, before) {
      const watch = watches.get(transactionId);
      if (!watch) return Promise.resolve();
      return enqueue(watch, async () => {
        if (!current(watch)) return;
        await before?.();
        await catchUp(watch);
      });
    },

    watching: () => [...watches.keys()],

    stats() {
      let listeners = 0;
      for (const watch of watches.values()) listeners += watch.subscribers.size;
      return { listeners, subscribedTransactions: watches.size };
    },

    close() {
      closed = true;
      watches.clear();
    },
  };
}
