/**
 * `POST /link-token`: the browser names an order; the merchant's resolver (never the browser)
 * decides destination, asset, network and amount; Mesh mints a link token; the kit remembers the
 * transaction and answers with a capability URL for its status stream.
 */
import { randomBytes } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import { signCapability } from './capability.js';
import type { MeshEnvironment, ResolvedOrder } from './config.js';
import { MeshPayError, describeError } from './errors.js';
import { JsonNumber } from './lossless-json.js';
import type { MeshClient } from './mesh-client.js';
import type { MeshLinkTokenRequest, MeshLinkTokenTransferOptions, MeshToAddress } from './mesh-api-types.js';
import type { LinkTokenResponse } from '@mesh-pay/wire';
import { toIntegrationAccessTokens } from './return-users.js';
import type { Logger } from './config.js';
import type { KitStore, TransactionRecord } from './store.js';
import { markOpen } from './reconcile.js';
import { currentStatus } from './fulfilment-decide.js';

export const linkTokenRequestSchema = z.object({
  orderId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/),
});

/** Mesh's `format: uuid` (what its document and Ajv accept): 8-4-4-4-12 hex digits. */
const UUID = /^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
/** A positive exact decimal; it goes to Mesh as a JSON number literal with exactly these digits. */
const DECIMAL = /^\d{1,15}(\.\d{1,18})?$/;
const positiveDecimal = (what: string) =>
  z
    .string()
    .regex(DECIMAL, `${what}: a decimal string like "25.00"`)
    .refine((v) => /[1-9]/.test(v), `${what} must be more than zero`);

const resolvedOrderSchema = z
  .object({
    userId: z.string().min(1).max(300),
    amountInFiat: positiveDecimal('amountInFiat').optional(),
    /** Mesh has no such field: amountInFiat is USD. "USD" is tolerated (and never sent), anything else refused. */
    fiatCurrency: z.literal('USD', 'Mesh prices amountInFiat in USD only; remove fiatCurrency or set it to "USD"').optional(),
    transactionId: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/).optional(),
    transferType: z.enum(['payment', 'deposit']).optional(),
    isInclusiveFeeEnabled: z.boolean().optional(),
    restrictMultipleAccounts: z.boolean().optional(),
    integrationId: z.string().regex(UUID, 'integrationId must be a UUID from Mesh\'s integrations list').optional(),
    clientFee: z
      .string()
      .regex(/^(0(\.\d{1,8})?|1(\.0{1,8})?)$/, 'clientFee: a ratio between "0" and "1" as a decimal string, e.g. "0.025"')
      .optional(),
    fundingOptions: z.object({ enabled: z.boolean() }).strict().optional(),
    generatePayLink: z.boolean().optional(),
    destinations: z
      .array(
        z.object({
          networkId: z.string().regex(UUID, 'networkId must be a Mesh network UUID'),
          chain: z.string().min(1).max(100),
          token: z.string().min(1).max(50),
          address: z.string().min(1).max(200),
          addressTag: z.string().min(1).max(100).optional(),
          amount: positiveDecimal('amount').optional(),
        }),
      )
      .min(1)
      .max(20),
  })
  .refine((o) => o.amountInFiat !== undefined || o.destinations.every((d) => d.amount !== undefined), {
    message: 'price the order: amountInFiat (USD) or an amount on every destination',
    path: ['amountInFiat'],
  });

/** The route's `200` body: declared once, in `@mesh-pay/wire`, with the button that reads it. */
export type { LinkTokenResponse };

/**
 * The body sent to Mesh, typed by Mesh's own generated client (a field Mesh does not define does
 * not compile). Every option is sent only when the resolver set it. Numbers (`amountInFiat`,
 * `amount`, `clientFee`) are JSON numbers in Mesh's schema; the merchant's decimal strings are
 * written as those numbers' literal text (never through a JS double), so `"19.99"` goes out as
 * `19.99` exactly.
 */
export function buildLinkTokenRequest(order: ResolvedOrder, transactionId: string): MeshLinkTokenRequest {
  const transferOptions: MeshLinkTokenTransferOptions = {
    toAddresses: order.destinations.map((d) => {
      const to: MeshToAddress = { networkId: d.networkId, symbol: d.token, address: d.address };
      if (d.addressTag !== undefined) to.addressTag = d.addressTag;
      if (d.amount !== undefined) to.amount = new JsonNumber(d.amount);
      return to;
    }),
    ...(order.amountInFiat !== undefined ? { amountInFiat: new JsonNumber(order.amountInFiat) } : {}),
    transactionId,
    transferType: order.transferType ?? 'payment',
  };
  if (order.isInclusiveFeeEnabled !== undefined) transferOptions.isInclusiveFeeEnabled = order.isInclusiveFeeEnabled;
  if (order.clientFee !== undefined) transferOptions.clientFee = new JsonNumber(order.clientFee);
  if (order.fundingOptions !== undefined) transferOptions.fundingOptions = { enabled: order.fundingOptions.enabled };
  if (order.generatePayLink !== undefined) transferOptions.generatePayLink = order.generatePayLink;
  const request: MeshLinkTokenRequest = {
    userId: order.userId,
    restrictMultipleAccounts: order.restrictMultipleAccounts ?? true,
    transferOptions,
  };
  if (order.integrationId !== undefined) request.integrationId = order.integrationId;
  return request;
}

