/**
 * The fan-out every store shares, fed the way a network feeds it: notices lost, repeated and out of
 * order, a log that is the only truth. A shopper's stream must still hear every status once, in order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statusFanout, type StatusSource } from '../src/status-fanout.js';
import type { StoredStatus } from '../src/store.js';

function logSource() {
  const logs = new Map<string, StoredStatus[]>();
  const calls: string[] = [];
  const source: StatusSource = {
    readSince: async (transactionId, afterSeq) => (logs.get(transactionId) ?? []).filter((s) => s.seq > afterSeq),
    latestSeq: async (transactionId) => logs.get(transactionId)?.length ?? 0,
    watch: async (transactionId) => {
      calls.push(`watch ${transactionId}`);
    },
    unwatch: (transactionId) => {
      calls.push(`unwatch ${transactionId}`);
    },
  };
  const append = (transactionId: string, status: string): StoredStatus => {
    let log = logs.get(transactionId);
    if (!log) logs.set(transactionId, (log = []));
    const stored = { seq: log.length + 1, update: { transactionId, transferId: 't', status, at: '2026-11-29T00:00:00.000Z' } };
    log.push(stored);
    return stored;
  };
  return { source, append, calls };
}

describe('status fan-out', () => {
  it('hears every status once and in order when notices are lost, repeated and reordered', async () => {
    const { source, append } = logSource();
    const fanout = statusFanout(source);
    append('tx', 'before-subscribe');
    const heard: number[] = [];
    await fanout.subscribe('tx', (s) => heard.push(s.seq));

    const s2 = append('tx', 'pending');
    const s3 = append('tx', 'processing');
    // s3's notice arrives first (so s2 is read from the log), then s2's late and s3's again.
    await fanout.publish(s3);
    await fanout.publish(s2);
    await fanout.publish(s3);
    assert.deepEqual(heard, [2, 3]);
    // s4's notice is lost.
    const s4 = append('tx', 'succeeded');
    // Whatever next says "look" (a poll, a reconnect) repairs the lost one.
    await fanout.refresh('tx');
    await fanout.refresh('tx');
    assert.deepEqual(heard, [2, 3, 4]);
    assert.equal(s4.seq, 4);
  });

  it('starts each listener at the log as it was when it subscribed, even mid-stream', async () => {
    const { source, append } = logSource();
    const fanout = statusFanout(source);
    const early: number[] = [];
    const late: number[] = [];
    await fanout.subscribe('tx', (s) => early.push(s.seq));
    await fanout.publish(append('tx', 'pending'));
    await fanout.subscribe('tx', (s) => late.push(s.seq));
    await fanout.publish(append('tx', 'succeeded'));
    assert.deepEqual(early, [1, 2]);
    assert.deepEqual(late, [2]);
  });

  it('watches a transaction once however many listeners, and lets go with the last one', async () => {
    const { source, append, calls } = logSource();
    const fanout = statusFanout(source);
    const stops = await Promise.all([1, 2, 3].map(() => fanout.subscribe('tx', () => {})));
    assert.deepEqual(calls, ['watch tx']);
    assert.deepEqual(fanout.stats(), { listeners: 3, subscribedTransactions: 1 });
    stops[0]!();
    stops[0]!(); // twice is once
    stops[1]!();
    assert.deepEqual(calls, ['watch tx']);
    stops[2]!();
    assert.deepEqual(calls, ['watch tx', 'unwatch tx']);
    assert.deepEqual(fanout.stats(), { listeners: 0, subscribedTransactions: 0 });
    assert.deepEqual(fanout.watching(), []);
    // News for a transaction nobody watches any more goes nowhere and costs nothing.
    await fanout.publish(append('tx', 'pending'));
  });

  it('keeps delivering to the others when one listener throws', async () => {
    const { source, append } = logSource();
    const fanout = statusFanout(source);
    const heard: string[] = [];
    await fanout.subscribe('tx', () => {
      throw new Error('socket gone');
    });
    await fanout.subscribe('tx', (s) => heard.push(s.update.status));
    await fanout.publish(append('tx', 'pending'));
    assert.deepEqual(heard, ['pending']);
  });

  it('gives back a failed watch: the subscribe rejects and nothing is left behind', async () => {
    const { source } = logSource();
    const fanout = statusFanout({ ...source, watch: async () => Promise.reject(new Error('connection refused')) });
    await assert.rejects(fanout.subscribe('tx', () => {}), /connection refused/);
    assert.deepEqual(fanout.stats(), { listeners: 0, subscribedTransactions: 0 });
  });

  it('delivers nothing after close and refuses new listeners', async () => {
    const { source, append } = logSource();
    const fanout = statusFanout(source);
    const heard: number[] = [];
    await fanout.subscribe('tx', (s) => heard.push(s.seq));
    fanout.close();
    await fanout.publish(append('tx', 'pending'));
    await fanout.refresh('tx');
    assert.deepEqual(heard, []);
    await assert.rejects(fanout.subscribe('tx', () => {}), /closed/);
  });
});
