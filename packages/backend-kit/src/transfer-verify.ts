/**
 * Credit only what Mesh confirms. A signed webhook proves Mesh sent it, not that the money arrived
 * where and in the amount the order asked for; so before a `succeeded` is credited the kit asks
 * Mesh's API for its record of the transfer and compares. The comparison ({@link judgeTransfer}) is
 * pure; {@link confirmTransfer} only fetches and hands over.
 *
 * Which amount is compared with a USD price:
 * - fees added on top (the default): what the destination received, Mesh's `destinationAmountInFiat`
 *   when it reports one, else `amountInFiat`;
 * - `isInclusiveFeeEnabled`: the merchant agreed that fees come out of the price, so the gross
 *   `amountInFiat` the user paid is compared (the destination receives less by design).
 * With a crypto `amount` on the paid destination the token amounts compare exactly: Mesh's
 * `destinationAmount` (else `amount`) and the webhook's `DestinationAmount`; with inclusive fees
 * only Mesh's gross `amount` (the destination receives less by design).
 */
import type { ResolvedConfig } from './config.js';
import { addDecimals, compareDecimals, isDecimal, subtractDecimals } from './exact-decimal.js';
import { matchDestination, sameAddress, sameName, type Confirmation } from './fulfilment-decide.js';
import type { MeshClient, MeshTransfer } from './mesh-client.js';
import type { Destination, TransactionRecord, TransferEvent } from './store.js';

/**
 * Mesh cannot confirm the transfer yet (it lists no such transfer, or still reports it pending):
 * the credit waits and the inbox worker retries the event. Never credited blind.
 */
export class TransferNotConfirmedError extends Error {
  override readonly name = 'TransferNotConfirmedError';
  readonly code = 'MESH_PAY_TRANSFER_UNCONFIRMED';
}

export interface JudgeInput {
  event: TransferEvent;
  transaction: TransactionRecord;
  /** Mesh's record of `event.transferId`; `undefined` when Mesh lists none; `'off'` when verification is off. */
  mesh: MeshTransfer | undefined | 'off';
  /** USD a payment may fall short of the price and still be credited (decimal text). */
  underpaymentToleranceInFiat: string;
}

/** Either a confirmation, or why the credit must wait. */
export type Judgement = Confirmation | { wait: string };

/** Does Mesh's record of the transfer confirm the webhook's `succeeded`, and did it pay the price? */
export function judgeTransfer({ event, transaction, mesh, underpaymentToleranceInFiat }: JudgeInput): Judgement {
  const named = matchDestination(event, transaction.destinations);
  if (!('destination' in named)) return { verdict: 'mismatch', reason: named.reason };
  const inclusive = transaction.isInclusiveFeeEnabled === true;
  if (mesh === 'off') {
    // Only the webhook can be checked: a crypto price against its DestinationAmount.
    return worst([inclusive ? undefined : cryptoCheck('the webhook', event.destinationAmount, named.destination)]);
  }
  if (mesh === undefined) return { wait: `Mesh lists no transfer ${event.transferId} yet` };

  if (mesh.transactionId !== transaction.transactionId) {
    return {
      verdict: 'mismatch',
      reason: mesh.transactionId
        ? `Mesh records transfer ${mesh.transferId} for transaction ${mesh.transactionId}, not ${transaction.transactionId}`
        : `Mesh's record of transfer ${mesh.transferId} names no transaction`,
    };
  }
  if (mesh.status === 'failed') return { verdict: 'mismatch', reason: `Mesh reports transfer ${mesh.transferId} failed` };
  if (mesh.status !== 'succeeded') return { wait: `Mesh reports transfer ${mesh.transferId} as ${mesh.status}, not succeeded yet` };

  const paidTo = meshDestination(mesh, transaction.destinations);
  if ('reason' in paidTo) return { verdict: 'mismatch', reason: paidTo.reason };
  const { destination } = paidTo;

  const checks: (Confirmation | undefined)[] = [];
  if (transaction.amountInFiat !== undefined) {
    const paid = inclusive ? mesh.amountInFiat : (mesh.destinationAmountInFiat ?? mesh.amountInFiat);
    checks.push(fiatCheck(paid, transaction.amountInFiat, underpaymentToleranceInFiat));
  }
  if (destination.amount !== undefined) {
    if (inclusive) {
      checks.push(cryptoCheck("Mesh's amount", mesh.amount, destination));
    } else {
      checks.push(cryptoCheck("Mesh's destinationAmount", mesh.destinationAmount ?? mesh.amount, destination));
      checks.push(cryptoCheck('the webhook', event.destinationAmount, destination));
    }
  }
  return worst(checks);
}

