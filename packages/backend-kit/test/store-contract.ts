/**
 * The one contract every KitStore keeps, written once and run against memory, SQLite and Redis
 * (test/stores.test.ts). Each test is a situation the kit meets in production: Mesh resending a
 * webhook fifty times at once, two instances racing for the same inbox entry, a worker dying
 * mid-lease, an SSE client on instance B waiting for a webhook that landed on instance A.
 *
 * Time inside the inbox is the caller's `now`, so leases are proven without sleeping. The only
 * waits are for deliveries that cross instances, bounded by `eventually`.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { StoreStats } from '../src/store.js';
import { INBOX_ERROR_MAX, INBOX_HISTORY_LIMIT, UNMATCHED_COLLECTION, type InboxAttempt } from '../src/store.js';
import type {
  InboxEntry,
  InboxEntryWithHistory,
  KitStore,
  StatusUpdate,
  StoredStatus,
  TransactionRecord,
  TransferEvent,
  UnmatchedRecord,
  UnmatchedTransferEvent,
} from '../src/store.js';

export type TestStore = KitStore & { stats(): Promise<StoreStats> };

export interface StoreFixture {
  store: TestStore;
  /** A second, independent view onto the same data: another connection / another instance. */
  other?: () => Promise<TestStore>;
  /**
   * Simulates a restart: the data's home is closed and opened again (SQLite: the file is closed and
   * reopened; Redis: the server restarts). Returns a fresh store on the same data.
   */
  reopen?: () => Promise<TestStore>;
  cleanup(): Promise<void>;
}

const BIG = '123456789012345678.123456789012345678';

let counter = 0;
/** Ids unique per test, with the characters real ids have (UUID dashes) and some they should survive. */
const uid = (label: string): string => `${label}-${process.pid}-${++counter}-${Date.now().toString(36)}`;

function transaction(overrides: Partial<TransactionRecord> = {}): TransactionRecord {
  return {
    transactionId: uid('tx'),
    orderId: uid('order'),
    userId: 'user-1',
    amountInFiat: BIG,
    destinations: [
      { networkId: 'e3c7fdd8-b1fc-4e51-85ae-bb276e075611', chain: 'Ethereum', token: 'USDC', address: '0x0000000000000000000000000000000000000001' },
    ],
    createdAt: 1_764_000_000_000,
    ...overrides,
  };
}

function event(overrides: Partial<TransferEvent> = {}): TransferEvent {
  return {
    eventId: uid('evt'),
    id: uid('delivery'),
    transferId: uid('transfer'),
    transactionId: uid('tx'),
    status: 'succeeded',
    sourceAmount: BIG,
    destinationAmount: '0.000000000000000001',
    token: 'USDC',
    chain: 'Ethereum',
    ...overrides,
  };
}

function update(transactionId: string, status: string, overrides: Partial<StatusUpdate> = {}): StatusUpdate {
  return {
    transactionId,
    transferId: 'transfer-1',
    status,
    sourceAmount: BIG,
    at: '2026-11-24T04:00:00.000Z',
    ...overrides,
  };
}

