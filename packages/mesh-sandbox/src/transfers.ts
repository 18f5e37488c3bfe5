/**
 * Transfers the sandbox made, and how `GET /api/v1/transfers/managed/mesh` lists them: Mesh's
 * `TransferModel` in a `TransferModelPaginationResponse`, filtered by the query parameters the
 * OpenAPI document defines for that path (validated against it by the route).
 */
import { compareDecimal } from './exact-decimal.js';
import { RawNumber, type RawJsonValue } from './raw-json.js';

/** `TransferModel.status`, exactly the document's `TransferStatus` enum. */
export type SandboxTransferStatus = 'pending' | 'succeeded' | 'failed';

/** One transfer the sandbox made (the customer confirmed it) or was told to record. */
export interface SandboxTransfer {
  /** Mesh transfer id (UUID): webhooks' `TransferId`, `transferFinished.transferId`. */
  readonly id: string;
  /** The Link page session (token id) it was made in; null for a recorded transfer. */
  readonly linkId: string | null;
  /** The link token's `userId`; null for a recorded transfer without a token. */
  readonly userId: string | null;
  /** The merchant's `transferOptions.transactionId`. */
  readonly clientTransactionId: string | null;
  status: SandboxTransferStatus;
  /** Where the sandbox will take it (chosen by the scenario). */
  readonly outcome: SandboxTransferStatus;
  /** The scenario that made it, or `recorded` for `POST /_sandbox/transfers`. */
  readonly scenario: string;
  /** The exchange or wallet it was sent from; null for a recorded transfer. */
  readonly integration: { readonly id: string; readonly type: string; readonly name: string } | null;
  readonly symbol: string;
  readonly networkId: string;
  readonly networkName: string;
  readonly toAddress: string;
  readonly fromAddress: string;
  /** Exact decimal text, never a float, in the token's decimals. */
  readonly amount: string;
  /** USD, exact decimal text. */
  readonly amountInFiat: string;
  /** The chain hash (only a succeeding transfer gets one). */
  readonly txHash: string | null;
  readonly transferType: string | null;
  /** Unix seconds, as Mesh writes them. */
  readonly createdTimestamp: number;
  /** Unix seconds once it settled (succeeded or failed). */
  executedTimestamp: number | null;
  /** Set once a refund was started for it (sandbox scenario). */
  refund?: 'pending' | 'succeeded';
}

/** The query after validation against the document (names as Mesh spells them, values typed). */
export interface TransferQuery {
  Count?: number;
  Offset?: number;
  Id?: string;
  ClientTransactionId?: string;
  UserId?: string;
  IntegrationIds?: string[];
  Statuses?: SandboxTransferStatus[];
  FromTimestamp?: number;
  ToTimestamp?: number;
  MinAmountInFiat?: number;
  MaxAmountInFiat?: number;
  Hash?: string;
  OrderBy?: string;
  DescendingOrder?: boolean;
}

/** Mesh: "Default 10, maximum - 100". */
export const MAX_TRANSFER_PAGE = 100;

/** What the document's types cannot say: Count's documented maximum, and no negative paging. */
export function transferQueryProblems(q: TransferQuery): string[] {
  const problems: string[] = [];
  if (q.Count !== undefined && (q.Count < 0 || q.Count > MAX_TRANSFER_PAGE)) problems.push(`/Count: must be between 0 and ${MAX_TRANSFER_PAGE}`);
  if (q.Offset !== undefined && q.Offset < 0) problems.push('/Offset: must be 0 or more');
  return problems;
}

const ORDER_KEYS: Record<string, (t: SandboxTransfer) => string | number> = {
  id: (t) => t.id,
  clientTransferId: (t) => t.clientTransactionId ?? '',
  userId: (t) => t.userId ?? '',
  fromType: (t) => t.integration?.type ?? '',
  status: (t) => t.status,
  createdTimestamp: (t) => t.createdTimestamp,
  symbol: (t) => t.symbol,
  networkName: (t) => t.networkName,
};

