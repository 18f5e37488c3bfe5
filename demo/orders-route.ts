import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { OrderOwners } from './order-owners.js';
import { sendProblem } from './problem.js';
import { shopperOf } from './shopper-session.js';

/**
 * `GET /api/orders/:orderId`: the merchant's view of one order once its link token was minted, for
 * the shopper it belongs to (anyone else gets the same 404 as for an order that does not exist).
 * The status is whatever the latest stored webhook said; the browser's own claims never change it.
 */

/** Order ids as CONTRACT.md §3 defines them for `POST /mesh/link-token`. */
export const orderIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** Status shown before Mesh has sent any webhook for the order's transaction. */
export const STATUS_AWAITING_PAYMENT = 'awaiting_payment';

export interface OrderView {
  orderId: string;
  transactionId: string;
  amountInFiat: string;
  token: string | null;
  chain: string | null;
  destinationAddress: string | null;
  status: string;
}

/** The part of the kit's store this route reads. */
export interface OrdersStore {
  findTransactionByOrder(orderId: string): Promise<
    | {
        transactionId: string;
        orderId: string;
        amountInFiat: string;
        destinations: { chain: string; token: string; address: string }[];
      }
    | undefined
  >;
  statusesSince(transactionId: string, afterSeq: number): Promise<{ seq: number; update: { status: string } }[]>;
}

/** Reads one order's view, or `undefined` when no token was ever minted for it. */
export async function readOrder(store: OrdersStore, orderId: string): Promise<OrderView | undefined> {
  const tx = await store.findTransactionByOrder(orderId);
  if (!tx) return undefined;
  const statuses = await store.statusesSince(tx.transactionId, 0);
  const latest = statuses.at(-1);
  const destination = tx.destinations[0];
  return {
    orderId: tx.orderId,
    transactionId: tx.transactionId,
    amountInFiat: tx.amountInFiat,
    token: destination?.token ?? null,
    chain: destination?.chain ?? null,
    destinationAddress: destination?.address ?? null,
    status: latest?.update.status ?? STATUS_AWAITING_PAYMENT,
  };
}

export function createOrdersRouter(store: OrdersStore, owners: Pick<OrderOwners, 'isOwner'>) {
  const router = Router();
  router.get('/api/orders/:orderId', async (req: Request, res: Response) => {
    const parsed = orderIdSchema.safeParse(req.params.orderId);
    if (!parsed.success) {
      sendProblem(res, 400, 'Invalid order id', 'An order id is 1 to 64 characters of A-Z, a-z, 0-9, "_" and "-".');
      return;
    }
    const mine = await owners.isOwner(parsed.data, shopperOf(req).userId);
    const order = mine ? await readOrder(store, parsed.data) : undefined;
    if (!order) {
      sendProblem(res, 404, 'Order not found', 'No payment was started for this order.');
      return;
    }
    res.set('Cache-Control', 'no-store').json(order);
  });
  router.all('/api/orders/:orderId', (_req: Request, res: Response) => {
    res.set('Allow', 'GET, HEAD');
    sendProblem(res, 405, 'Method not allowed', 'Orders are read-only here: only GET is allowed.');
  });
  return router;
}
