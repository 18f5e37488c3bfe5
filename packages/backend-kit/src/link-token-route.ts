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
import { toIntegrationAccessTokens, type IntegrationAccessToken } from './return-users.js';
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

const resolvedOrderSchema = z.object({
  userId: z.string().min(1).max(300),
  amountInFiat: z.string().regex(/^\d{1,15}(\.\d{1,8})?$/, 'a positive decimal string like "25.00"'),
  fiatCurrency: z.string().regex(/^[A-Z]{3}$/).optional(),
  transactionId: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/).optional(),
  transferType: z.enum(['payment', 'deposit']).optional(),
  isInclusiveFeeEnabled: z.boolean().optional(),
  destinations: z
    .array(z.object({ networkId: z.string().min(1), chain: z.string().min(1), token: z.string().min(1), address: z.string().min(1) }))
    .min(1),
});

export interface LinkTokenResponse {
  linkToken: string;
  transactionId: string;
  statusUrl: string;
  environment: MeshEnvironment;
  accessTokens?: IntegrationAccessToken[];
}

/**
 * The body sent to Mesh. `amountInFiat` is a JSON number in Mesh's schema; the merchant's decimal
 * string is written as that number's literal text (never through a JS double), so `"19.99"` goes
 * out as `19.99` exactly.
 */
export function buildLinkTokenRequest(order: ResolvedOrder, transactionId: string): Record<string, unknown> {
  const transferOptions: Record<string, unknown> = {
    toAddresses: order.destinations.map((d) => ({ networkId: d.networkId, symbol: d.token, address: d.address })),
    amountInFiat: new JsonNumber(order.amountInFiat),
    transactionId,
    transferType: order.transferType ?? 'payment',
  };
  // Mesh's LinkTokenTransferOptions has no fiatCurrency (amountInFiat is USD; additionalProperties: false).
  if (order.isInclusiveFeeEnabled !== undefined) transferOptions.isInclusiveFeeEnabled = order.isInclusiveFeeEnabled;
  return { userId: order.userId, restrictMultipleAccounts: true, transferOptions };
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

    const linkToken = await deps.mesh.createLinkToken(buildLinkTokenRequest(order, transactionId));

    const now = Date.now();
    const tx: TransactionRecord = {
      transactionId,
      orderId,
      userId: order.userId,
      amountInFiat: order.amountInFiat,
      fiatCurrency: order.fiatCurrency ?? 'USD',
      destinations: order.destinations.map(({ networkId, chain, token, address }) => ({ networkId, chain, token, address })),
      createdAt: now,
    };
    await deps.store.saveTransaction(tx);
    await markOpen(deps.store, tx).catch((err: unknown) =>
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
    res.set('Cache-Control', 'no-store').json(body);
  };
  return [express.json({ limit: '2kb' }), handler];
}
