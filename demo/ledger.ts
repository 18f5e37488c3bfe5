import { setTimeout as sleep } from 'node:timers/promises';
import type { HookTransaction } from '@mesh-pay/backend-kit';
import { Router, type Request, type Response } from 'express';
import { sendProblem } from './problem.js';

/**
 * The demo's fulfilment: crediting a paid order in the merchant's ledger. It is the hook the backend
 * kit calls once a `succeeded` webhook is stored. The kit calls it at least once per TransferId; the
 * ledger makes the credit exactly once by writing it with an atomic insert-if-absent keyed by
 * TransferId, so a re-run after a crash, a duplicate webhook or a second instance sharing the store
 * all land on the same single entry.
 *
 * Where the entries live is a {@link LedgerBook}: by default the kit store's records (any store);
 * on PostgreSQL a real table written through the hook's `tx` (postgres-ledger.ts), so the credit
 * commits in the same transaction as the kit's "credited" mark.
 */

/** The store collection the ledger lives in (shared by every instance that shares `MESH_STORE`). */
export const LEDGER_COLLECTION = 'ledger';

/** One credited transfer, as `GET /api/ledger` shows it. Amounts are decimal strings, as Mesh sent them. */
export interface LedgerEntry {
  orderId: string;
  transactionId: string;
  transferId: string;
  token: string | null;
  chain: string | null;
  sourceAmount: string | null;
  txHash: string | null;
  /** ISO 8601. */
  creditedAt: string;
}

/** The part of the kit's store the ledger needs. */
export interface LedgerStore {
  putOnce(collection: string, key: string, value: unknown): Promise<boolean>;
  listRecords(collection: string): Promise<unknown[]>;
}

/** The fields of the kit's success-hook argument the ledger reads. */
export interface SucceededTransfer {
  /** The kit's database transaction, on PostgreSQL only. */
  tx?: HookTransaction;
  event: {
    transferId: string;
    transactionId: string;
    token?: string;
    chain?: string;
    sourceAmount?: string;
    txHash?: string;
  };
  transaction?: { orderId: string } | undefined;
}

/** Builds the entry to credit for a succeeded transfer (pure: the caller supplies the clock). */
export function ledgerEntryFor({ event, transaction }: SucceededTransfer, creditedAt: Date): LedgerEntry {
  return {
    orderId: transaction?.orderId ?? '',
    transactionId: event.transactionId,
    transferId: event.transferId,
    token: event.token ?? null,
    chain: event.chain ?? null,
    sourceAmount: event.sourceAmount ?? null,
    txHash: event.txHash ?? null,
    creditedAt: creditedAt.toISOString(),
  };
}

function isLedgerEntry(value: unknown): value is LedgerEntry {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.transferId === 'string' && typeof v.transactionId === 'string' && typeof v.creditedAt === 'string';
}

/** Thrown by the demo's credit hook during a simulated outage (`DEMO_CREDIT_FAIL_MS`). */
export class SimulatedOutageError extends Error {
  readonly code = 'DEMO_LEDGER_DOWN';
  constructor(remainingMs: number) {
    super(`the demo ledger is down on purpose (DEMO_CREDIT_FAIL_MS) for another ${Math.ceil(remainingMs / 1000)} s`);
    this.name = 'SimulatedOutageError';
  }
}

/** Thrown by the demo's credit hook at random (`DEMO_CREDIT_FAIL_ONE_IN`), for chaos tests. */
export class FlakyLedgerError extends Error {
  readonly code = 'DEMO_LEDGER_FLAKY';
  constructor(oneIn: number) {
    super(`the demo ledger failed on purpose (DEMO_CREDIT_FAIL_ONE_IN=${oneIn})`);
    this.name = 'FlakyLedgerError';
  }
}

/** Where ledger entries are kept. */
export interface LedgerBook {
  /** Adds the entry unless its transfer is already credited; `true` when this call added it. */
  add(entry: LedgerEntry, tx?: HookTransaction): Promise<boolean>;
  /** Every entry, oldest first. */
  list(): Promise<unknown[]>;
}

/** The ledger in the kit store's records collection `ledger`: works on every store. */
export function recordsLedgerBook(store: LedgerStore): LedgerBook {
  return {
    add: (entry) => store.putOnce(LEDGER_COLLECTION, entry.transferId, entry),
    list: () => store.listRecords(LEDGER_COLLECTION),
  };
}

export interface LedgerOptions {
  /** Where entries live. Default: the store's records ({@link recordsLedgerBook}). */
  book?: LedgerBook;
  /** Simulated slow fulfilment (`DEMO_CREDIT_DELAY_MS`). */
  creditDelayMs?: number;
  /** Simulated outage (`DEMO_CREDIT_FAIL_MS`): every credit throws until this long after the ledger was created. */
  creditFailMs?: number;
  /** Flaky ledger (`DEMO_CREDIT_FAIL_ONE_IN`): each credit attempt throws with probability 1/N. */
  creditFailOneIn?: number;
  /** The dice for `creditFailOneIn`, a number in [0, 1). */
  random?: () => number;
  /** The clock, for the outage window. */
  now?: () => number;
  /** Where credits are announced; defaults to the console. */
  log?: (line: string) => void;
}

/** The demo ledger: the kit's `onTransferSucceeded` hook and the `GET /api/ledger` route. */
export function createLedger(store: LedgerStore, options: LedgerOptions = {}) {
  const delay = options.creditDelayMs ?? 0;
  const book = options.book ?? recordsLedgerBook(store);
  const log = options.log ?? ((line: string) => console.log(line));
  const now = options.now ?? Date.now;
  const downUntil = now() + (options.creditFailMs ?? 0);
  const failOneIn = options.creditFailOneIn ?? 0;
  const random = options.random ?? Math.random;

  /** Credits a succeeded transfer once. Returns whether this call made the credit. */
  async function onTransferSucceeded(succeeded: SucceededTransfer): Promise<boolean> {
    if (delay > 0) await sleep(delay);
    const remaining = downUntil - now();
    // The merchant's database is "down": the kit must retry, never lose the credit.
    if (remaining > 0) throw new SimulatedOutageError(remaining);
    if (failOneIn > 0 && random() * failOneIn < 1) throw new FlakyLedgerError(failOneIn);
    const entry = ledgerEntryFor(succeeded, new Date());
    const credited = await book.add(entry, succeeded.tx);
    if (credited) log(`ledger: credited order ${entry.orderId} (${entry.sourceAmount ?? '?'} ${entry.token ?? ''} on ${entry.chain ?? '?'}, transfer ${entry.transferId})`);
    return credited;
  }

  async function entries(): Promise<LedgerEntry[]> {
    return (await book.list()).filter(isLedgerEntry);
  }

  const router = Router();
  router.get('/api/ledger', async (_req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store').json({ entries: await entries() });
  });
  router.all('/api/ledger', (_req: Request, res: Response) => {
    res.set('Allow', 'GET, HEAD');
    sendProblem(res, 405, 'Method not allowed', 'The ledger is read-only: only GET is allowed.');
  });

  return { onTransferSucceeded, entries, router };
}
