/**
 * The statuses of a payment, apart from the machine that moves between them (payment-machine.ts,
 * which also lists them: PAYMENT_STATUSES): the element reflects them from its entry, the machine
 * runs in the lazily loaded half.
 */

/** Every status the button can be in; reflected as the `status` attribute and as `:state(<status>)`. */
export type PaymentStatus = 'idle' | 'preparing' | 'open' | 'confirming' | 'succeeded' | 'failed' | 'cancelled' | 'error';

/** Statuses during which a click must not start another attempt (single flight). */
export function isBusy(status: PaymentStatus): boolean {
  return status === 'preparing' || status === 'open' || status === 'confirming';
}
