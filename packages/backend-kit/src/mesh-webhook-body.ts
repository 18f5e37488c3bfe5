/**
 * A transfer event written back out as Mesh writes its webhooks: PascalCase fields, amounts as JSON
 * number literals carrying every digit (never through a JS number), `SentTimestamp` in Unix
 * seconds. The `mesh-pay` CLI uses it to trigger and resend events the kit then verifies exactly
 * like Mesh's own.
 */
import type { TransferEvent } from './store.js';

const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** One delivery attempt: Mesh gives every attempt a new `Id` and `SentTimestamp`, and keeps `EventId`. */
export interface Delivery {
  id: string;
  /** Unix seconds. */
  sentTimestamp: number;
}

export function meshWebhookBody(event: TransferEvent, delivery: Delivery): string {
  const amounts = new Map<string, string>();
  const amount = (name: string, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    if (!DECIMAL.test(value)) throw new Error(`${name} is not a decimal: ${JSON.stringify(value)}`);
    const marker = `\u0000amount${amounts.size}\u0000`;
    amounts.set(JSON.stringify(marker), value);
    return marker;
  };
  const fields: Record<string, string | number | undefined> = {
    EventId: event.eventId,
    Id: delivery.id,
    SentTimestamp: Math.trunc(delivery.sentTimestamp),
    TransferId: event.transferId,
    Timestamp: event.timestamp,
    TransferStatus: event.status,
    TransactionId: event.transactionId,
    TxHash: event.txHash,
    UserId: event.userId,
    Token: event.token,
    Chain: event.chain,
    SourceAmount: amount('SourceAmount', event.sourceAmount),
    SourceAccountProvider: event.sourceAccountProvider,
    DestinationAmount: amount('DestinationAmount', event.destinationAmount),
    DestinationAddress: event.destinationAddress,
    RefundAddress: event.refundAddress,
  };
  let text = JSON.stringify(fields);
  for (const [quoted, value] of amounts) text = text.replace(quoted, value);
  return text;
}