/** The order's destination that Mesh says the transfer went to (address, token and network). */
function meshDestination(mesh: MeshTransfer, destinations: readonly Destination[]): { destination: Destination } | { reason: string } {
  const { destinationAddress, token, networkId } = mesh;
  if (!destinationAddress || !token || !networkId) {
    return { reason: `Mesh's record of transfer ${mesh.transferId} lacks destinationAddress, symbol or networkId` };
  }
  const destination = destinations.find(
    (d) => sameAddress(d.address, destinationAddress) && sameName(d.token, token) && sameName(d.networkId, networkId),
  );
  return destination
    ? { destination }
    : { reason: `Mesh says transfer ${mesh.transferId} paid ${token} to ${destinationAddress} on network ${networkId}, not a destination of this order` };
}

function fiatCheck(paid: string | undefined, price: string, tolerance: string): Confirmation {
  if (paid === undefined || !isDecimal(paid)) return { verdict: 'mismatch', reason: "Mesh's record has no USD amount to compare with the price" };
  if (compareDecimals(addDecimals(paid, tolerance), price) < 0) {
    return { verdict: 'underpaid', reason: `paid ${paid} USD of ${price} USD (short by ${subtractDecimals(price, paid)}, tolerance ${tolerance})` };
  }
  if (compareDecimals(paid, price) > 0) {
    return { verdict: 'overpaid', reason: `paid ${paid} USD for ${price} USD (over by ${subtractDecimals(paid, price)})` };
  }
  return { verdict: 'credit' };
}

function cryptoCheck(source: string, paid: string | undefined, destination: Destination): Confirmation | undefined {
  const price = destination.amount;
  if (price === undefined) return undefined;
  if (paid === undefined || !isDecimal(paid)) {
    return { verdict: 'mismatch', reason: `${source} has no ${destination.token} amount to compare with ${price}` };
  }
  const order = compareDecimals(paid, price);
  if (order < 0) return { verdict: 'underpaid', reason: `${source}: ${paid} ${destination.token} of ${price}` };
  if (order > 0) return { verdict: 'overpaid', reason: `${source}: ${paid} ${destination.token} for ${price}` };
  return { verdict: 'credit' };
}

const SEVERITY: Record<Confirmation['verdict'], number> = { credit: 0, overpaid: 1, underpaid: 2, mismatch: 3 };

/** The most serious of several checks; reasons of equally serious ones are joined. */
function worst(checks: readonly (Confirmation | undefined)[]): Confirmation {
  const found = checks.filter((c): c is Confirmation => c !== undefined);
  const top = found.reduce<Confirmation['verdict']>((v, c) => (SEVERITY[c.verdict] > SEVERITY[v] ? c.verdict : v), 'credit');
  const reasons = found.filter((c) => c.verdict === top && c.reason).map((c) => c.reason);
  return reasons.length > 0 ? { verdict: top, reason: reasons.join('; ') } : { verdict: top };
}

/** What the inbox worker calls before deciding: `undefined` for events that credit nothing. */
export type TransferConfirmer = (event: TransferEvent, transaction: TransactionRecord) => Promise<Confirmation | undefined>;

/**
 * Builds the worker's confirmer. For a `succeeded` event that names this transaction and a chosen
 * destination, asks Mesh (unless verification is off) and judges. Throws — so the worker retries
 * the event later — while Mesh cannot be asked (timeout, 5xx, network: the client's `MeshPayError`)
 * or cannot confirm yet ({@link TransferNotConfirmedError}).
 */
export function transferConfirmer(deps: { mesh: MeshClient; verify: ResolvedConfig['verifyTransfers'] }): TransferConfirmer {
  return async (event, transaction) => {
    if (event.status !== 'succeeded' || event.transactionId !== transaction.transactionId) return undefined;
    if (!('destination' in matchDestination(event, transaction.destinations))) return undefined;
    const tolerance = deps.verify === false ? '0' : deps.verify.underpaymentToleranceInFiat;
    const mesh = deps.verify === false ? 'off' : await deps.mesh.getTransfer(event.transferId);
    const judgement = judgeTransfer({ event, transaction, mesh, underpaymentToleranceInFiat: tolerance });
    if ('wait' in judgement) throw new TransferNotConfirmedError(judgement.wait);
    return judgement;
  };
}
