/**
 * Calls made in one event-loop turn, carried out as one: the webhook route's store call for a burst
 * of webhooks becomes one statement (one round trip, one commit) instead of one each. Under load a
 * turn handles every request whose bytes arrived together, so the batch grows with the load and a
 * lone request waits for nothing but the end of its own turn.
 *
 * Each caller's promise settles with its own result, and only once the batch has (so "resolved ⇒
 * durable" holds per call when the batch's write is durable). A batch that fails is tried again
 * one call at a time, so one call the database refuses fails alone and its batch-mates go on.
 */
export interface TurnBatchOptions {
  /** A batch this long leaves at once instead of at the end of the turn. Default 256. */
  maxBatch?: number;
}

export function turnBatch<I, O>(
  /** Carries out `items` together; resolves with one result per item, in order. */
  runBatch: (items: I[]) => Promise<O[]>,
  options: TurnBatchOptions = {},
): (item: I) => Promise<O> {
  const maxBatch = Math.max(1, options.maxBatch ?? 256);
  let queue: { item: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] = [];
  let scheduled = false;

  const one = async (item: I): Promise<O> => {
    const results = await runBatch([item]);
    if (results.length !== 1) throw new Error(`a batch of 1 returned ${results.length} results`);
    return results[0]!;
  };

  const flush = (): void => {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    runBatch(batch.map((call) => call.item)).then(
      (results) => {
        if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} returned ${results.length} results`);
        batch.forEach((call, i) => call.resolve(results[i]!));
      },
      (error: unknown) => {
        if (batch.length === 1) return batch[0]!.reject(error);
        for (const call of batch) one(call.item).then(call.resolve, call.reject);
      },
    ).catch((error: unknown) => {
      for (const call of batch) call.reject(error);
    });
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (queue.length >= maxBatch) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