/**
 * A paid order stays paid: a new token would start a second payment and show the order as awaiting
 * payment again. Checked after the resolver, so an order the resolver hides (another shopper's)
 * is a 404 and its payment state is not revealed.
 */
async function refuseIfPaid(store: KitStore, orderId: string): Promise<void> {
  const latest = await store.findTransactionByOrder(orderId);
  if (!latest) return;
  const status = currentStatus(await store.statusesSince(latest.transactionId, 0))?.update.status;
  if (typeof status === 'string' && status.toLowerCase() === 'succeeded') {
    throw new MeshPayError('MESH_PAY_ORDER_ALREADY_PAID', 409, 'This order is already paid.');
  }
}

export function linkTokenRoute(deps: {
  store: KitStore;
  mesh: MeshClient;
  kitSecret: string;
  environment: MeshEnvironment;
  statusTtlSeconds: number;
  resolveOrder: (orderId: string, req: express.Request) => Promise<ResolvedOrder | undefined>;
  logger: Logger;
  /** When the new transaction is first due for a reconciliation lookup; default 10 min. */
  reconcileAfterMs?: number;
}): RequestHandler[] {
  const handler: RequestHandler = async (req, res) => {
    const input = linkTokenRequestSchema.safeParse(req.body);
    if (!input.success) {
      throw new MeshPayError('MESH_PAY_INVALID_REQUEST', 400, 'Expected {"orderId": 1-64 characters of A-Z a-z 0-9 _ -}.');
    }
    const { orderId } = input.data;
    const resolved = await deps.resolveOrder(orderId, req);
    if (resolved === undefined) throw new MeshPayError('MESH_PAY_ORDER_NOT_FOUND', 404, 'No such order.');
    const checked = resolvedOrderSchema.safeParse(resolved);
    if (!checked.success) {
      deps.logger.error('mesh-pay: resolveOrder returned an invalid order', {
        orderId,
        issues: checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      });
      throw new MeshPayError('MESH_PAY_INTERNAL', 500, 'The order could not be prepared.');
    }
    const order = checked.data as ResolvedOrder;
    await refuseIfPaid(deps.store, orderId);
    const transactionId = order.transactionId ?? `mp_${randomBytes(16).toString('base64url')}`;

    const { linkToken, paymentLink } = await deps.mesh.createLinkToken(buildLinkTokenRequest(order, transactionId));

    const now = Date.now();
    const tx: TransactionRecord = {
      transactionId,
      orderId,
      userId: order.userId,
      destinations: order.destinations.map(({ networkId, chain, token, address, addressTag, amount }) => ({
        networkId,
        chain,
        token,
        address,
        ...(addressTag !== undefined ? { addressTag } : {}),
        ...(amount !== undefined ? { amount } : {}),
      })),
      createdAt: now,
    };
    if (order.amountInFiat !== undefined) tx.amountInFiat = order.amountInFiat;
    if (order.isInclusiveFeeEnabled !== undefined) tx.isInclusiveFeeEnabled = order.isInclusiveFeeEnabled;
    await deps.store.saveTransaction(tx);
    await markOpen(deps.store, tx, deps.reconcileAfterMs ?? 10 * 60_000).catch((err: unknown) =>
      deps.logger.warn('mesh-pay: could not schedule reconciliation', { transactionId, error: describeError(err) }),
    );

    const capability = signCapability(deps.kitSecret, transactionId, now + deps.statusTtlSeconds * 1000);
    const body: LinkTokenResponse = {
      linkToken,
      transactionId,
      statusUrl: `${req.baseUrl}/status/${capability}`,
      environment: deps.environment,
    };
    const accessTokens = toIntegrationAccessTokens(await deps.store.getAccessTokens(order.userId));
    if (accessTokens.length > 0) body.accessTokens = accessTokens;
    if (paymentLink !== undefined) body.paymentLink = paymentLink;
    res.set('Cache-Control', 'no-store').json(body);
  };
  return [express.json({ limit: '2kb' }), handler];
}