export function filterTransfers(transfers: readonly SandboxTransfer[], q: TransferQuery) {
  const amountIn = (t: SandboxTransfer) =>
    (q.MinAmountInFiat === undefined || compareDecimal(t.amountInFiat, String(q.MinAmountInFiat)) >= 0) &&
    (q.MaxAmountInFiat === undefined || compareDecimal(t.amountInFiat, String(q.MaxAmountInFiat)) <= 0);
  // Array order is creation order; the sort below is stable, so equal keys keep it.
  const items = transfers.filter(
    (t) =>
      (q.Id === undefined || t.id === q.Id.toLowerCase()) &&
      (q.ClientTransactionId === undefined || t.clientTransactionId === q.ClientTransactionId) &&
      (q.UserId === undefined || t.userId === q.UserId) &&
      (q.Statuses === undefined || q.Statuses.length === 0 || q.Statuses.includes(t.status)) &&
      (q.IntegrationIds === undefined || q.IntegrationIds.length === 0 || (t.integration !== null && q.IntegrationIds.map((i) => i.toLowerCase()).includes(t.integration.id))) &&
      (q.FromTimestamp === undefined || t.createdTimestamp >= q.FromTimestamp) &&
      (q.ToTimestamp === undefined || t.createdTimestamp <= q.ToTimestamp) &&
      (q.Hash === undefined || t.txHash === q.Hash) &&
      amountIn(t),
  );
  const sorted = [...items];
  if (q.OrderBy === 'amountInFiat') sorted.sort((a, b) => compareDecimal(a.amountInFiat, b.amountInFiat));
  else {
    const key = ORDER_KEYS[q.OrderBy ?? 'createdTimestamp'] ?? ORDER_KEYS.createdTimestamp!;
    sorted.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
  }
  // Newest (largest) first unless told otherwise.
  if (q.DescendingOrder !== false) sorted.reverse();
  const offset = q.Offset ?? 0;
  return { total: sorted.length, items: sorted.slice(offset, offset + (q.Count ?? 10)) };
}

/** A transfer as Mesh's `TransferModel`, amounts as exact JSON numbers. */
export function toTransferModel(t: SandboxTransfer): RawJsonValue {
  const succeeded = t.status === 'succeeded';
  return {
    id: t.id,
    clientTransactionId: t.clientTransactionId,
    institutionTransactionId: null,
    userId: t.userId,
    status: t.status,
    amountInFiat: new RawNumber(t.amountInFiat),
    amountToReceiveInFiat: new RawNumber(t.amountInFiat),
    amountInFiatCurrencyCode: 'USD',
    amount: new RawNumber(t.amount),
    amountToReceive: new RawNumber(t.amount),
    symbol: t.symbol,
    tokenAddress: null,
    networkName: t.networkName,
    networkId: t.networkId,
    networkLogoUrl: null,
    createdTimestamp: t.createdTimestamp,
    from: t.integration ? { id: t.integration.id, type: t.integration.type, name: t.integration.name, logoUrl: null } : null,
    hash: succeeded ? t.txHash : null,
    subClientId: null,
    infoUrl: null,
    gasFee: null,
    withdrawalFee: null,
    processingFee: null,
    executedTimestamp: t.executedTimestamp,
    transferType: t.transferType,
    isFeeIncluded: false,
    sourceAmount: new RawNumber(t.amount),
    destinationAmount: succeeded ? new RawNumber(t.amount) : null,
    destinationAmountInFiat: succeeded ? new RawNumber(t.amountInFiat) : null,
    // The sandbox charges no fees: what the customer paid is what the merchant receives.
    totalFeesAmountInFiat: 0,
    totalTransactionAmountInFiat: new RawNumber(t.amountInFiat),
    fundingMethods: [],
    destinationAddress: t.toAddress,
    refundAddress: t.refund ? t.fromAddress : null,
    bridgingDetails: null,
  };
}

/** Unix seconds for a millisecond clock reading (Mesh's timestamps are seconds). */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
