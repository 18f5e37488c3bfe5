/** Signed Mesh transfer-status webhooks, shaped as Mesh documents them (PascalCase, decimals as text). */
import { createHmac, randomUUID } from 'node:crypto';

export const signatureHeader = 'x-mesh-signature-256';

export interface TransferFields {
  transactionId: string;
  transferId: string;
  status: 'pending' | 'processing' | 'succeeded' | 'failed';
  eventId?: string;
}

export interface SignedWebhook {
  body: string;
  signature: string;
}

/** base64(HMAC-SHA256(secret, raw body)), the `X-Mesh-Signature-256` header. */
export function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

export function transferWebhook(secret: string, fields: TransferFields): SignedWebhook {
  const now = new Date();
  const body = JSON.stringify({
    EventId: fields.eventId ?? randomUUID(),
    Id: randomUUID(),
    SentTimestamp: Math.floor(now.getTime() / 1000),
    TransferId: fields.transferId,
    Timestamp: now.toISOString(),
    TransferStatus: fields.status,
    TransactionId: fields.transactionId,
    TxHash: fields.status === 'succeeded' ? `0x${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '')}` : null,
    UserId: 'bench-user',
    Token: 'USDC',
    Chain: 'Ethereum',
    SourceAmount: '25.00',
    SourceAccountProvider: 'Coinbase',
    DestinationAmount: '25.00',
    DestinationAddress: '0x0000000000000000000000000000000000000001',
    RefundAddress: '0x0000000000000000000000000000000000000002',
  });
  return { body, signature: sign(secret, body) };
}

/** POSTs a signed webhook; resolves with the status and the time (performance.now()) the answer arrived. */
export async function postWebhook(url: string, hook: SignedWebhook): Promise<{ status: number; at: number }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [signatureHeader]: hook.signature },
    body: hook.body,
  });
  const at = performance.now();
  await res.arrayBuffer();
  return { status: res.status, at };
}
