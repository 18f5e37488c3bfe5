import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { signWebhook, SIGNATURE_HEADER } from '@mesh-pay/mesh-sandbox';

/**
 * What the outside world does to a running demo: shoppers mint link tokens, Mesh posts signed
 * webhooks, the merchant reads orders and the ledger. Real HTTP only.
 */

/**
 * The kit limits POST /mesh/link-token per client IP (30 a minute by default), as it should. A
 * thousand shoppers come from many addresses, so the scale stories spread mints over loopback
 * addresses 127.0.0.2, 127.0.0.3, … (all of 127/8 is loopback on Linux); each address mints at most
 * `MINTS_PER_ADDRESS` tokens, well under the limit.
 */
const MINTS_PER_ADDRESS = 20;
let mintCount = 0;

/** The next shopper's source address. */
function nextShopperAddress(): string {
  const n = Math.floor(mintCount++ / MINTS_PER_ADDRESS) + 2;
  return `127.0.${Math.floor(n / 250)}.${(n % 250) + 1}`;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

/** One HTTP request from a given local address (fetch cannot choose its source address). */
export function httpFrom(
  localAddress: string,
  url: string,
  { method = 'GET', headers = {}, body, timeoutMs = 30_000 }: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, localAddress, timeout: timeoutMs, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, ms: Date.now() - started }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} got no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export interface MintedOrder {
  orderId: string;
  linkToken: string;
  transactionId: string;
  statusUrl: string;
}

/**
 * Each order is minted by its own shopper, whose session cookie the demo sets on that first request;
 * reading the order back later is that same shopper (anyone else gets 404). Keyed by order id.
 */
const shopperCookies = new Map<string, string>();

/** A shopper clicks "pay": POST /mesh/link-token for `orderId`, from its own address. */
export async function mintOrder(baseUrl: string, orderId: string): Promise<MintedOrder> {
  const answer = await httpFrom(nextShopperAddress(), `${baseUrl}/mesh/link-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ orderId }),
  });
  if (answer.status !== 200) throw new Error(`link-token for ${orderId} answered ${answer.status}: ${answer.body}`);
  const setCookie = answer.headers['set-cookie'];
  const session = (Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []).map((c) => c.split(';')[0]!).find((c) => c.startsWith('mesh_pay_shopper='));
  if (session) shopperCookies.set(orderId, session);
  return { orderId, ...(JSON.parse(answer.body) as Omit<MintedOrder, 'orderId'>) };
}

/** `GET /api/orders/:orderId`: where the merchant's resolver sent the money. */
export interface OrderView {
  orderId: string;
  transactionId: string;
  amountInFiat: string;
  token: string;
  chain: string;
  destinationAddress: string;
  status: string;
}

/** The order as the shopper who minted it sees it (their session cookie, valid on every instance). */
export async function readOrder(baseUrl: string, orderId: string): Promise<OrderView> {
  const cookie = shopperCookies.get(orderId);
  const res = await fetch(`${baseUrl}/api/orders/${orderId}`, cookie ? { headers: { cookie } } : {});
  if (res.status !== 200) throw new Error(`order ${orderId} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as OrderView;
}

export interface LedgerEntry {
  orderId: string;
  transactionId: string;
  transferId: string;
  sourceAmount: string | null;
  creditedAt: string;
}

export async function readLedger(baseUrl: string): Promise<LedgerEntry[]> {
  const res = await fetch(`${baseUrl}/api/ledger`);
  if (res.status !== 200) throw new Error(`ledger answered ${res.status}`);
  return ((await res.json()) as { entries: LedgerEntry[] }).entries;
}

export type TransferStatus = 'pending' | 'processing' | 'succeeded' | 'failed';

/** A transfer-status webhook as Mesh documents it (PascalCase), for the order's resolved destination. */
export function transferEvent(
  order: OrderView,
  { transferId, status, eventId = randomUUID(), id = randomUUID(), sourceAmount = '25.0003120000000001' }: {
    transferId: string;
    status: TransferStatus;
    eventId?: string;
    id?: string;
    sourceAmount?: string;
  },
): Record<string, string> {
  const now = new Date().toISOString();
  return {
    EventId: eventId,
    Id: id,
    SentTimestamp: now,
    TransferId: transferId,
    Timestamp: now,
    TransferStatus: status,
    TransactionId: order.transactionId,
    TxHash: status === 'succeeded' ? `0x${transferId.replace(/[^0-9a-f]/g, '').padEnd(64, '0').slice(0, 64)}` : '',
    UserId: `demo-shopper-${order.orderId}`,
    Token: order.token,
    Chain: order.chain,
    SourceAmount: sourceAmount,
    SourceAccountProvider: 'Coinbase',
    DestinationAmount: sourceAmount,
    DestinationAddress: order.destinationAddress,
    RefundAddress: '0x0000000000000000000000000000000000000001',
  };
}

/** The same delivery again, as Mesh retries it: same EventId, a new delivery Id. */
export function redelivery(event: Record<string, string>): Record<string, string> {
  return { ...event, Id: randomUUID(), SentTimestamp: new Date().toISOString() };
}

/** Mesh posting a webhook, signed with `secret` exactly as Mesh signs it. Resolves with the status code. */
export async function postWebhook(baseUrl: string, secret: string, event: object): Promise<number> {
  const body = JSON.stringify(event);
  const res = await fetch(`${baseUrl}/mesh/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(secret, body) },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}
