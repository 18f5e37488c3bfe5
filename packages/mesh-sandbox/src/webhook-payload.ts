/**
 * The transfer-status webhook body, field for field as Mesh documents it (PascalCase; `SourceAmount`
 * and `DestinationAmount` are .NET `decimal?`, serialised as JSON numbers with all their digits).
 * `SentTimestamp` and `Timestamp` are Unix seconds; `TransferStatus` is spelled as Mesh spells it
 * (`Pending`, `Succeeded`, `Failed`, and the refund statuses `RefundPending`, `RefundSucceeded`).
 */
import { RawNumber, stringifyRawJson } from './raw-json.js';
import { unixSeconds, type SandboxTransfer } from './transfers.js';

/** `TransferStatus` as Mesh's webhooks spell it. */
export type WebhookTransferStatus = 'Pending' | 'Succeeded' | 'Failed' | 'RefundPending' | 'RefundSucceeded';

/** One status change of one transfer. Retries and duplicates resend it with the same `eventId`. */
export interface TransferEvent {
  readonly eventId: string;
  readonly status: WebhookTransferStatus;
  /** When the status change happened (the sandbox clock, ms; written as seconds). */
  readonly timestamp: number;
  readonly transfer: SandboxTransfer;
}

/** The raw JSON text of one delivery attempt (`Id`: per attempt; `EventId`: per event). */
export function transferWebhookBody(event: TransferEvent, attempt: { id: string; sentTimestamp: number }): string {
  const t = event.transfer;
  const succeeded = event.status === 'Succeeded';
  const refund = event.status === 'RefundPending' || event.status === 'RefundSucceeded';
  return stringifyRawJson({
    EventId: event.eventId,
    Id: attempt.id,
    SentTimestamp: attempt.sentTimestamp,
    TransferId: t.id,
    Timestamp: unixSeconds(event.timestamp),
    TransferStatus: event.status,
    TransactionId: t.clientTransactionId,
    // Mesh: a pending transfer has no hash yet; a failed one never gets one.
    TxHash: succeeded || refund ? t.txHash : null,
    UserId: t.userId,
    Token: t.symbol,
    Chain: t.networkName,
    SourceAmount: new RawNumber(t.amount),
    SourceAccountProvider: t.integration?.name ?? null,
    DestinationAmount: succeeded ? new RawNumber(t.amount) : null,
    DestinationAddress: t.toAddress,
    // Where a refund goes back to: the address the customer paid from.
    RefundAddress: refund ? t.fromAddress : null,
  });
}
