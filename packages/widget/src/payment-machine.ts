/**
 * The payment flow as an explicit, pure state machine. Nothing sets a status without it: the payment
 * driver (the element's lazily loaded half) asks `nextStatus()` for every event and ignores a step the
 * table does not allow (say, `succeeded` straight from `preparing`), so no event arriving late or out
 * of order can show the customer a lie. Before the driver has loaded, the element itself takes only
 * the table's two first steps: `idle` --start--> `preparing` on a click, and `idle` --resume-->
 * `confirming` for a saved payment the server will confirm.
 * `transition()` is the strict form (it throws `InvalidTransitionError`), for tests and integrators.
 * Only the server's stream (`serverSucceeded`) leads to `succeeded`; only `reset` leaves it.
 */
import type { PaymentStatus } from './payment-status.js';

export { PAYMENT_STATUSES, isBusy, type PaymentStatus } from './payment-status.js';

/** What can happen to a payment. */
export type PaymentEvent =
  /** The customer asked to pay (click, Enter, Space, Retry). */
  | 'start'
  /** Link is showing. */
  | 'opened'
  /** The token was expired/used: a fresh one is being minted. */
  | 'remint'
  /** Link reported `transferFinished`: the provider accepted the transfer, funds not yet confirmed. */
  | 'transferFinished'
  /** The customer closed Link without finishing. */
  | 'exit'
  /** The server says the transfer is under way (after a reload this proves a transfer exists). */
  | 'serverPending'
  /** The server confirmed the transfer (from the status stream only). */
  | 'serverSucceeded'
  /** The server reports the transfer failed (from the status stream only). */
  | 'serverFailed'
  /** Something broke (token route, SDK load, stream). */
  | 'fail'
  /** Follow the server's status stream again (after a reload, or Retry after the stream broke). */
  | 'resume'
  /** Back to the start, e.g. a new order id. */
  | 'reset';

const TABLE: Readonly<Record<PaymentStatus, Partial<Record<PaymentEvent, PaymentStatus>>>> = {
  idle: { start: 'preparing', resume: 'confirming', serverPending: 'confirming', serverSucceeded: 'succeeded', serverFailed: 'failed', reset: 'idle' },
  preparing: { opened: 'open', exit: 'cancelled', fail: 'error', reset: 'idle' },
  open: {
    remint: 'preparing',
    transferFinished: 'confirming',
    exit: 'cancelled',
    fail: 'error',
    serverPending: 'confirming',
    serverSucceeded: 'succeeded',
    serverFailed: 'failed',
    reset: 'idle',
  },
  confirming: { serverPending: 'confirming', serverSucceeded: 'succeeded', serverFailed: 'failed', fail: 'error', reset: 'idle' },
  succeeded: { reset: 'idle' },
  failed: { start: 'preparing', reset: 'idle' },
  cancelled: { start: 'preparing', resume: 'confirming', serverPending: 'confirming', serverSucceeded: 'succeeded', serverFailed: 'failed', reset: 'idle' },
  error: {
    start: 'preparing',
    resume: 'confirming',
    serverPending: 'confirming',
    serverSucceeded: 'succeeded',
    serverFailed: 'failed',
    reset: 'idle',
  },
};

/** Thrown by `transition()` for a step the table does not allow. */
export class InvalidTransitionError extends Error {
  override readonly name = 'InvalidTransitionError';
  readonly code = 'MESH_PAY_INVALID_TRANSITION';
  constructor(
    readonly from: PaymentStatus,
    readonly event: PaymentEvent,
  ) {
    super(`Payment cannot "${event}" while "${from}"`);
  }
}

/** The next status, or `undefined` when `event` is not allowed in `from`. */
export function nextStatus(from: PaymentStatus, event: PaymentEvent): PaymentStatus | undefined {
  return TABLE[from][event];
}

/** The next status; throws InvalidTransitionError when `event` is not allowed in `from`. */
export function transition(from: PaymentStatus, event: PaymentEvent): PaymentStatus {
  const to = nextStatus(from, event);
  if (to === undefined) throw new InvalidTransitionError(from, event);
  return to;
}
