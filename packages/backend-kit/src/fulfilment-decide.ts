/**
 * What to do with one transfer event: a pure function, so every rule about crediting and
 * publishing can be read (and tested) in one place. The inbox worker only carries it out.
 */
import type { Destination, StatusUpdate, TransactionRecord, TransferEvent, TransferStatus } from './store.js';

/** Statuses that end a transaction's stream. Refund statuses come later and never end or reopen anything. */
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
 * What the kit made of one event. Credited: `credit`, `overpaid`. Never credited: everything else.
 * - `credit`: a `succeeded` event that pays a destination the order chose, confirmed by Mesh's API
 *   (unless `verifyTransfers` is off) and paying the price (within the merchant's tolerance).
 * - `overpaid`: as `credit`, but Mesh (or the webhook's `DestinationAmount`) shows more than the price: credited and reported.
 * - `underpaid`: paid less than the price (beyond the tolerance): not credited, shown as status `underpaid`.
 * - `mismatch`: another transaction, a destination/token/chain the order did not choose, or Mesh's
 *   record of the transfer contradicts the webhook (other transaction, failed, elsewhere): not credited, shown as `mismatch`.
 * - `conflict`: the transfer (or transaction) already ended the other way (`succeeded` after `failed`,
 *   `failed` after `succeeded`): the first terminal status wins, nothing changes, the merchant is told.
 * - `fail`: a `failed` event → failure hook.
 * - `refund`: `RefundPending`/`RefundSucceeded`: stored, shown, reported; never credited or un-credited.
 * - `update`: anything else (pending, processing, unknown statuses).
 */
export type Verdict = 'credit' | 'overpaid' | 'underpaid' | 'mismatch' | 'conflict' | 'fail' | 'refund' | 'update';

/** Verdicts under which the transfer is credited (the success hook runs, once per transferId). */
export const CREDITED_VERDICTS: ReadonlySet<Verdict> = new Set(['credit', 'overpaid']);

/** Verdicts the merchant must look at: recorded in the `mesh-pay:verdicts` collection and the inbox entry. */
export const REPORTED_VERDICTS: ReadonlySet<Verdict> = new Set(['overpaid', 'underpaid', 'mismatch', 'conflict']);

export function isRefundStatus(status: TransferStatus): boolean {
  return status.startsWith('refund');
}

/** What {@link confirmTransfer} found out about a `succeeded` event before it is credited. */
export interface Confirmation {
  verdict: 'credit' | 'overpaid' | 'underpaid' | 'mismatch';
  reason?: string;
}

export interface Decision {
  verdict: Verdict;
  /** The status to append to the stream, or undefined when it would repeat or move a terminal status back. */
  publish?: StatusUpdate;
  /** Why the verdict is not a plain credit (for logs, the hook and the inbox entry). */
  reason?: string;
}

/** EVM addresses (0x + 40 hex) compare case-insensitively; every other address exactly. */
export function sameAddress(a: string, b: string): boolean {
  const evm = /^0x[0-9a-fA-F]{40}$/;
  if (evm.test(a) && evm.test(b)) return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

export const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

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
 * Contradictions: the first terminal status of a transaction wins, for the credit and the shown
 * status alike. A `succeeded` after a `failed` is a `conflict` (never credited: the shopper was
 * shown "failed"); a `failed` after a `succeeded` of the same transfer is a `conflict` (the credit
 * stands, the status stays `succeeded`). Either way nothing is published and the merchant is told.
 *
 * @param current the transaction's current status (see {@link currentStatus}), if any.
 * @param now ISO time for the published update.
 * @param confirmation for a `succeeded` event, what Mesh's API (or the webhook alone) says about payment.
 */
export function decide(
  event: TransferEvent,
  transaction: TransactionRecord,
  current: StatusUpdate | undefined,
  now: string,
  confirmation?: Confirmation,
): Decision {
  let verdict: Verdict = 'update';
  let reason: string | undefined;
  let status: TransferStatus = event.status;

  if (event.transactionId !== transaction.transactionId) {
    verdict = 'mismatch';
    reason = 'event is for another transaction';
  } else if (event.status === 'succeeded') {
    const match = matchDestination(event, transaction.destinations);
    if (!('destination' in match)) {
      verdict = 'mismatch';
      reason = match.reason;
    } else if (current?.status === 'failed') {
      verdict = 'conflict';
      reason =
        current.transferId === event.transferId
          ? 'succeeded after this transfer failed; the first terminal status (failed) stands'
          : `succeeded after transfer ${current.transferId} of this transaction failed; the first terminal status (failed) stands`;
    } else if (confirmation) {
      verdict = confirmation.verdict;
      reason = confirmation.reason;
    } else {
      verdict = 'credit';
    }
  } else if (event.status === 'failed') {
    if (current?.status === 'succeeded' && current.transferId === event.transferId) {
      verdict = 'conflict';
      reason = 'failed after this transfer succeeded; the first terminal status (succeeded) and the credit stand';
    } else {
      verdict = 'fail';
    }
  } else if (isRefundStatus(event.status)) {
    verdict = 'refund';
  }
  // The browser must never read "succeeded" for money that went somewhere else or fell short.
  if (verdict === 'mismatch' || verdict === 'underpaid') status = verdict;

  const decision: Decision = { verdict };
  if (reason) decision.reason = reason;
  if (verdict === 'conflict') return decision;

  const repeats = current && current.status === status && current.transferId === event.transferId;
  // Out of order (succeeded, then a late pending): a terminal status is final. Refunds come after it by nature.
  const movesBack = current && isTerminal(current.status) && verdict !== 'refund';
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
