import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidTransitionError, PAYMENT_STATUSES, isBusy, nextStatus, transition, type PaymentEvent, type PaymentStatus } from '../src/payment-machine.js';

const EVENTS: PaymentEvent[] = ['start', 'opened', 'remint', 'transferFinished', 'exit', 'serverPending', 'serverSucceeded', 'serverFailed', 'fail', 'resume', 'reset'];

test('the happy path: idle → preparing → open → confirming → succeeded', () => {
  let s: PaymentStatus = 'idle';
  for (const [event, expected] of [
    ['start', 'preparing'],
    ['opened', 'open'],
    ['transferFinished', 'confirming'],
    ['serverPending', 'confirming'],
    ['serverSucceeded', 'succeeded'],
  ] as const) {
    s = transition(s, event);
    assert.equal(s, expected);
  }
});

test('Link finishing a transfer never means paid: only the server can say succeeded', () => {
  for (const from of PAYMENT_STATUSES) {
    if (nextStatus(from, 'transferFinished') !== undefined) assert.equal(nextStatus(from, 'transferFinished'), 'confirming');
  }
  // From confirming nothing but a server status (or a reset) reaches succeeded.
  const toSucceeded = EVENTS.filter((e) => nextStatus('confirming', e) === 'succeeded');
  assert.deepEqual(toSucceeded, ['serverSucceeded']);
});

test('impossible steps are rejected with a typed error', () => {
  assert.throws(() => transition('idle', 'transferFinished'), (err: unknown) => err instanceof InvalidTransitionError && err.code === 'MESH_PAY_INVALID_TRANSITION');
  assert.throws(() => transition('succeeded', 'start'), InvalidTransitionError);
  assert.throws(() => transition('confirming', 'start'), InvalidTransitionError, 'no second payment while confirming');
  assert.throws(() => transition('preparing', 'start'), InvalidTransitionError, 'single flight');
  assert.throws(() => transition('confirming', 'exit'), InvalidTransitionError, 'closing Link after the transfer does not cancel it');
});

test('cancelled, failed and error can start again; a paid order cannot', () => {
  for (const from of ['cancelled', 'failed', 'error'] as const) assert.equal(transition(from, 'start'), 'preparing');
  assert.equal(nextStatus('succeeded', 'start'), undefined);
  assert.equal(transition('error', 'resume'), 'confirming');
});

test('any sequence of events keeps the machine in a known state, and busy states refuse start', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...EVENTS), { maxLength: 40 }), (events) => {
      let s: PaymentStatus = 'idle';
      for (const event of events) {
        const next = nextStatus(s, event);
        if (isBusy(s)) assert.equal(nextStatus(s, 'start'), undefined);
        if (next !== undefined) s = next;
        assert.ok(PAYMENT_STATUSES.includes(s));
      }
      // reset always brings you home
      assert.equal(transition(s, 'reset'), 'idle');
    }),
  );
});
