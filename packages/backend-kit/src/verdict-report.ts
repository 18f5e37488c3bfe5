/**
 * Verdicts a merchant must look at (`overpaid`, `underpaid`, `mismatch`, `conflict`) are written
 * to the store's `mesh-pay:verdicts` record collection, one record per EventId, and logged once —
 * so operators' tools (CLI, metrics) read them from the store shared by every instance, not from
 * one process's log.
 */
import type { Logger } from './config.js';
import { describeError } from './errors.js';
import { REPORTED_VERDICTS, type Decision, type Verdict } from './fulfilment-decide.js';
import type { KitStore, TransferEvent } from './store.js';

export const VERDICTS_COLLECTION = 'mesh-pay:verdicts';

/** One record of {@link VERDICTS_COLLECTION}. */
export interface VerdictRecord {
  eventId: string;
  transferId: string;
  transactionId: string;
  verdict: Verdict;
  reason?: string;
  /** Whether the transfer was credited (`overpaid`) or not (the others). */
  credited: boolean;
  /** Epoch ms. */
  at: number;
}

export async function reportVerdict(store: KitStore, logger: Logger, event: TransferEvent, decision: Decision): Promise<void> {
  if (!REPORTED_VERDICTS.has(decision.verdict)) return;
  const record: VerdictRecord = {
    eventId: event.eventId,
    transferId: event.transferId,
    transactionId: event.transactionId,
    verdict: decision.verdict,
    credited: decision.verdict === 'overpaid',
    at: Date.now(),
  };
  if (decision.reason) record.reason = decision.reason;
  let fresh = true;
  try {
    fresh = await store.putOnce(VERDICTS_COLLECTION, event.eventId, record);
  } catch (err) {
    logger.warn('mesh-pay: could not record a verdict', { eventId: event.eventId, error: describeError(err) });
  }
  if (!fresh) return;
  const { at: _at, ...meta } = record;
  const message =
    decision.verdict === 'overpaid'
      ? 'mesh-pay: transfer paid more than the price; credited'
      : decision.verdict === 'conflict'
        ? 'mesh-pay: transfer status contradicts an earlier one; the first stands'
        : decision.verdict === 'underpaid'
          ? 'mesh-pay: transfer paid less than the price; not credited'
          : 'mesh-pay: transfer does not match the order; not credited';
  if (decision.verdict === 'overpaid') logger.warn(message, meta);
  else logger.error(message, meta);
}

/** Every reported verdict in the store, oldest first. */
export async function listVerdicts(store: KitStore): Promise<VerdictRecord[]> {
  return (await store.listRecords(VERDICTS_COLLECTION)) as VerdictRecord[];
}
