/**
 * The transfer-status webhook body, field for field as Mesh documents it (PascalCase; `SourceAmount`
 * and `DestinationAmount` are .NET `decimal?`, serialised as JSON numbers with all their digits).
 * Timestamps are `long`: Mesh does not say in which unit; the sandbox writes Unix milliseconds.
 */
import { RawNumber, stringifyRawJson } from './raw-json.js';
import type { SandboxTransfer, SandboxTransferStatus } from './transfers.js';

/** One status change of one transfer. Retries and duplicates resend it with the same `eventId`. */
export interface TransferEvent {
  readonly eventId: string;
  readonly status: SandboxTransferStatus;
  /** When the status change happened. */
  readonly timestamp: number;
  readonly transfer: SandboxTransfer;
}

/** The raw JSON text of one delivery attempt (`Id`: per attempt; `EventId`: per event). */
export function transferWebhookBody(event: TransferEvent, attempt: { id: string; sentTimestamp: number }): string {
  const t = event.transfer;
  const succeeded = event.status === 'succeeded';
  return stringifyRawJson({
    EventId: event.eventId,
    Id: attempt.id,
    SentTimestamp: attempt.sentTimestamp,
    TransferId: t.id,
    Timestamp: event.timestamp,
    TransferStatus: event.status,
    TransactionId: t.clientTransactionId,
    // Mesh: a pending transfer has no hash yet; a failed one never gets one.
    TxHash: succeeded ? t.txHash : null,
    UserId: t.userId,
    Token: t.symbol,
    Chain: t.networkName,
    SourceAmount: new RawNumber(t.amount),
    SourceAccountProvider: t.integration.name,
    DestinationAmount: succeeded ? new RawNumber(t.amount) : null,
    DestinationAddress: t.toAddress,
    RefundAddress: null,
  });
}
