/**
 * What to do with one transfer event: a pure function, so every rule about crediting and
 * publishing can be read (and tested) in one place. The inbox worker only carries it out.
 */
import type { Destination, StatusUpdate, TransactionRecord, TransferEvent, TransferStatus } from './store.js';

export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed']);

export function isTerminal(status: TransferStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/**
 * The transaction's current status from its log: the first terminal one if there is any (a terminal
 * status is final, even if a racing instance appended something after it), else the latest.
 */
export function currentStatus<T extends { update: StatusUpdate }>(history: readonly T[]): T | undefined {
  return history.find((h) => isTerminal(h.update.status)) ?? history.at(-1);
}

/**
 * - `credit`: a `succeeded` event whose destination matches the transaction → success hook (once per transferId).
 * - `fail`: a `failed` event → failure hook.
 * - `mismatch`: a `succeeded` event whose destination, token or chain is not one the resolver chose → never credited.
 * - `update`: anything else (pending, processing, unknown statuses).
 */
export type Verdict = 'credit' | 'fail' | 'mismatch' | 'update';

export interface Decision {
  verdict: Verdict;
  /** The status to append to the stream, or undefined when it would repeat or move a terminal status back. */
  publish?: StatusUpdate;
  /** Why a mismatch was refused (for logs and the inbox entry). */
  reason?: string;
}

/** EVM addresses (0x + 40 hex) compare case-insensitively; every other address exactly. */
function sameAddress(a: string, b: string): boolean {
  const evm = /^0x[0-9a-fA-F]{40}$/;
  if (evm.test(a) && evm.test(b)) return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** Which of the transaction's destinations the event paid, if any; else the reason it matches none. */
export function matchDestination(
  event: TransferEvent,
  destinations: readonly Destination[],
): { destination: Destination } | { reason: string } {
  const { destinationAddress, token, chain } = event;
  if (!destinationAddress || !token || !chain) {
    return { reason: 'event lacks destinationAddress, token or chain' };
  }
  const destination = destinations.find(
    (d) => sameAddress(d.address, destinationAddress) && sameName(d.token, token) && sameName(d.chain, chain),
  );
  return destination
    ? { destination }
    : { reason: `destination ${destinationAddress} / ${token} on ${chain} is not one this transaction expects` };
}

/**
 * Decides the verdict and what to publish.
 *
 * @param current the latest status already published for the transaction, if any.
 * @param now ISO time for the published update.
 */
export function decide(
  event: TransferEvent,
  transaction: TransactionRecord,
  current: StatusUpdate | undefined,
  now: string,
): Decision {
  let verdict: Verdict = 'update';
  let reason: string | undefined;
  let status: TransferStatus = event.status;

  if (event.transactionId !== transaction.transactionId) {
    verdict = 'mismatch';
    reason = 'event is for another transaction';
  } else if (event.status === 'succeeded') {
    const match = matchDestination(event, transaction.destinations);
    if ('destination' in match) verdict = 'credit';
    else {
      verdict = 'mismatch';
      reason = match.reason;
    }
  } else if (event.status === 'failed') {
    verdict = 'fail';
  }
  // The browser must never read "succeeded" for money that went somewhere else.
  if (verdict === 'mismatch') status = 'mismatch';

  const decision: Decision = { verdict };
  if (reason) decision.reason = reason;

  const repeats = current && current.status === status && current.transferId === event.transferId;
  // Out of order (succeeded, then a late pending): a terminal status is final.
  const movesBack = current && isTerminal(current.status);
  if (!repeats && !movesBack) {
    const update: StatusUpdate = { transactionId: transaction.transactionId, transferId: event.transferId, status, at: now };
    if (event.txHash) update.txHash = event.txHash;
    if (event.sourceAmount) update.sourceAmount = event.sourceAmount;
    if (event.destinationAmount) update.destinationAmount = event.destinationAmount;
    if (event.token) update.token = event.token;
    if (event.chain) update.chain = event.chain;
    decision.publish = update;
  }
  return decision;
}
