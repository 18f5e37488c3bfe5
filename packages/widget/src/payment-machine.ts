/**
 * The payment flow as an explicit, pure state machine. Nothing sets a status without it: the payment
 * driver (the element's lazily loaded half) asks `nextStatus()` for every event and ignores a step the
 * table does not allow (say, `succeeded` straight from `preparing`), so no event arriving late or out
 * of order can show the customer a lie. Before the driver has loaded, the element itself takes only
 * steps the table allows: `start` on a click (`idle`/`error` → `preparing`); `resume` for a saved
 * payment that may still settle (`idle` → `confirming` on connect, `error` → `confirming` on Retry
 * after the driver failed to download for it: never `start`, which would mint a second payment);
 * and `fail` when that download fails (→ `error`). A driver that arrives at such an `error` (say on
 * the next intent) resumes the saved payment too.
 * `transition()` is the strict form (it throws `InvalidTransitionError`), for tests and integrators.
 * Only the server's stream (`serverSucceeded`) leads to `succeeded`; only `reset` leaves it.
 */
import type { PaymentStatus } from './payment-status.js';

export { isBusy, type PaymentStatus } from './payment-status.js';

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
  /** Follow the server's status stream again (after a reload, or Retry after the stream broke or after the driver failed to download for a saved payment). */
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

/** Every status the button can be in, in the order a payment meets them (the table has a row for each). */
export const PAYMENT_STATUSES = Object.keys(TABLE) as readonly PaymentStatus[];

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
