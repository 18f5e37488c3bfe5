import { isPaymentStatus, type PaymentStatus } from './payment-status.js';

/** The in-flight payment, kept in sessionStorage so a reload shows the true state. */
export interface SavedPayment {
  statusUrl: string;
  transactionId: string;
  /** `id:` of the last status event seen, to resume the stream without repeats. */
  lastEventId?: string;
  status: PaymentStatus;
}

const PREFIX = 'mesh-pay:';

/** One key per (token route, order): two buttons for two orders never share a record. */
export function sessionKey(tokenUrl: string, orderId: string | undefined): string {
  return `${PREFIX}${tokenUrl}#${orderId ?? ''}`;
}

// Storage can throw (Safari private mode, sandboxed iframes, disabled cookies): then we simply
// do not persist, the payment itself still works.
function storage(): Storage | undefined {
  try {
    return typeof sessionStorage === 'undefined' ? undefined : sessionStorage;
  } catch {
    return undefined;
  }
}

export function loadPayment(key: string): SavedPayment | undefined {
  try {
    const raw = storage()?.getItem(key);
    if (!raw) return undefined;
    return parseSavedPayment(JSON.parse(raw));
  } catch {
    return undefined;
  }
}

/** Validates a stored record; anything malformed (tampered, older format) is ignored. */
export function parseSavedPayment(value: unknown): SavedPayment | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.statusUrl !== 'string' || typeof v.transactionId !== 'string' || !isPaymentStatus(v.status)) return undefined;
  if (v.lastEventId !== undefined && typeof v.lastEventId !== 'string') return undefined;
  const saved: SavedPayment = { statusUrl: v.statusUrl, transactionId: v.transactionId, status: v.status };
  if (typeof v.lastEventId === 'string') saved.lastEventId = v.lastEventId;
  return saved;
}

/**
 * The saved status link, absolute, when it points at the token route's own origin; undefined
 * otherwise. sessionStorage is writable by any script on the page: a record must not be able to send
 * the button (and the shopper's cookies) to a stream of someone else's choosing.
 */
export function trustedStatusUrl(statusUrl: string, tokenUrl: string): string | undefined {
  try {
    const route = new URL(tokenUrl, location.href);
    const url = new URL(statusUrl, route);
    return url.origin === route.origin ? url.href : undefined;
  } catch {
    return undefined;
  }
}

export function savePayment(key: string, payment: SavedPayment): void {
  try {
    storage()?.setItem(key, JSON.stringify(payment));
  } catch {
    /* quota or disabled storage: persistence is best effort */
  }
}

export function clearPayment(key: string): void {
  try {
    storage()?.removeItem(key);
  } catch {
    /* see savePayment */
  }
}