/** Resolves once `check` passes; fails with the last assertion error after `timeoutMs`. */
async function eventually(check: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** A listener that records what it hears and can be awaited for the n-th message. */
function recorder() {
  const seen: StoredStatus[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    seen,
    listener: (status: StoredStatus) => {
      seen.push(status);
      for (const w of [...waiters]) if (seen.length >= w.n) w.resolve();
    },
    /** Waits until `n` messages have arrived (bounded: a missing delivery fails, never hangs). */
    async count(n: number, timeoutMs = 5000): Promise<void> {
      if (seen.length >= n) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`expected ${n} status messages, got ${seen.length} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
  };
}

/**
 * The fixture of a store whose data lives outside the process. `open()` makes one more instance over
 * the same data (`other`); `restart(first)` does to the data's home what a restart does (close the
 * file, restart the server) before `reopen` opens it again. Every instance opened is closed after.
 */
export function durableFixture(open: () => TestStore, restart: (first: TestStore) => Promise<void>): StoreFixture {
  const opened: TestStore[] = [];
  const openOne = (): TestStore => {
    const s = open();
    opened.push(s);
    return s;
  };
  const store = openOne();
  return {
    store,
    other: async () => openOne(),
    reopen: async () => {
      await restart(store);
      return openOne();
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
    },
  };
}

/** An inbox entry as `addToInbox`/`admitWebhook` leave it for event `e` received at `at`: pending, never tried. */
function freshEntry(e: TransferEvent, at: number): InboxEntryWithHistory {
  return { event: e, state: 'pending', attempts: 0, nextAttemptAt: at, receivedAt: at, windowStart: at, history: [] };
}

export interface ContractOptions {
  /** The store keeps data outside the process; the fixture provides `reopen`. */
  durable?: boolean;
}

export function storeContract(
  name: string,
  makeStore: () => Promise<StoreFixture>,
  options: ContractOptions = {},
): void {
  describe(`${name} store keeps the KitStore contract`, () => {
    let fixture: StoreFixture;
    let store: TestStore;
    const extra: TestStore[] = [];

    /** The second instance if the store has one, else the same store (the rule must hold either way). */
    const second = async (): Promise<TestStore> => {
      if (!fixture.other) return store;
      const other = await fixture.other();
      extra.push(other);
      return other;
    };

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });

    afterEach(async () => {
      for (const other of extra.splice(0)) await other.close();
      await fixture.cleanup();
    });

    describe('transactions', () => {
      it('keeps a minted transaction exactly, decimals and all', async () => {
        const tx = transaction();
        await store.saveTransaction(tx);
        assert.deepEqual(await store.getTransaction(tx.transactionId), tx);
        assert.equal((await store.getTransaction(tx.transactionId))?.amountInFiat, BIG);
        assert.equal(await store.getTransaction('no-such-transaction'), undefined);
      });

      it('finds the most recently minted transaction for an order, seen from another instance', async () => {
        const orderId = uid('order');
        const first = transaction({ orderId, createdAt: 1 });
        const latest = transaction({ orderId, createdAt: 2 });
        await store.saveTransaction(first);
        await store.saveTransaction(latest);
        const other = await second();
        assert.deepEqual(await other.findTransactionByOrder(orderId), latest);
        assert.deepEqual(await other.getTransaction(first.transactionId), first);
        assert.equal(await other.findTransactionByOrder('order-never-minted'), undefined);
      });

      it('does not let a caller mutate a stored transaction through the object it saved or got', async () => {
        const tx = transaction();
        await store.saveTransaction(tx);
        tx.amountInFiat = '0';
        const got = await store.getTransaction(tx.transactionId);
        assert.ok(got);
        got.destinations.length = 0;
        const again = await store.getTransaction(tx.transactionId);
        assert.equal(again?.amountInFiat, BIG);
        assert.equal(again?.destinations.length, 1);
      });
    });

    describe('webhook inbox', () => {
      it('records a verified event once; a resend of the same EventId is a duplicate', async () => {
        const e = event();
        assert.equal(await store.addToInbox(e, 1000), true);
        assert.equal(await store.addToInbox({ ...e, id: 'another-delivery-attempt' }, 2000), false);
        assert.deepEqual(await store.getInboxEntry(e.eventId), freshEntry(e, 1000));
        assert.equal(await store.getInboxEntry('never-received'), undefined);
      });

      it('answers 200 concurrent deliveries (100 events, each sent twice) with exactly one true per event', async () => {
        // A burst like Mesh retrying while new events arrive: a store that commits writes together
        // must still give every caller its own answer.
        const other = await second();
        const events = Array.from({ length: 100 }, () => event());
        const deliveries = events.flatMap((e, i) => [
          { e, via: i % 2 ? other : store },
          { e: { ...e, id: uid('retry') }, via: i % 3 ? store : other },
        ]);
        const results = await Promise.all(deliveries.map(({ e, via }) => via.addToInbox(e, 1000)));
        for (const [i, e] of events.entries()) {
          assert.equal(Number(results[2 * i]) + Number(results[2 * i + 1]), 1, `exactly one winner for ${e.eventId}`);
        }
        // Across instances either delivery may win the race; the stored event is the winner's.
        const winners = deliveries.filter((_, i) => results[i]).map(({ e }) => e);
        for (const e of winners) assert.deepEqual((await other.getInboxEntry(e.eventId))?.event, e);
        assert.deepEqual(await Promise.all(events.map((e) => store.addToInbox(e, 2000))), events.map(() => false));
      });

      it('has each delivery on record, for every instance, by the time it is acknowledged', async () => {
        const other = await second();
        const events = Array.from({ length: 50 }, () => event());
        const seenByOther = await Promise.all(
          events.map((e) => store.addToInbox(e, 1000).then(async () => (await other.getInboxEntry(e.eventId))?.event)),
        );
        assert.deepEqual(seenByOther, events);
      });

      it('accepts exactly one of 50 concurrent deliveries of the same event', async () => {
        const e = event();
        const results = await Promise.all(Array.from({ length: 50 }, () => store.addToInbox(e, 1000)));
        assert.equal(results.filter(Boolean).length, 1);
      });

      it('accepts exactly one of 50 concurrent deliveries split across two instances', async () => {
        const other = await second();
        const e = event();
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => (i % 2 ? other : store).addToInbox(e, 1000)),
        );
        assert.equal(results.filter(Boolean).length, 1);
        assert.equal((await other.getInboxEntry(e.eventId))?.state, 'pending');
      });

      it('admits a delivery for a transaction it holds into the inbox, in one call; a resend is a duplicate', async () => {
        const tx = transaction();
        await store.saveTransaction(tx);
        const e = event({ transactionId: tx.transactionId });
        assert.deepEqual(await store.admitWebhook(e, 1000), { matched: true, fresh: true });
        assert.deepEqual(await store.admitWebhook({ ...e, id: 'another-delivery-attempt' }, 2000), { matched: true, fresh: false });
        const other = await second();
        assert.deepEqual(await other.getInboxEntry(e.eventId), freshEntry(e, 1000));
        assert.deepEqual(await other.listRecords(UNMATCHED_COLLECTION), [], 'an event of ours is not unmatched');
        assert.equal(await store.addToInbox(e, 3000), false, 'one inbox: addToInbox sees it too');
      });

      it('keeps a delivery naming no transaction, or one it does not hold, once as unmatched and never in the inbox', async () => {
        const { transactionId: _, ...rest } = event();
        const nameless: UnmatchedTransferEvent = rest;
        const stranger = event({ transactionId: uid('never-minted') });
        // Keys a careless store would mangle: NUL (PostgreSQL text cannot hold it), separators, globs.
        const awkward = event({ eventId: `evt\0:*?[${uid('x')}]`, transactionId: 'a\0b' });
        const admitted = [];
        for (const [i, e] of [nameless, stranger, awkward].entries()) {
          admitted.push(await store.admitWebhook(e, 1000 + i), await store.admitWebhook({ ...e, id: uid('retry') }, 5000));
        }
        assert.deepEqual(admitted, [0, 1, 2].flatMap(() => [{ matched: false, fresh: true }, { matched: false, fresh: false }]));
        const other = await second();
        for (const e of [nameless, stranger, awkward]) assert.equal(await other.getInboxEntry(e.eventId), undefined, e.eventId);
        assert.deepEqual(await other.claimInbox(10_000, 500, 10), [], 'nothing to fulfil');
        const kept: UnmatchedRecord[] = [nameless, stranger, awkward].map((e, i) => ({ event: e, receivedAt: 1000 + i }));
        assert.deepEqual(await other.listRecords(UNMATCHED_COLLECTION), kept, 'the first delivery of each, in order');
        assert.deepEqual(await other.getRecord(UNMATCHED_COLLECTION, awkward.eventId), kept[2]);
      });

      it('admits exactly one of 50 concurrent deliveries across two instances, of ours or unmatched alike', async () => {
        const other = await second();
        const tx = transaction();
        await store.saveTransaction(tx);
        const ours = event({ transactionId: tx.transactionId });
        const stranger = event();
        const [forOurs, forStranger] = await Promise.all(
          [ours, stranger].map((e) =>
            Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? other : store).admitWebhook({ ...e, id: uid('delivery') }, 1000))),
          ),
        );
        assert.equal(forOurs!.filter((a) => a.fresh).length, 1);
        assert.ok(forOurs!.every((a) => a.matched));
        assert.equal(forStranger!.filter((a) => a.fresh).length, 1);
        assert.ok(forStranger!.every((a) => !a.matched));
        assert.equal((await other.getInboxEntry(ours.eventId))?.state, 'pending');
        assert.deepEqual((await other.listRecords(UNMATCHED_COLLECTION)).length, 1);
      });

      it('keeps every caller\'s answer apart in a burst mixing ours, strangers and resends', async () => {
        // The stores batch writes (SQLite group commit, Redis pipelining): answers must not cross.
        const other = await second();
        const txs = Array.from({ length: 10 }, () => transaction());
        await Promise.all(txs.map((tx) => store.saveTransaction(tx)));
        const events = Array.from({ length: 60 }, (_, i) => event({ transactionId: i % 3 === 0 ? uid('stranger') : txs[i % 10]!.transactionId }));
        const deliveries = events.flatMap((e, i) => [
          { e, via: i % 2 ? other : store },
          { e: { ...e, id: uid('retry') }, via: i % 3 ? store : other },
        ]);
        const answers = await Promise.all(deliveries.map(({ e, via }) => via.admitWebhook(e, 1000)));
        for (const [i, e] of events.entries()) {
          const pair = [answers[2 * i]!, answers[2 * i + 1]!];
          assert.equal(pair.filter((a) => a.fresh).length, 1, `exactly one fresh for ${e.eventId}`);
          assert.ok(pair.every((a) => a.matched === (i % 3 !== 0)), `matched is about the transaction, for ${e.eventId}`);
        }
        const inInbox = await Promise.all(events.map(async (e) => (await other.getInboxEntry(e.eventId)) !== undefined));
        assert.deepEqual(inInbox, events.map((_, i) => i % 3 !== 0));
        assert.equal((await other.listRecords(UNMATCHED_COLLECTION)).length, 20);
      });

      it('hands an entry out only when due, then leases it until the lease lapses', async () => {
        const e = event();
        await store.addToInbox(e, 1000);
        assert.deepEqual(await store.claimInbox(999, 500, 10), [], 'not due before it was received');

        const [first, ...rest] = await store.claimInbox(1000, 500, 10);
        assert.equal(rest.length, 0);
        assert.equal(first?.event.eventId, e.eventId);
        assert.deepEqual(first?.event, e);
        assert.equal(first?.attempts, 1);
        assert.equal(first?.state, 'processing');
        assert.equal((await store.getInboxEntry(e.eventId))?.state, 'processing', 'an operator sees it is being worked on');

        assert.deepEqual(await store.claimInbox(1499, 500, 10), [], 'leased: nobody else gets it');
        const [again] = await store.claimInbox(1500, 500, 10);
        assert.equal(again?.event.eventId, e.eventId, 'the lease lapsed: it comes back by itself');
        assert.equal(again?.attempts, 2);
        assert.equal((await store.getInboxEntry(e.eventId))?.attempts, 2);
      });

      it('hands out due entries oldest first, at most `limit` at a time', async () => {
        const events = [event(), event(), event(), event()];
        for (const [i, e] of events.entries()) await store.addToInbox(e, 1000 + i);
        const firstBatch = await store.claimInbox(5000, 60_000, 3);
        assert.deepEqual(
          firstBatch.map((entry) => entry.event.eventId),
          events.slice(0, 3).map((e) => e.eventId),
        );
        const secondBatch = await store.claimInbox(5000, 60_000, 3);
        assert.deepEqual(secondBatch.map((entry) => entry.event.eventId), [events[3]?.eventId]);
        assert.deepEqual(await store.claimInbox(5000, 60_000, 0), []);
      });

      it('never gives the same entry to two instances claiming at the same moment', async () => {
        const other = await second();
        const ids = new Set<string>();
        for (let i = 0; i < 40; i++) {
          const e = event();
          ids.add(e.eventId);
          await store.addToInbox(e, 1000);
        }
        const batches = await Promise.all(
          Array.from({ length: 12 }, (_, i) => (i % 2 ? other : store).claimInbox(2000, 10_000, 5)),
        );
        const claimed = batches.flat().map((entry) => entry.event.eventId);
        assert.equal(claimed.length, 40, 'every due entry handed out');
        assert.equal(new Set(claimed).size, 40, 'none handed out twice');
        assert.deepEqual(new Set(claimed), ids);
        assert.deepEqual(await store.claimInbox(11_999, 10_000, 100), []);
        assert.equal((await other.claimInbox(12_000, 10_000, 100)).length, 40, 'all come back after the lease');
      });

      it('never hands out a settled entry again, done or dead', async () => {
        const done = event();
        const dead = event();
        await store.addToInbox(done, 1000);
        await store.addToInbox(dead, 1000);
        await store.claimInbox(1000, 100, 10);
        await store.settleInbox(done.eventId, 'done');
        await store.settleInbox(dead.eventId, 'dead', 'merchant hook threw 8 times');
        assert.deepEqual(await store.claimInbox(1_000_000, 100, 10), []);
        assert.equal((await store.getInboxEntry(done.eventId))?.state, 'done');
        const deadEntry = await store.getInboxEntry(dead.eventId);
        assert.equal(deadEntry?.state, 'dead');
        assert.equal(deadEntry?.lastError, 'merchant hook threw 8 times');
        assert.equal(deadEntry?.attempts, 1);
      });

      it('retries a failed entry at the time it was given, and not before', async () => {
        const e = event();
        await store.addToInbox(e, 1000);
        await store.claimInbox(1000, 30_000, 10);
        await store.retryInbox(e.eventId, 4000, 'hook threw: database down');
        const entry = await store.getInboxEntry(e.eventId);
        assert.equal(entry?.nextAttemptAt, 4000);
        assert.equal(entry?.lastError, 'hook threw: database down');
        assert.equal(entry?.state, 'pending');
        assert.deepEqual(await store.claimInbox(3999, 30_000, 10), []);
        const [again] = await store.claimInbox(4000, 30_000, 10);
        assert.equal(again?.attempts, 2);
        assert.equal(again?.lastError, 'hook threw: database down');
      });

      it('ignores a late retry for an entry another worker already settled', async () => {
        const e = event();
        await store.addToInbox(e, 1000);
        await store.claimInbox(1000, 100, 10); // worker A, stalls past its lease
        await store.claimInbox(1100, 100, 10); // worker B takes over and finishes
        await store.settleInbox(e.eventId, 'done');
        await store.retryInbox(e.eventId, 1200, 'worker A finally timed out');
        assert.equal((await store.getInboxEntry(e.eventId))?.state, 'done');
        assert.deepEqual(await store.claimInbox(1_000_000, 100, 10), []);
      });

      it('keeps the next attempt time it was given, so a restarted instance resumes the schedule', async () => {
        const e = event();
        await store.addToInbox(e, 1000);
        await store.claimInbox(1000, 30_000, 10);
        await store.retryInbox(e.eventId, 3_600_000, 'hook threw: database down');
        const restarted = await second();
        assert.deepEqual(await restarted.claimInbox(3_599_999, 30_000, 10), [], 'not before its time');
        const [resumed] = await restarted.claimInbox(3_600_000, 30_000, 10);
        assert.equal(resumed?.attempts, 2);
        assert.equal(resumed?.windowStart, 1000, 'the retry window still runs from receipt');
      });

      it('treats settle and retry of an unknown event as no-ops', async () => {
        await store.settleInbox('never-received', 'done');
        await store.retryInbox('never-received', 1, 'x');
        assert.equal(await store.getInboxEntry('never-received'), undefined);
        assert.deepEqual(await store.claimInbox(Number.MAX_SAFE_INTEGER - 1, 1, 10), []);
      });
    });

    describe('attempt history (what `mesh-pay inbox show` prints)', () => {
      const failed = (attempt: number, at: number, nextAttemptAt?: number, error = 'hook threw: ledger down'): InboxAttempt => ({
        attempt,
        at,
        durationMs: 12,
        outcome: 'failed',
        error,
        instance: 'shop-1/4242',
        ...(nextAttemptAt === undefined ? {} : { nextAttemptAt }),
      });

      it('keeps one record per attempt, oldest first, and another instance reads the same', async () => {
        const e = event();
        await store.addToInbox(e, 1000);
        await store.claimInbox(1000, 30_000, 10);
        await store.retryInbox(e.eventId, 3000, 'hook threw: ledger down', failed(1, 1000, 3000));
        await store.claimInbox(3000, 30_000, 10);
        const ok: InboxAttempt = { attempt: 2, at: 3000, durationMs: 0, outcome: 'ok', instance: 'shop-2/17' };
        await store.settleInbox(e.eventId, 'done', undefined, ok);
        const seen = await (await second()).getInboxEntry(e.eventId);
        assert.equal(seen?.state, 'done');
        assert.deepEqual(seen?.history, [failed(1, 1000, 3000), ok]);
      });

      it('records the attempt that gave up together with the dead state, and keeps the history across an operator retry', async () => {
        const e = event();
        await store.addToInbox(e, 1000);
        await store.claimInbox(1000, 30_000, 10);
        await store.settleInbox(e.eventId, 'dead', 'window over', failed(1, 1000, undefined, 'window over'));
        assert.equal(await store.requeueInbox(e.eventId, 9000), 'dead');
        const [again] = await store.claimInbox(9000, 30_000, 10);
        assert.equal(again?.attempts, 1, 'a fresh window counts from 1 again');
        await store.settleInbox(e.eventId, 'done', undefined, { attempt: 1, at: 9000, durationMs: 3, outcome: 'ok' });
        const entry = await store.getInboxEntry(e.eventId);
        assert.deepEqual(
          entry?.history.map((a) => [a.attempt, a.outcome, a.nextAttemptAt ?? 'dead']),
          [[1, 'failed', 'dead'], [1, 'ok', 'dead']],
        );
      });

      it(`keeps only the last ${INBOX_HISTORY_LIMIT} attempts of an event that fails for days`, async () => {
        const e = event();
        const neighbour = event();
        await store.addToInbox(e, 0);
        await store.addToInbox(neighbour, 0);
        const total = INBOX_HISTORY_LIMIT + 12;
        for (let n = 1; n <= total; n++) {
          await store.claimInbox(n * 1000, 500, 10);
          await store.retryInbox(e.eventId, (n + 1) * 1000, `attempt ${n} failed`, failed(n, n * 1000, (n + 1) * 1000, `attempt ${n} failed`));
        }
        const history = (await store.getInboxEntry(e.eventId))!.history;
        assert.equal(history.length, INBOX_HISTORY_LIMIT);
        assert.deepEqual(history.map((a) => a.attempt), Array.from({ length: INBOX_HISTORY_LIMIT }, (_, i) => total - INBOX_HISTORY_LIMIT + 1 + i));
        assert.deepEqual((await store.getInboxEntry(neighbour.eventId))!.history, [], "another event's history is its own");
      });

      it('keeps awkward error text verbatim (NUL aside), cuts an oversize one, and leaves no record for an unknown event', async () => {
        const e = event();
        await store.addToInbox(e, 1000);
        await store.claimInbox(1000, 30_000, 10);
        const awkward = 'ledger said: "}] \\n\n\u0000 €💥 <script>alert(1)</script> \'; DROP TABLE inbox; --';
        await store.retryInbox(e.eventId, 2000, awkward, failed(1, 1000, 2000, awkward));
        await store.claimInbox(2000, 30_000, 10);
        const huge = 'x'.repeat(100_000);
        await store.retryInbox(e.eventId, 3000, 'huge', failed(2, 2000, 3000, huge));
        await store.claimInbox(3000, 30_000, 10);
        await store.retryInbox(e.eventId, 4000, awkward);
        assert.equal((await store.getInboxEntry(e.eventId))?.lastError, awkward.replace('\u0000', '\uFFFD'), 'lastError too');
        await store.claimInbox(4000, 30_000, 10);
        await store.retryInbox(e.eventId, 5000, huge);
        assert.equal((await store.getInboxEntry(e.eventId))?.lastError?.length, INBOX_ERROR_MAX, 'an oversize lastError is cut too');
        await store.claimInbox(5000, 30_000, 10);
        await store.retryInbox(e.eventId, 6000, 'huge');
        const [first, second_] = (await store.getInboxEntry(e.eventId))!.history;
        // NUL is the one character changed (PostgreSQL text cannot hold it), the same in every store.
        assert.equal(first?.error, awkward.replace('\u0000', '\uFFFD'));
        assert.equal((await store.getInboxEntry(e.eventId))?.lastError, 'huge');
        assert.equal(second_?.error?.length, INBOX_ERROR_MAX);
        assert.ok(second_?.error?.endsWith('…'));

        // A worker reporting on an event this store never had (or pruned) leaves nothing behind.
        const ghost = event();
        await store.settleInbox(ghost.eventId, 'done', undefined, failed(1, 1000));
        await store.retryInbox(ghost.eventId, 2000, 'x', failed(1, 1000, 2000));
        assert.equal(await store.getInboxEntry(ghost.eventId), undefined);
        await store.addToInbox(ghost, 5000);
        assert.deepEqual((await store.getInboxEntry(ghost.eventId))?.history, [], 'no orphaned attempt attached to a later delivery');
      });
    });

    describe('operator view and retries of the inbox', () => {
      /** Puts entries in each state: returns their EventIds by state. */
      async function inboxOfEveryState(via: TestStore = store) {
        const [pending, processing, done, dead1, dead2] = [event(), event(), event(), event(), event()];
        for (const e of [processing, done, dead1, dead2]) await via.addToInbox(e, 1000);
        await via.claimInbox(1000, 60_000, 10);
        await via.settleInbox(done.eventId, 'done');
        await via.settleInbox(dead1.eventId, 'dead', 'hook threw: ledger down');
        await via.settleInbox(dead2.eventId, 'dead', 'mismatch: wrong address');
        await via.addToInbox(pending, 2000);
        return { pending: pending.eventId, processing: processing.eventId, done: done.eventId, dead: [dead1.eventId, dead2.eventId] };
      }

      async function listAll(via: TestStore, query: { state?: InboxEntry['state']; limit: number }): Promise<InboxEntry[]> {
        const seen: InboxEntry[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < 1000; pages++) {
          const page = await via.listInbox({ ...query, ...(cursor ? { cursor } : {}) });
          seen.push(...page.entries);
          if (!page.cursor) return seen;
          cursor = page.cursor;
        }
        throw new Error('listInbox never reached its last page');
      }

      it('lists entries by state, a page at a time, each exactly once, on every instance', async () => {
        const ids = await inboxOfEveryState();
        const other = await second();
        const ofState = async (state: InboxEntry['state']) => (await listAll(other, { state, limit: 1 })).map((e) => e.event.eventId).sort();
        assert.deepEqual(await ofState('dead'), [...ids.dead].sort());
        assert.deepEqual(await ofState('done'), [ids.done]);
        assert.deepEqual(await ofState('processing'), [ids.processing]);
        assert.deepEqual(await ofState('pending'), [ids.pending]);
        const everything = (await listAll(other, { limit: 2 })).map((e) => e.event.eventId);
        assert.equal(new Set(everything).size, everything.length, 'no entry twice across pages');
        for (const id of [ids.pending, ids.processing, ids.done, ...ids.dead]) assert.ok(everything.includes(id), `${id} listed`);
        const [dead] = (await other.listInbox({ state: 'dead', limit: 1000 })).entries.filter((e) => e.event.eventId === ids.dead[0]);
        assert.equal(dead?.lastError, 'hook threw: ledger down');
        assert.equal(dead?.attempts, 1);
      });

      it('survives garbage page sizes and cursors without throwing or looping', async () => {
        await inboxOfEveryState();
        for (const limit of [0, -5, Number.NaN, 1e9, 2.5]) {
          const page = await store.listInbox({ limit });
          assert.ok(page.entries.length >= 0 && page.entries.length <= 1000);
        }
        for (const cursor of ['', 'zzzzzzzz', '\u0000', "' OR 1=1 --", '*', '[a-', '99999999999']) {
          const page = await store.listInbox({ state: 'dead', cursor, limit: 10 });
          assert.ok(Array.isArray(page.entries));
        }
        assert.deepEqual((await store.listInbox({ state: 'dead', cursor: '\uffff', limit: 10 })).entries, []);
      });

      it('requeues a dead entry with a fresh window, due at once, on another instance', async () => {
        const ids = await inboxOfEveryState();
        const other = await second();
        assert.equal(await other.requeueInbox(ids.dead[0]!, 50_000), 'dead');
        const entry = await store.getInboxEntry(ids.dead[0]!);
        assert.equal(entry?.state, 'pending');
        assert.equal(entry?.attempts, 0);
        assert.equal(entry?.windowStart, 50_000);
        assert.equal(entry?.nextAttemptAt, 50_000);
        assert.equal(entry?.lastError, 'hook threw: ledger down', 'the last failure stays visible');
        const claimed = (await store.claimInbox(50_000, 1000, 10)).map((e) => e.event.eventId);
        assert.ok(claimed.includes(ids.dead[0]!));
        assert.equal(claimed.filter((id) => id === ids.dead[0]).length, 1);
        assert.ok(!(await listAll(store, { state: 'dead', limit: 10 })).some((e) => e.event.eventId === ids.dead[0]));
      });

      it('leaves done and processing entries alone and says which state it found', async () => {
        const ids = await inboxOfEveryState();
        assert.equal(await store.requeueInbox(ids.done, 50_000), 'done');
        assert.equal((await store.getInboxEntry(ids.done))?.state, 'done');
        assert.equal(await store.requeueInbox(ids.processing, 50_000), 'processing');
        assert.equal((await store.getInboxEntry(ids.processing))?.nextAttemptAt, 61_000, 'its lease is untouched');
        assert.equal(await store.requeueInbox('never-received', 50_000), undefined);
        assert.equal(await store.requeueInbox(ids.pending, 1500), 'pending');
        assert.equal((await store.getInboxEntry(ids.pending))?.nextAttemptAt, 1500, 'a waiting entry is made due now');
      });

      it('requeues every dead entry in pages, each once, even with two operators at once', async () => {
        const dead: string[] = [];
        for (let i = 0; i < 7; i++) {
          const e = event();
          dead.push(e.eventId);
          await store.addToInbox(e, 1000);
          await store.settleInbox(e.eventId, 'dead', 'down');
        }
        const other = await second();
        const requeued: string[] = [];
        for (;;) {
          const [a, b] = await Promise.all([store.requeueDeadInbox(9000, 2), other.requeueDeadInbox(9000, 2)]);
          if (a.length + b.length === 0) break;
          requeued.push(...a, ...b);
        }
        const mine = requeued.filter((id) => dead.includes(id));
        assert.deepEqual([...mine].sort(), [...dead].sort(), 'each dead entry requeued exactly once');
        for (const id of dead) assert.equal((await store.getInboxEntry(id))?.state, 'pending');
        assert.deepEqual(await store.requeueDeadInbox(9000, 100), []);
      });
    });

    describe('reconciliation index (what is open, by due time)', () => {
      it('hands out only overdue transactions, oldest first, a page at a time, each moved ahead', async () => {
        const ids = [uid('tx'), uid('tx'), uid('tx'), uid('tx')];
        for (const [i, id] of ids.entries()) await store.scheduleReconcile(id, 1000 + i);
        await store.scheduleReconcile(uid('tx-not-yet'), 9000);
        assert.deepEqual(await store.claimReconcile(1002, 5000, 2), ids.slice(0, 2));
        assert.deepEqual(await store.claimReconcile(1002, 5000, 2), [ids[2]], 'the claimed ones moved to 5000');
        assert.deepEqual(await store.claimReconcile(4999, 5000, 10), [ids[3]]);
        assert.deepEqual(await store.claimReconcile(4999, 6000, 10), []);
        assert.deepEqual((await store.claimReconcile(5000, 6000, 10)).sort(), [...ids].sort(), 'due again after their interval');
      });

      it('never gives one transaction to two instances sweeping at once', async () => {
        const other = await second();
        const ids = Array.from({ length: 30 }, () => uid('tx'));
        for (const id of ids) await store.scheduleReconcile(id, 1000);
        const pages = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? other : store).claimReconcile(2000, 100_000, 5)));
        const claimed = pages.flat();
        assert.equal(claimed.length, 30);
        assert.deepEqual(new Set(claimed), new Set(ids));
      });

      it('forgets a closed transaction, and re-scheduling moves rather than duplicates', async () => {
        const open = uid('tx');
        const closed = uid('tx');
        await store.scheduleReconcile(open, 1000);
        await store.scheduleReconcile(open, 3000);
        await store.scheduleReconcile(closed, 1000);
        await store.unscheduleReconcile(closed);
        await store.unscheduleReconcile('never-scheduled');
        assert.deepEqual(await store.claimReconcile(2999, 10_000, 10), []);
        assert.deepEqual(await store.claimReconcile(3000, 10_000, 10), [open]);
      });

      it('claims one transaction (a status stream opened) only when it is indexed and due', async () => {
        const id = uid('tx');
        assert.equal(await store.claimReconcileOne(id, 5000, 6000), false, 'not indexed');
        await store.scheduleReconcile(id, 2000);
        assert.equal(await store.claimReconcileOne(id, 1999, 6000), false, 'not due yet');
        const other = await second();
        const [a, b] = await Promise.all([store.claimReconcileOne(id, 2000, 6000), other.claimReconcileOne(id, 2000, 6000)]);
        assert.equal(Number(a) + Number(b), 1, 'one of two racing instances looks it up');
        assert.deepEqual(await store.claimReconcile(5999, 9000, 10), []);
        assert.deepEqual(await store.claimReconcile(6000, 9000, 10), [id]);
      });
    });

    describe('retention (bounded storage)', () => {
      /** A done entry settled around `at`, a dead one and a pending one, all received at `at`. */
      async function settledInbox(at: number) {
        const [done, dead, pending] = [event(), event(), event()];
        for (const e of [done, dead, pending]) await store.addToInbox(e, at);
        await store.claimInbox(at, 100, 10);
        await store.settleInbox(done.eventId, 'done', undefined, { attempt: 1, at, durationMs: 5, outcome: 'ok' });
        await store.settleInbox(dead.eventId, 'dead', 'hook threw');
        await store.retryInbox(pending.eventId, at + 1_000_000, 'hook threw');
        await store.markOnce('update', done.eventId);
        await store.markOnce('credit', done.transferId);
        return { done, dead, pending };
      }

      it('prunes done entries settled before the cutoff, with their update marks, and nothing else', async () => {
        const old = await settledInbox(1000);
        const recent = await settledInbox(50_000);
        await store.putOnce('ledger', old.done.transferId, { credited: true });
        const other = await second();
        assert.deepEqual(await other.pruneSettled(10_000, 100), { inbox: 1, transactions: 0 });
        assert.equal(await store.getInboxEntry(old.done.eventId), undefined);
        assert.equal(await store.hasMark('update', old.done.eventId), false);
        assert.equal(await store.hasMark('credit', old.done.transferId), true, 'credit marks stay: no double credit, however late');
        assert.deepEqual(await store.getRecord('ledger', old.done.transferId), { credited: true }, "the merchant's records stay");
        assert.equal((await store.getInboxEntry(old.dead.eventId))?.state, 'dead', 'dead entries are kept for the operator');
        assert.equal((await store.getInboxEntry(old.pending.eventId))?.state, 'pending');
        assert.equal((await store.getInboxEntry(recent.done.eventId))?.state, 'done', 'inside the retention period');
        assert.deepEqual(await store.pruneSettled(10_000, 100), { inbox: 0, transactions: 0 });
        // The de-duplication record went with it: the same EventId would now be accepted again,
        // which is why the kit ignores deliveries older than the retention period.
        assert.equal(await store.addToInbox(old.done, 60_000), true);
        assert.deepEqual((await store.getInboxEntry(old.done.eventId))?.history, [], 'its attempt history went with it');
        assert.equal((await store.getInboxEntry(recent.done.eventId))?.history.length, 1, 'a kept entry keeps its history');
      });

      it('prunes closed transactions before the cutoff (record, order pointer, status log), never open or kept ones', async () => {
        const [closedOld, closedNew, open, kept] = [transaction(), transaction(), transaction(), transaction()];
        const newerForSameOrder = transaction({ orderId: closedOld.orderId });
        for (const tx of [closedOld, closedNew, open, kept]) {
          await store.saveTransaction(tx);
          await store.scheduleReconcile(tx.transactionId, 1000);
          await store.appendStatus(update(tx.transactionId, 'succeeded'));
        }
        await store.closeTransaction(closedOld.transactionId, 2000);
        await store.closeTransaction(kept.transactionId, 2000);
        await store.keepTransaction(kept.transactionId);
        await store.closeTransaction(closedNew.transactionId, 90_000);
        assert.deepEqual(await store.claimReconcile(5000, 9000, 10), [open.transactionId], 'closing leaves the reconciliation index');

        const other = await second();
        assert.deepEqual(await other.pruneSettled(10_000, 100), { inbox: 0, transactions: 1 });
        assert.equal(await store.getTransaction(closedOld.transactionId), undefined);
        assert.equal(await store.findTransactionByOrder(closedOld.orderId), undefined);
        assert.deepEqual(await store.statusesSince(closedOld.transactionId, 0), []);
        for (const tx of [closedNew, open, kept]) {
          assert.deepEqual(await store.getTransaction(tx.transactionId), tx);
          assert.equal((await store.statusesSince(tx.transactionId, 0)).length, 1);
        }
        // An order paid again after its old transaction closed keeps pointing at the new one.
        await store.saveTransaction(newerForSameOrder);
        await store.closeTransaction(newerForSameOrder.transactionId, 3000);
        const again = transaction({ orderId: newerForSameOrder.orderId });
        await store.saveTransaction(again);
        assert.deepEqual(await store.pruneSettled(10_000, 100), { inbox: 0, transactions: 1 });
        assert.deepEqual(await store.findTransactionByOrder(again.orderId), again);
      });

      it('prunes in batches of at most `limit`', async () => {
        for (let i = 0; i < 7; i++) await settledInbox(1000);
        for (let i = 0; i < 5; i++) {
          const tx = transaction();
          await store.saveTransaction(tx);
          await store.closeTransaction(tx.transactionId, 1000);
        }
        assert.deepEqual(await store.pruneSettled(10_000, 3), { inbox: 3, transactions: 3 });
        assert.deepEqual(await store.pruneSettled(10_000, 3), { inbox: 3, transactions: 2 });
        assert.deepEqual(await store.pruneSettled(10_000, 3), { inbox: 1, transactions: 0 });
        assert.deepEqual(await store.pruneSettled(10_000, 3), { inbox: 0, transactions: 0 });
      });
    });

    describe('once-guards', () => {
      it('lets exactly one of 50 concurrent callers, across instances, run the success hook', async () => {
        const other = await second();
        const transferId = uid('transfer');
        assert.equal(await store.hasMark('success', transferId), false);
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => (i % 2 ? other : store).markOnce('success', transferId)),
        );
        assert.equal(results.filter(Boolean).length, 1);
        assert.equal(await store.hasMark('success', transferId), true);
        assert.equal(await other.hasMark('success', transferId), true);
        assert.equal(await store.markOnce('success', transferId), false, 'ever: not just while racing');
      });

      it('reads its own writes in the order they were made, even before awaiting them', async () => {
        const key = uid('transfer');
        const before = store.hasMark('success', key);
        const first = store.markOnce('success', key);
        const afterwards = store.hasMark('success', key);
        const again = store.markOnce('success', key);
        assert.deepEqual(await Promise.all([before, first, afterwards, again]), [false, true, true, false]);
      });

      it('keeps scopes apart, even when scope and key contain separators', async () => {
        assert.equal(await store.markOnce('a:b', 'c'), true);
        assert.equal(await store.markOnce('a', 'b:c'), true);
        assert.equal(await store.markOnce('update', 'same-key'), true);
        assert.equal(await store.markOnce('success', 'same-key'), true);
        assert.equal(await store.hasMark('a', 'b'), false);
        assert.equal(await store.hasMark('a:b', 'c'), true);
      });
    });

    describe('locks (one merchant hook at a time per transfer)', () => {
      it('gives a lock to exactly one of 40 owners racing across two instances', async () => {
        const other = await second();
        const key = `credit:${uid('transfer')}`;
        const now = 1_000_000;
        const results = await Promise.all(
          Array.from({ length: 40 }, (_, i) => (i % 2 ? other : store).acquireLock(key, `worker-${i}`, 10_000, now)),
        );
        assert.equal(results.filter(Boolean).length, 1);
        const winner = `worker-${results.indexOf(true)}`;
        assert.equal(await other.acquireLock(key, 'late-comer', 10_000, now + 5), false);
        assert.equal(await store.acquireLock(key, winner, 10_000, now + 5), true, 'its holder may take it again (and extends)');
      });

      it('lets another owner in once the holder stops renewing and its ttl runs out', async () => {
        const other = await second();
        const key = `credit:${uid('transfer')}`;
        assert.equal(await store.acquireLock(key, 'crashed-worker', 1000, 5000), true);
        assert.equal(await other.acquireLock(key, 'survivor', 1000, 5999), false, 'not a moment early');
        assert.equal(await other.acquireLock(key, 'survivor', 1000, 6000), true);
        assert.equal(await store.renewLock(key, 'crashed-worker', 1000, 6001), false, 'the old holder learns it lost it');
        await store.releaseLock(key, 'crashed-worker');
        assert.equal(await store.acquireLock(key, 'third', 1000, 6500), false, "the old holder's release freed nothing");
      });

      it('keeps the lock for a holder that renews past its first ttl', async () => {
        const other = await second();
        const key = `failed:${uid('transfer')}`;
        assert.equal(await store.acquireLock(key, 'slow-hook', 1000, 10_000), true);
        assert.equal(await store.renewLock(key, 'slow-hook', 1000, 10_800), true);
        assert.equal(await other.acquireLock(key, 'intruder', 1000, 11_500), false, 'renewed until 11 800');
        assert.equal(await other.renewLock(key, 'intruder', 1000, 11_500), false, 'only the holder renews');
        assert.equal(await other.acquireLock(key, 'intruder', 1000, 11_800), true);
      });

      it('ignores a release by anyone but the holder, and frees it on the holder\'s release', async () => {
        const other = await second();
        const key = `credit:${uid('transfer')}`;
        assert.equal(await store.acquireLock(key, 'holder', 60_000, 1), true);
        await other.releaseLock(key, 'someone-else');
        await other.releaseLock(`${key}-typo`, 'holder');
        assert.equal(await other.acquireLock(key, 'someone-else', 60_000, 2), false);
        await store.releaseLock(key, 'holder');
        assert.equal(await other.acquireLock(key, 'someone-else', 60_000, 3), true);
        assert.equal(await store.renewLock(key, 'holder', 60_000, 4), false);
        await store.releaseLock('never-locked', 'nobody');
      });

      it('keeps locks of different keys apart, even with separators in them', async () => {
        assert.equal(await store.acquireLock('credit:a:b', 'one', 1000, 1), true);
        assert.equal(await store.acquireLock('credit:a', 'two', 1000, 1), true);
        assert.equal(await store.acquireLock('failed:a:b', 'three', 1000, 1), true);
      });
    });

    describe('inbox lease renewal', () => {
      it('keeps a renewed entry from another worker until the renewed lease lapses', async () => {
        const other = await second();
        const e = event();
        await store.addToInbox(e, 1000);
        assert.equal((await store.claimInbox(1000, 500, 10)).length, 1);
        assert.equal(await store.renewInboxLease(e.eventId, 1400, 500), true);
        assert.deepEqual(await other.claimInbox(1600, 500, 10), [], 'past the first lease, inside the renewed one');
        const [again] = await other.claimInbox(1900, 500, 10);
        assert.equal(again?.event.eventId, e.eventId);
        assert.equal(again?.attempts, 2);
      });

      it('renews nothing once the entry is settled, or for an entry never received', async () => {
        const e = event();
        await store.addToInbox(e, 1000);
        await store.claimInbox(1000, 500, 10);
        await store.settleInbox(e.eventId, 'done');
        assert.equal(await store.renewInboxLease(e.eventId, 1200, 500), false);
        assert.equal((await store.getInboxEntry(e.eventId))?.state, 'done');
        assert.equal(await store.renewInboxLease('never-received', 1200, 500), false);
      });
    });

    describe('merchant records', () => {
      it('inserts a record once under 50 concurrent writers and keeps the winner', async () => {
        const other = await second();
        const key = uid('transfer');
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            (i % 2 ? other : store).putOnce('ledger', key, { writer: i, amount: BIG }),
          ),
        );
        const winners = results.flatMap((won, i) => (won ? [i] : []));
        assert.equal(winners.length, 1);
        assert.deepEqual(await other.getRecord('ledger', key), { writer: winners[0], amount: BIG });
        assert.equal((await store.listRecords('ledger')).length, 1);
      });

      it('lists a collection in insertion order and keeps collections apart', async () => {
        const values = [{ n: 3 }, { n: 1 }, { n: 2, nested: { list: [BIG, null, true] } }];
        for (const [i, value] of values.entries()) await store.putOnce('ledger', `k${2 - i}`, value);
        await store.putOnce('ledger', 'k2', { n: 'ignored duplicate' });
        await store.putOnce('other-ledger', 'k0', { n: 'elsewhere' });
        assert.deepEqual(await store.listRecords('ledger'), values);
        assert.deepEqual(await store.listRecords('other-ledger'), [{ n: 'elsewhere' }]);
        assert.deepEqual(await store.listRecords('empty'), []);
        assert.equal(await store.getRecord('ledger', 'missing'), undefined);
      });

      it('stores awkward keys and values verbatim', async () => {
        const keys = ['', ' ', 'a\nb', 'quote"\'', 'ünïcødé 🚀', 'ledger:k', '*?[]', 'x'.repeat(2000)];
        for (const key of keys) assert.equal(await store.putOnce('weird:collection', key, { key }), true, key);
        for (const key of keys) assert.deepEqual(await store.getRecord('weird:collection', key), { key });
        assert.deepEqual(await store.listRecords('weird:collection'), keys.map((key) => ({ key })));
        const decimals = { a: '1e400', b: '-0.0000000000000000000001', c: '99999999999999999999', d: 0.1 };
        await store.putOnce('numbers', 'k', decimals);
        assert.deepEqual(await store.getRecord('numbers', 'k'), decimals);
      });
    });

    describe('status log', () => {
      it('numbers statuses 1, 2, 3 per transaction and replays from any point', async () => {
        const a = uid('tx');
        const b = uid('tx');
        assert.equal((await store.appendStatus(update(a, 'pending'))).seq, 1);
        assert.equal((await store.appendStatus(update(b, 'pending'))).seq, 1);
        assert.equal((await store.appendStatus(update(a, 'processing'))).seq, 2);
        const third = await store.appendStatus(update(a, 'succeeded', { txHash: '0xabc' }));
        assert.deepEqual(third, { seq: 3, update: update(a, 'succeeded', { txHash: '0xabc' }) });

        const all = await store.statusesSince(a, 0);
        assert.deepEqual(all.map((s) => [s.seq, s.update.status]), [[1, 'pending'], [2, 'processing'], [3, 'succeeded']]);
        assert.equal(all[0]?.update.sourceAmount, BIG);
        assert.deepEqual((await store.statusesSince(a, 2)).map((s) => s.seq), [3]);
        assert.deepEqual(await store.statusesSince(a, 3), []);
        assert.deepEqual(await store.statusesSince('never-seen', 0), []);
      });

      it('gives concurrent appends from two instances distinct, gapless seqs', async () => {
        const other = await second();
        const tx = uid('tx');
        const stored = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).appendStatus(update(tx, `s${i}`))),
        );
        assert.deepEqual(stored.map((s) => s.seq).sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i + 1));
        const log = await other.statusesSince(tx, 0);
        for (const s of stored) assert.deepEqual(log[s.seq - 1], s);
      });
    });

    describe('status subscriptions', () => {
      it('tells a subscriber every status appended after it subscribed, in order', async () => {
        const tx = uid('tx');
        await store.appendStatus(update(tx, 'before-subscribing'));
        const heard = recorder();
        const unsubscribe = await store.subscribe(tx, heard.listener);
        await store.appendStatus(update(tx, 'pending'));
        await store.appendStatus(update(tx, 'processing'));
        await store.appendStatus(update(tx, 'succeeded'));
        await heard.count(3);
        assert.deepEqual(heard.seen.map((s) => [s.seq, s.update.status]), [[2, 'pending'], [3, 'processing'], [4, 'succeeded']]);
        assert.equal(heard.seen[0]?.update.sourceAmount, BIG);
        unsubscribe();
      });

      it('delivers a status appended on another instance to this one, in order', async () => {
        const other = await second();
        const tx = uid('tx');
        const heard = recorder();
        const unsubscribe = await store.subscribe(tx, heard.listener);
        for (const status of ['pending', 'processing', 'succeeded']) await other.appendStatus(update(tx, status));
        await heard.count(3);
        assert.deepEqual(heard.seen.map((s) => [s.seq, s.update.status]), [[1, 'pending'], [2, 'processing'], [3, 'succeeded']]);

        // Mixed: appends from both instances still arrive once each, in seq order.
        await other.appendStatus(update(tx, 'x4'));
        await store.appendStatus(update(tx, 'x5'));
        await other.appendStatus(update(tx, 'x6'));
        await heard.count(6);
        assert.deepEqual(heard.seen.map((s) => s.seq), [1, 2, 3, 4, 5, 6]);
        unsubscribe();
      });

      it('keeps transactions apart: a listener hears only its own transaction', async () => {
        const mine = uid('tx');
        const theirs = uid('tx');
        const heard = recorder();
        const unsubscribe = await store.subscribe(mine, heard.listener);
        await store.appendStatus(update(theirs, 'pending'));
        await store.appendStatus(update(mine, 'pending'));
        await heard.count(1);
        await store.appendStatus(update(mine, 'succeeded'));
        await heard.count(2);
        assert.deepEqual(heard.seen.map((s) => s.update.transactionId), [mine, mine]);
        unsubscribe();
      });

      it('after unsubscribe hears nothing and leaves no listener behind', async () => {
        const other = await second();
        const tx = uid('tx');
        const leaving = recorder();
        const staying = recorder();
        const before = await store.stats();
        const stopLeaving = await store.subscribe(tx, leaving.listener);
        const stopStaying = await store.subscribe(tx, staying.listener);
        const during = await store.stats();
        assert.equal(during.listeners, before.listeners + 2);
        assert.equal(during.subscribedTransactions, before.subscribedTransactions + 1, 'one watch per transaction');

        await other.appendStatus(update(tx, 'pending'));
        await leaving.count(1);
        await staying.count(1);
        stopLeaving();
        stopLeaving(); // twice is harmless
        await other.appendStatus(update(tx, 'succeeded'));
        // The staying listener is the witness: once it has heard seq 2, so would the other have.
        await staying.count(2);
        assert.deepEqual(leaving.seen.map((s) => s.seq), [1]);

        stopStaying();
        await eventually(async () => {
          const after = await store.stats();
          assert.equal(after.listeners, before.listeners);
          assert.equal(after.subscribedTransactions, before.subscribedTransactions);
          assert.equal(after.subscribedTransactions, 0);
          if ('serverChannels' in after) assert.equal(after.serverChannels, 0, 'no SUBSCRIBE left on the server');
          if ('polling' in after) assert.equal(after.polling, false, 'no poll timer left running');
        });
      });

      it('unsubscribing one of many listeners leaves the others working; resubscribing works', async () => {
        const tx = uid('tx');
        const listeners = Array.from({ length: 5 }, () => recorder());
        const stops = await Promise.all(listeners.map((l) => store.subscribe(tx, l.listener)));
        for (const stop of stops.slice(0, 4)) stop();
        await store.appendStatus(update(tx, 'pending'));
        await listeners[4]!.count(1);
        for (const l of listeners.slice(0, 4)) assert.equal(l.seen.length, 0);
        stops[4]!();

        const back = recorder();
        const stopBack = await store.subscribe(tx, back.listener);
        await store.appendStatus(update(tx, 'succeeded'));
        await back.count(1);
        assert.deepEqual(back.seen.map((s) => s.seq), [2]);
        stopBack();
        await eventually(async () => assert.equal((await store.stats()).listeners, 0));
      });

      it('treats the same function subscribed twice as two subscriptions', async () => {
        const tx = uid('tx');
        const heard = recorder();
        const stopOne = await store.subscribe(tx, heard.listener);
        const stopTwo = await store.subscribe(tx, heard.listener);
        await store.appendStatus(update(tx, 'pending'));
        await heard.count(2);
        stopOne();
        await store.appendStatus(update(tx, 'succeeded'));
        await heard.count(3);
        assert.deepEqual(heard.seen.map((s) => s.seq), [1, 1, 2]);
        stopTwo();
      });

      it('keeps delivering to others when one listener throws, and the append still succeeds', async () => {
        const tx = uid('tx');
        const heard = recorder();
        const stopBroken = await store.subscribe(tx, () => {
          throw new Error('SSE socket already closed');
        });
        const stopGood = await store.subscribe(tx, heard.listener);
        const stored = await store.appendStatus(update(tx, 'pending'));
        assert.equal(stored.seq, 1);
        await heard.count(1);
        stopBroken();
        stopGood();
      });
    });

    describe('return users', () => {
      it('saves access tokens per key, replaces a key in place, and keeps users apart', async () => {
        const user = uid('user');
        await store.saveAccessTokens(user, 'coinbase', { accessToken: 'a1', brokerType: 'coinbase' });
        await store.saveAccessTokens(user, 'binance', { accessToken: 'b1', brokerType: 'binance' });
        await store.saveAccessTokens(user, 'coinbase', { accessToken: 'a2', brokerType: 'coinbase' });
        const other = await second();
        assert.deepEqual(await other.getAccessTokens(user), [
          { accessToken: 'a2', brokerType: 'coinbase' },
          { accessToken: 'b1', brokerType: 'binance' },
        ]);
        assert.deepEqual(await store.getAccessTokens(uid('user')), []);
      });
    });

    // Memory lives and dies with its process by design; there is no restart to survive.
    if (options.durable) describe('durability', () => {
      it('keeps everything acknowledged across a restart', async () => {
        assert.ok(fixture.reopen, 'a durable store fixture must provide reopen()');
        const tx = transaction();
        const e = event({ transactionId: tx.transactionId });
        await store.saveTransaction(tx);
        assert.equal(await store.addToInbox(e, 1000), true);
        await store.claimInbox(1000, 500, 10);
        await store.markOnce('success', e.transferId);
        await store.appendStatus(update(tx.transactionId, 'pending'));
        await store.appendStatus(update(tx.transactionId, 'succeeded'));
        await store.putOnce('ledger', e.transferId, { amount: BIG });
        await store.saveAccessTokens('user-1', 'coinbase', { accessToken: 'secret' });
        const stranger = event();
        assert.deepEqual(await store.admitWebhook(stranger, 1000), { matched: false, fresh: true });

        const reopened = await fixture.reopen();
        extra.push(reopened);
        assert.deepEqual(await reopened.getTransaction(tx.transactionId), tx);
        assert.deepEqual(await reopened.findTransactionByOrder(tx.orderId), tx);
        assert.equal(await reopened.addToInbox(e, 2000), false, 'still a duplicate after the restart');
        assert.deepEqual(await reopened.claimInbox(1499, 500, 10), [], 'the lease survived too');
        const [resumed] = await reopened.claimInbox(1500, 500, 10);
        assert.deepEqual(resumed?.event, e, 'an unfinished entry is resumed');
        assert.equal(resumed?.attempts, 2);
        assert.equal(await reopened.markOnce('success', e.transferId), false);
        assert.deepEqual((await reopened.statusesSince(tx.transactionId, 0)).map((s) => s.update.status), ['pending', 'succeeded']);
        assert.equal((await reopened.appendStatus(update(tx.transactionId, 'late'))).seq, 3);
        assert.deepEqual(await reopened.listRecords('ledger'), [{ amount: BIG }]);
        assert.deepEqual(await reopened.getAccessTokens('user-1'), [{ accessToken: 'secret' }]);
        assert.deepEqual(await reopened.admitWebhook(stranger, 2000), { matched: false, fresh: false }, 'an unmatched delivery too');
        assert.deepEqual(await reopened.admitWebhook({ ...e, id: uid('retry') }, 2000), { matched: true, fresh: false });
      });
    });
  });
}
