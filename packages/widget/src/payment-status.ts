/**
 * The statuses of a payment, apart from the machine that moves between them (payment-machine.ts):
 * the element reflects them from its entry, the machine runs in the lazily loaded half.
 */

/** Every status the button can be in; reflected as the `status` attribute and as `:state(<status>)`. */
export const PAYMENT_STATUSES = [
  'idle',
  'preparing',
  'open',
  'confirming',
  'succeeded',
  'failed',
  'cancelled',
  'error',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Statuses during which a click must not start another attempt (single flight). */
export function isBusy(status: PaymentStatus): boolean {
  return status === 'preparing' || status === 'open' || status === 'confirming';
}

export function isPaymentStatus(value: unknown): value is PaymentStatus {
  return typeof value === 'string' && (PAYMENT_STATUSES as readonly string[]).includes(value);
}
