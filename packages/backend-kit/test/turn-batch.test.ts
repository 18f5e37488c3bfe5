/**
 * A burst of webhooks becomes one store call (turn-batch.ts): each caller still gets its own
 * answer, only after the batch's write returned, and one call the database refuses fails alone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { turnBatch } from '../src/turn-batch.js';

/** A fake database call that records each batch it was given, and fails batches holding `poison`. */
function recorder(poison?: number) {
  const batches: number[][] = [];
  const run = async (items: number[]): Promise<string[]> => {
    batches.push([...items]);
    await new Promise((resolve) => setImmediate(resolve));
    if (poison !== undefined && items.includes(poison)) throw new Error(`refused ${poison}`);
    return items.map((n) => `done ${n}`);
  };
  return { batches, run };
}

describe('turn batch', () => {
  it('carries out the calls of one turn as one batch, and answers each caller with its own result', async () => {
    const db = recorder();
    const call = turnBatch(db.run);
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => call(n)));
    assert.deepEqual(answers, ['done 1', 'done 2', 'done 3', 'done 4', 'done 5']);
    assert.deepEqual(db.batches, [[1, 2, 3, 4, 5]]);
  });

  it('starts a new batch in the next turn, so a lone call waits only for the end of its own turn', async () => {
    const db = recorder();
    const call = turnBatch(db.run);
    const first = call(1);
    await new Promise((resolve) => setImmediate(resolve));
    const second = call(2);
    assert.deepEqual(await Promise.all([first, second]), ['done 1', 'done 2']);
    assert.deepEqual(db.batches, [[1], [2]]);
  });

  it('settles nobody before the batch has returned', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const call = turnBatch(async (items: number[]) => {
      await gate;
      return items.map(String);
    });
    let settled = 0;
    const answers = [call(1), call(2)].map((p) => p.then((v) => (settled++, v)));
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, 0);
    release();
    assert.deepEqual(await Promise.all(answers), ['1', '2']);
  });

  it('caps a batch at maxBatch: a long burst leaves in several', async () => {
    const db = recorder();
    const call = turnBatch(db.run, { maxBatch: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => call(n)));
    assert.deepEqual(db.batches, [[1, 2], [3, 4], [5]]);
  });

  it('fails only the call the database refuses: a failed batch is tried again one call at a time', async () => {
    const db = recorder(3);
    const call = turnBatch(db.run);
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((n) => call(n)));
    assert.deepEqual(
      outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message)),
      ['done 1', 'done 2', 'refused 3', 'done 4'],
    );
    assert.deepEqual(db.batches, [[1, 2, 3, 4], [1], [2], [3], [4]]);
  });

  it('rejects every caller of a batch that answers with the wrong number of results', async () => {
    const call = turnBatch(async (items: number[]) => items.slice(1));
    const outcomes = await Promise.allSettled([call(1), call(2)]);
    assert.ok(outcomes.every((o) => o.status === 'rejected'));
  });
});
