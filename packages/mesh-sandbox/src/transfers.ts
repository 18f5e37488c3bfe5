/**
 * Transfers the sandbox made, and how `GET /api/v1/transfers/managed/mesh` lists them (Mesh's
 * `TransferModel` in a `TransferModelPaginationResponse`, filtered by the documented query
 * parameters).
 */
import { z } from 'zod';
import { RawNumber, type RawJsonValue } from './raw-json.js';

export type SandboxTransferStatus = 'pending' | 'succeeded' | 'failed';

/** One transfer the sandbox made: the customer confirmed it on the Link page. */
export interface SandboxTransfer {
  /** Mesh transfer id (UUID): webhooks' `TransferId`, `transferFinished.transferId`. */
  readonly id: string;
  /** The Link page session (token id) it was made in. */
  readonly linkId: string;
  readonly userId: string;
  /** The merchant's `transferOptions.transactionId`. */
  readonly clientTransactionId: string | null;
  status: SandboxTransferStatus;
  /** Where the sandbox will take it (chosen by the scenario). */
  readonly outcome: 'succeeded' | 'failed';
  readonly scenario: string;
  readonly integration: { readonly id: string; readonly type: string; readonly name: string };
  readonly symbol: string;
  readonly networkId: string;
  readonly networkName: string;
  readonly toAddress: string;
  readonly fromAddress: string;
  /** Exact decimal text, never a float. */
  readonly amount: string;
  readonly amountInFiat: string;
  /** The chain hash (only a succeeding transfer gets one). */
  readonly txHash: string | null;
  readonly transferType: string | null;
  readonly createdTimestamp: number;
  executedTimestamp: number | null;
}

const list = z.preprocess(
  (v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(','))),
  z.array(z.enum(['pending', 'succeeded', 'failed'])).max(5).optional(),
);
const int = (max: number) => z.coerce.number().int().min(0).max(max);

const querySchema = z.object({
  Count: int(100).default(10),
  Offset: int(1_000_000).default(0),
  Id: z.string().max(100).optional(),
  ClientTransactionId: z.string().max(128).optional(),
  UserId: z.string().max(300).optional(),
  Statuses: list,
  DescendingOrder: z.enum(['true', 'false']).optional(),
});

export type TransferQuery = z.infer<typeof querySchema>;

/**
 * Parses the listing's query. Mesh spells the parameters in PascalCase; camelCase is accepted too,
 * and `transactionId` as a short name for `ClientTransactionId`.
 */
export function parseTransferQuery(query: Record<string, unknown>): ReturnType<typeof querySchema.safeParse> {
  const normalised: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    const pascal = key === 'transactionId' ? 'ClientTransactionId' : key.charAt(0).toUpperCase() + key.slice(1);
    normalised[pascal] = value;
  }
  return querySchema.safeParse(normalised);
}

export function filterTransfers(transfers: readonly SandboxTransfer[], q: TransferQuery) {
  let items = transfers.filter(
    (t) =>
      (q.Id === undefined || t.id === q.Id) &&
      (q.ClientTransactionId === undefined || t.clientTransactionId === q.ClientTransactionId) &&
      (q.UserId === undefined || t.userId === q.UserId) &&
      (q.Statuses === undefined || q.Statuses.includes(t.status)),
  );
  // Mesh orders by creation time; newest first unless told otherwise.
  items = [...items].sort((a, b) => a.createdTimestamp - b.createdTimestamp);
  if (q.DescendingOrder !== 'false') items.reverse();
  return { total: items.length, items: items.slice(q.Offset, q.Offset + q.Count) };
}

/** A transfer as Mesh's `TransferModel`, amounts as exact JSON numbers. */
export function toTransferModel(t: SandboxTransfer): RawJsonValue {
  const settled = t.status === 'succeeded';
  return {
    id: t.id,
    clientTransactionId: t.clientTransactionId,
    institutionTransactionId: null,
    userId: t.userId,
    status: t.status,
    amountInFiat: new RawNumber(t.amountInFiat),
    amountInFiatCurrencyCode: 'USD',
    amount: new RawNumber(t.amount),
    amountToReceive: new RawNumber(t.amount),
    symbol: t.symbol,
    networkName: t.networkName,
    networkId: t.networkId,
    createdTimestamp: t.createdTimestamp,
    from: { id: t.integration.id, type: t.integration.type, name: t.integration.name, logoUrl: null },
    hash: settled ? t.txHash : null,
    executedTimestamp: t.executedTimestamp,
    transferType: t.transferType,
    isFeeIncluded: false,
    sourceAmount: new RawNumber(t.amount),
    destinationAmount: settled ? new RawNumber(t.amount) : null,
    destinationAddress: t.toAddress,
    refundAddress: null,
  };
}
