/**
 * When a failed fulfilment is tried again, or given up on. Pure (the caller passes the clock and
 * the dice), so the schedule is proven by property tests rather than by waiting hours.
 *
 * Why this shape: a merchant's database that is down for an afternoon must not cost a paid order.
 * So the kit keeps trying for a whole window (`retryForMs`, 72 h by default) instead of a fixed
 * number of attempts, backing off exponentially from `baseDelayMs` up to `maxDelayMs` (1 h) so an
 * outage costs a few dozen attempts per event, not thousands. Each delay is "equal jitter"
 * (uniform in [d/2, d]): instances and events that failed together do not retry in lock-step
 * against a database that is just coming back, yet no delay collapses to zero. The last attempt is
 * pulled in to the end of the window, so an event is never declared dead before it was tried at
 * (or after) its deadline.
 */

export interface RetryPolicy {
  /** First delay; doubles each attempt. */
  baseDelayMs: number;
  /** Cap on one delay. */
  maxDelayMs: number;
  /** How long after the window opened (receipt, or an operator's retry) attempts go on. */
  retryForMs: number;
  /** Deprecated hard cap on attempts within one window; `Infinity` when unset. */
  maxAttempts: number;
}

export type RetryVerdict =
  /** Try again at `at` (epoch ms). */
  | { kind: 'retry'; at: number; delayMs: number }
  /** The window is over (or the attempt cap reached): settle the entry as `dead`. */
  | { kind: 'dead'; reason: 'window' | 'attempts' };

/**
 * What to do after attempt number `attempt` (1-based, within the current window) failed at `now`.
 * `windowStart` is when the window opened; `random` is a number in [0, 1).
 */
export function nextRetry(policy: RetryPolicy, attempt: number, windowStart: number, now: number, random: number): RetryVerdict {
  const deadline = windowStart + policy.retryForMs;
  if (attempt >= policy.maxAttempts) return { kind: 'dead', reason: 'attempts' };
  if (now >= deadline) return { kind: 'dead', reason: 'window' };
  const ceiling = backoffCeiling(policy, attempt);
  const r = Number.isFinite(random) ? Math.min(Math.max(random, 0), 1) : 0.5;
  const jittered = Math.ceil(ceiling / 2 + (ceiling / 2) * r);
  const delayMs = Math.max(1, Math.min(jittered, deadline - now));
  return { kind: 'retry', at: now + delayMs, delayMs };
}

/** `min(maxDelayMs, baseDelayMs · 2^(attempt-1))`, without overflowing for large attempt counts. */
export function backoffCeiling(policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, attempt: number): number {
  const base = Math.max(1, policy.baseDelayMs);
  const cap = Math.max(base, policy.maxDelayMs);
  if (attempt === Infinity) return cap;
  const exponent = attempt >= 1 ? Math.floor(attempt) - 1 : 0;
  // 2^exponent beyond cap/base is the cap anyway; stop before Infinity.
  if (exponent >= Math.log2(cap / base) + 1) return cap;
  return Math.min(cap, base * 2 ** exponent);
}
