/**
 * Where a payment in flight is kept (sessionStorage), and the one question the element's entry asks
 * of it: is there one for this order, and in which status? Reading and trusting the record is the payment driver's job
 * (payment-session.ts, in the lazily loaded half), which the element loads at once when there is.
 */

/** One key per (token route, order): two buttons for two orders never share a record. */
export function sessionKey(tokenUrl: string, orderId: string | undefined): string {
  return `mesh-pay:${tokenUrl}#${orderId ?? ''}`;
}

/**
 * The status saved with this order's record ('' when the record has none), or undefined when there is
 * no readable record. Storage can throw (Safari private mode, sandboxed iframes, disabled cookies) or
 * be missing (Node): then there is simply nothing to resume.
 */
export function savedPaymentStatus(tokenUrl: string, orderId: string | undefined): string | undefined {
  try {
    const raw = sessionStorage.getItem(sessionKey(tokenUrl, orderId));
    return raw === null ? undefined : `${JSON.parse(raw)?.status ?? ''}`;
  } catch {
    return undefined;
  }
}
