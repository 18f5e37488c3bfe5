/**
 * `POST /_sandbox/transfers` and `MeshSandbox.recordTransfer`: record a transfer as if Mesh had
 * made it, without a Link session and without sending a webhook. For `mesh-pay trigger` and for
 * tests that post their own webhooks and want the kit's transfer lookup to find a matching
 * transfer. NOT part of Mesh's API. Missing fields come from the link token minted with that
 * `clientTransactionId`.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { invalidRequest, MeshSandboxError, notFound } from './api-errors.js';
import { randomAddress, randomTxHash } from './chain-ids.js';
import { compareDecimal, isPlainDecimal, multiplyDecimal } from './exact-decimal.js';
import { findNetwork, isValidAddress } from './networks.js';
import { cryptoAmountForFiat, SANDBOX_PRICES_USD } from './pricing.js';
import type { SandboxContext } from './sandbox-context.js';
import { fractionDigits, tokenDecimals } from './token-decimals.js';
import { unixSeconds, type SandboxTransfer } from './transfers.js';

const decimal = z.string().regex(/^\d{1,18}(\.\d{1,24})?$/, 'a positive decimal string like "25.50"').refine((v) => !isPlainDecimal(v) || compareDecimal(v, '0') > 0, 'must be above 0');

export const recordTransferSchema = z.strictObject({
  clientTransactionId: z.string().min(1).max(128),
  status: z.enum(['pending', 'succeeded', 'failed']),
  amountInFiat: decimal.optional(),
  amount: decimal.optional(),
  symbol: z.string().trim().min(1).max(20).optional(),
  networkId: z.uuid().optional(),
  destinationAddress: z.string().trim().min(1).max(200).optional(),
});

export type RecordTransferInput = z.input<typeof recordTransferSchema>;

/** Validates `input`, fills the gaps from the minted link token, stores the transfer. Throws MeshSandboxError. */
export function recordTransfer(ctx: SandboxContext, input: unknown): SandboxTransfer {
  const parsed = recordTransferSchema.safeParse(input);
  if (!parsed.success) {
    throw invalidRequest(`Invalid transfer: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
  }
  const body = parsed.data;
  const token = ctx.tokens.latestFor(body.clientTransactionId);
  const destination = token?.request.destinations[0];
  const networkId = body.networkId ?? destination?.network.id;
  const symbol = (body.symbol ?? destination?.symbol)?.toUpperCase();
  const address = body.destinationAddress ?? destination?.address;
  if (!networkId || !symbol || !address || (!body.amountInFiat && !body.amount && !token?.request.amountInFiat && !destination?.amount)) {
    const missing = [!networkId && 'networkId', !symbol && 'symbol', !address && 'destinationAddress', 'amountInFiat or amount'].filter(Boolean).join(', ');
    if (!token) {
      throw notFound(`No link token was minted with transactionId ${JSON.stringify(body.clientTransactionId)}, so nothing to default from: give ${missing}.`);
    }
    throw invalidRequest(`The link token for ${JSON.stringify(body.clientTransactionId)} does not say ${missing}: give them in the request.`);
  }
  const network = findNetwork(networkId);
  if (!network) throw invalidRequest(`networkId: unknown network ${networkId}`);
  if (!network.supportedTokens.includes(symbol)) throw invalidRequest(`symbol: ${symbol} is not supported on ${network.name}`);
  if (!isValidAddress(network, address)) throw invalidRequest(`destinationAddress: not a valid ${network.name} address`);
  const price = SANDBOX_PRICES_USD[symbol] ?? '1';
  const givenAmount = body.amount ?? (body.amountInFiat ? undefined : destination?.amount ?? undefined);
  if (givenAmount && fractionDigits(givenAmount) > tokenDecimals(symbol)) throw invalidRequest(`amount: ${symbol} has ${tokenDecimals(symbol)} decimals`);
  const amountInFiat = body.amountInFiat ?? token?.request.amountInFiat ?? multiplyDecimal(givenAmount!, price);
  const amount = givenAmount ?? cryptoAmountForFiat(amountInFiat, symbol);

  const now = ctx.lifecycle.now();
  const transfer: SandboxTransfer = {
    id: randomUUID(),
    linkId: null,
    userId: token?.request.userId ?? null,
    clientTransactionId: body.clientTransactionId,
    status: body.status,
    outcome: body.status,
    scenario: 'recorded',
    integration: null,
    symbol,
    networkId: network.id,
    networkName: network.name,
    toAddress: address,
    fromAddress: randomAddress(network),
    amount,
    amountInFiat,
    txHash: body.status === 'succeeded' ? randomTxHash(network) : null,
    transferType: token?.request.transferType ?? null,
    createdTimestamp: unixSeconds(now),
    executedTimestamp: body.status === 'pending' ? null : unixSeconds(now),
  };
  ctx.transfers.push(transfer);
  return transfer;
}

/** The transfer with this id, or a Mesh-shaped 404. */
export function transferById(ctx: SandboxContext, id: string): SandboxTransfer {
  const transfer = ctx.transfers.find((t) => t.id === id.toLowerCase());
  if (!transfer) throw notFound(`No transfer with id ${JSON.stringify(id)}.`);
  return transfer;
}

export function refundRefused(transfer: SandboxTransfer): MeshSandboxError | undefined {
  if (transfer.refund) return new MeshSandboxError('MESH_SANDBOX_CONFLICT', 409, 'conflict', 'This transfer was already refunded.');
  return undefined;
}
