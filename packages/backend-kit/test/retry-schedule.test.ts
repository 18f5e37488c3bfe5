/**
 * The retry schedule, proven for every attempt count, window and dice roll rather than by waiting
 * 72 hours: a merchant whose database is down for an afternoon gets a few dozen polite attempts,
 * never a stampede, and the event is only declared dead once its window is really over.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { backoffCeiling, nextRetry, type RetryPolicy } from '../src/retry-schedule.js';

const HOUR = 3600_000;
const DEFAULTS: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: HOUR, retryForMs: 72 * HOUR, maxAttempts: Infinity };

const policies = fc.record({
  baseDelayMs: fc.integer({ min: 1, max: 60_000 }),
  maxDelayMs: fc.integer({ min: 1, max: 24 * HOUR }),
  retryForMs: fc.integer({ min: 1, max: 30 * 24 * HOUR }),
  maxAttempts: fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: 1000 })),
});
const dice = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('retry schedule', () => {
  it('never waits longer than the cap, nor retries sooner than half the backoff or after the window ends', () => {
    fc.assert(
      fc.property(policies, fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 40 * 24 * HOUR }), dice, (policy, attempt, elapsed, random) => {
        const windowStart = 1_764_000_000_000;
        const now = windowStart + elapsed;
        const verdict = nextRetry(policy, attempt, windowStart, now, random);
        if (verdict.kind === 'dead') return;
        const ceiling = backoffCeiling(policy, attempt);
        assert.ok(verdict.delayMs >= 1);
        assert.ok(verdict.delayMs <= Math.max(policy.maxDelayMs, policy.baseDelayMs), 'capped');
        assert.ok(verdict.at <= windowStart + policy.retryForMs, 'the last attempt is inside the window');
        assert.equal(verdict.at, now + verdict.delayMs);
        const untilDeadline = windowStart + policy.retryForMs - now;
        assert.ok(verdict.delayMs >= Math.min(Math.floor(ceiling / 2), untilDeadline), 'jitter never collapses to zero');
      }),
    );
  });

  it('declares an event dead exactly when its window is over (or the deprecated attempt cap is reached)', () => {
    fc.assert(
      fc.property(policies, fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 40 * 24 * HOUR }), dice, (policy, attempt, elapsed, random) => {
        const verdict = nextRetry(policy, attempt, 0, elapsed, random);
        const windowOver = elapsed >= policy.retryForMs;
        const capped = attempt >= policy.maxAttempts;
        assert.equal(verdict.kind === 'dead', windowOver || capped);
        if (verdict.kind === 'dead') assert.equal(verdict.reason, capped ? 'attempts' : 'window');
      }),
    );
  });

  it('backs off exponentially: each ceiling doubles until it meets the cap, then stays there', () => {
    fc.assert(
      fc.property(policies, fc.integer({ min: 1, max: 5000 }), (policy, attempt) => {
        const a = backoffCeiling(policy, attempt);
        const b = backoffCeiling(policy, attempt + 1);
        const cap = Math.max(policy.baseDelayMs, policy.maxDelayMs);
        assert.ok(b >= a, 'never shrinks');
        assert.ok(b === cap || b === 2 * a, `doubles or is capped (${a} → ${b})`);
        assert.ok(Number.isFinite(b));
      }),
    );
  });

  it('spreads events that failed together instead of retrying them in lock-step', () => {
    const times = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const v = nextRetry(DEFAULTS, 6, 0, 60_000, i / 50);
      assert.equal(v.kind, 'retry');
      if (v.kind === 'retry') times.add(v.at);
    }
    assert.ok(times.size >= 45, `50 events got ${times.size} distinct retry times`);
  });

  it('with the defaults, an outage of a whole afternoon costs under 50 attempts and the window is 72 hours', () => {
    // Walk the schedule with the worst dice (the shortest delays) through a 6-hour outage.
    let now = 0;
    let attempt = 1;
    while (now < 6 * HOUR) {
      const v = nextRetry(DEFAULTS, attempt, 0, now, 0);
      assert.equal(v.kind, 'retry');
      if (v.kind !== 'retry') break;
      now = v.at;
      attempt++;
    }
    assert.ok(attempt < 50, `${attempt} attempts`);
    // And the last attempts of the window: still retried just before 72 h, dead at 72 h.
    const late = nextRetry(DEFAULTS, 90, 0, 72 * HOUR - 10, 0.99);
    assert.deepEqual(late, { kind: 'retry', at: 72 * HOUR, delayMs: 10 });
    assert.deepEqual(nextRetry(DEFAULTS, 91, 0, 72 * HOUR, 0.5), { kind: 'dead', reason: 'window' });
  });

  it('survives garbage dice and attempt numbers without producing NaN or a past time', () => {
    for (const random of [-1, 2, Number.NaN, Infinity]) {
      for (const attempt of [0, -3, 1.5, 1e300, Number.MAX_SAFE_INTEGER, Number.NaN, Infinity]) {
        const v = nextRetry(DEFAULTS, attempt, 0, 1000, random);
        if (v.kind === 'retry') {
          assert.ok(Number.isFinite(v.at) && v.at > 1000, `attempt ${attempt}, dice ${random}: ${v.at}`);
        }
      }
    }
  });
});
