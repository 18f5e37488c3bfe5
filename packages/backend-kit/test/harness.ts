/**
 * Test harness: a real Express app with the kit mounted at /mesh on a free port, a fake Mesh API,
 * and small clients for the three things a user does (mint a token, post a webhook, read a stream).
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createMeshPay, type MeshPayKit, type MeshPayOptions } from '../src/index.js';
import { memoryStore } from '../src/memory-store.js';
import type { InspectableStore } from '../src/store.js';
import type { Destination, KitStore } from '../src/store.js';
import { signWebhookBody } from '../src/webhook-verify.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, NETWORKS, startFakeMesh, type FakeMesh, type FakeMeshTransfer } from './fake-mesh.js';
import { JsonNumber, parseLosslessJson, type LosslessValue } from '../src/lossless-json.js';
import { SseBlockReader } from '../../../test/support/sse.js';

export const WEBHOOK_SECRET = 'whsec_test_0123456789abcdef';
export const KIT_SECRET = 'kit-secret-for-tests-0123456789';

export const DESTINATION: Destination = {
  networkId: NETWORKS[0]!.id,
  chain: 'Ethereum',
  token: 'USDC',
  address: '0x52908400098527886E0F7030069857D2E4169EE7',
};

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  meta?: object;
}

export interface Kit {
  url: string;
  kit: MeshPayKit;
  store: KitStore;
  mesh: FakeMesh;
  logs: LogLine[];
  app: express.Express;
  /** Restarts nothing; closes the HTTP server and the kit (the store stays open unless `closeStore`). */
  close(opts?: { closeStore?: boolean }): Promise<void>;
}

export async function startKit(
  overrides: Partial<Omit<MeshPayOptions, 'mesh'>> & {
    store?: KitStore;
    /** Share one fake Mesh between kits (the caller closes it). */
    fakeMesh?: FakeMesh;
    meshOptions?: Partial<MeshPayOptions['mesh']>;
    start?: boolean;
    configureApp?: (app: express.Express) => void;
    /** Host routes and middleware mounted after the kit's router. */
    configureAppAfter?: (app: express.Express) => void;
  } = {},
): Promise<Kit> {
  const mesh = overrides.fakeMesh ?? (await startFakeMesh());
  const ownMesh = !overrides.fakeMesh;
  const store = overrides.store ?? memoryStore();
  const logs: LogLine[] = [];
  const { fakeMesh: _m, store: _s, start, configureApp, configureAppAfter, meshOptions, ...rest } = overrides;
  const kit = createMeshPay({
    store,
    mesh: { clientId: FAKE_CLIENT_ID, clientSecret: FAKE_CLIENT_SECRET, apiUrl: mesh.url, timeoutMs: 2000, ...meshOptions },
    webhookSecret: WEBHOOK_SECRET,
    kitSecret: KIT_SECRET,
    resolveOrder: async (orderId) =>
      orderId.startsWith('unknown')
        ? undefined
        : { userId: 'user-1', amountInFiat: '25.00', destinations: [DESTINATION] },
    heartbeatMs: 50,
    fulfilment: { baseDelayMs: 5, pollMs: 20, maxAttempts: 4, leaseMs: 5000 },
    rateLimit: false,
    logger: {
      info: (message, meta) => logs.push({ level: 'info', message, ...(meta ? { meta } : {}) }),
      warn: (message, meta) => logs.push({ level: 'warn', message, ...(meta ? { meta } : {}) }),
      error: (message, meta) => logs.push({ level: 'error', message, ...(meta ? { meta } : {}) }),
    },
    ...rest,
  });
  const app = express();
  configureApp?.(app);
  app.use('/mesh', kit.router);
  configureAppAfter?.(app);
  const server: Server = await new Promise((ok) => {
    const s = app.listen(0, '127.0.0.1', () => ok(s));
  });
  if (start !== false) await kit.start();
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    kit,
    store,
    mesh,
    logs,
    app,
    async close(opts = {}) {
      await kit.close();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      if (ownMesh) await mesh.close();
      if (opts.closeStore !== false) await store.close();
    },
  };
}

export async function stats(store: KitStore): Promise<{ listeners: number }> {
  return (store as InspectableStore).stats();
}

export interface Minted {
  linkToken: string;
  transactionId: string;
  statusUrl: string;
  environment: string;
  accessTokens?: unknown[];
  paymentLink?: string;
}

export async function mint(k: Kit, orderId = `order-${randomUUID().slice(0, 8)}`): Promise<Minted> {
  const res = await fetch(`${k.url}/mesh/link-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ orderId }),
  });
  if (res.status !== 200) throw new Error(`link-token answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Minted;
}

export interface EventFields {
  transactionId: string;
  status: string;
  eventId?: string;
  id?: string;
  transferId?: string;
  /** Written as a bare JSON number literal (Mesh's style). */
  sourceAmount?: string;
  destinationAmount?: string;
  token?: string;
  chain?: string;
  destinationAddress?: string;
  txHash?: string;
  camelCase?: boolean;
}

/** A webhook body as Mesh writes it: PascalCase (unless camelCase), amounts as number literals. */
export function webhookBody(f: EventFields): string {
  const pascal: Record<string, string> = {
    EventId: f.eventId ?? randomUUID(),
    Id: f.id ?? randomUUID(),
    // Mesh's Unix seconds, now: a delivery older than the retention period would be ignored.
    SentTimestamp: String(Math.floor(Date.now() / 1000)),
    TransferId: f.transferId ?? 'transfer-1',
    // Unix seconds, as Mesh sends them.
    Timestamp: '1763900001',
    TransferStatus: f.status,
    TransactionId: f.transactionId,
    TxHash: f.txHash ?? '0xabc123',
    UserId: 'user-1',
    Token: f.token ?? DESTINATION.token,
    Chain: f.chain ?? DESTINATION.chain,
    SourceAmount: `@@${f.sourceAmount ?? '25.000000000000000001'}@@`,
    SourceAccountProvider: 'Coinbase',
    DestinationAmount: `@@${f.destinationAmount ?? '24.99'}@@`,
    DestinationAddress: f.destinationAddress ?? DESTINATION.address,
  };
  const obj = f.camelCase
    ? Object.fromEntries(Object.entries(pascal).map(([k, v]) => [k[0]!.toLowerCase() + k.slice(1), v]))
    : pascal;
  return JSON.stringify(obj).replace(/"@@([^@]+)@@"/g, '$1');
}

/** What every test order costs (USD), and what Mesh records as paid unless a test says otherwise. */
export const ORDER_AMOUNT = '25.00';

/**
 * Mesh's own record of the transfer a webhook body describes, as its API would list it after sending
 * that webhook: same transfer, transaction, destination and status, paying {@link ORDER_AMOUNT} USD.
 * `undefined` for a body that names no transfer or transaction.
 */
export function meshRecordOf(body: string | Buffer, overrides: Partial<FakeMeshTransfer> = {}): FakeMeshTransfer | undefined {
  let parsed: LosslessValue;
  try {
    parsed = parseLosslessJson(body.toString());
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || parsed instanceof JsonNumber) return undefined;
  const get = (name: string): string | undefined => {
    const v = parsed[name] ?? parsed[name[0]!.toLowerCase() + name.slice(1)];
    return typeof v === 'string' ? v : v instanceof JsonNumber ? v.source : undefined;
  };
  const id = get('TransferId');
  const clientTransactionId = get('TransactionId');
  const status = get('TransferStatus')?.toLowerCase();
  if (!id || !clientTransactionId || (status !== 'pending' && status !== 'succeeded' && status !== 'failed')) return undefined;
  const chain = get('Chain');
  const record: FakeMeshTransfer = { id, clientTransactionId, status, amountInFiat: ORDER_AMOUNT };
  const networkId = NETWORKS.find((n) => chain !== undefined && n.name.toLowerCase() === chain.toLowerCase())?.id;
  if (networkId) record.networkId = networkId;
  if (chain) record.networkName = chain;
  const optional: [keyof FakeMeshTransfer, string][] = [
    ['symbol', 'Token'],
    ['destinationAddress', 'DestinationAddress'],
    ['hash', 'TxHash'],
    ['sourceAmount', 'SourceAmount'],
    ['destinationAmount', 'DestinationAmount'],
    ['amount', 'DestinationAmount'],
  ];
  for (const [key, name] of optional) {
    const v = get(name);
    if (v !== undefined) (record as unknown as Record<string, string>)[key] = v;
  }
  return { ...record, ...overrides };
}

/**
 * Mesh's record of a transfer `id` that paid transaction `clientTransactionId` in full: succeeded, to
 * {@link DESTINATION}, {@link ORDER_AMOUNT} USD, having taken `sourceAmount` from the customer. What
 * Mesh's API lists when its webhook never reached the kit.
 */
export function succeededAtMesh(id: string, clientTransactionId: string, sourceAmount: string): FakeMeshTransfer {
  return {
    id,
    clientTransactionId,
    status: 'succeeded',
    hash: '0xfeed',
    symbol: DESTINATION.token,
    networkId: DESTINATION.networkId,
    networkName: DESTINATION.chain,
    destinationAddress: DESTINATION.address,
    amountInFiat: ORDER_AMOUNT,
    sourceAmount,
  };
}

/** Puts (or moves on) Mesh's record of a transfer; a terminal record never goes back to pending. */
export function recordAtMesh(mesh: FakeMesh, record: FakeMeshTransfer): void {
  const i = mesh.transfers.findIndex((t) => t.id === record.id);
  if (i < 0) mesh.transfers.push(record);
  else if (!(record.status === 'pending' && mesh.transfers[i]!.status !== 'pending')) mesh.transfers[i] = record;
}

/**
 * Posts a signed webhook as Mesh would. Real Mesh only sends webhooks about transfers it made, so
 * unless `meshKnows: false` the fake Mesh first records the transfer the body describes (what the
 * kit's verification then looks up); tests about verification set the fake's records themselves.
 */
export async function postWebhook(
  k: Kit,
  body: string | Buffer,
  opts: { signature?: string | null; headerName?: string; headers?: Record<string, string>; meshKnows?: boolean } = {},
): Promise<Response> {
  if (opts.meshKnows !== false) {
    const record = meshRecordOf(body);
    if (record) recordAtMesh(k.mesh, record);
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  const signature = opts.signature === undefined ? signWebhookBody(WEBHOOK_SECRET, body) : opts.signature;
  if (signature !== null) headers[opts.headerName ?? 'X-Mesh-Signature-256'] = signature;
  return fetch(`${k.url}/mesh/webhook`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
}

export interface SseMessage {
  event?: string;
  id?: string;
  data?: string;
  retry?: string;
}

/** A minimal EventSource over fetch: exposes messages, comments and the end of the stream. */
export class SseClient {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  retry: string | undefined;
  status = 0;
  headers: Headers | undefined;
  ended = false;
  private readonly controller = new AbortController();
  private waiters: (() => void)[] = [];
  private done: Promise<void> = Promise.resolve();

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const c = new SseClient();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: c.controller.signal });
    c.status = res.status;
    c.headers = res.headers;
    if (res.status !== 200 || !res.body) {
      c.ended = true;
      c.body = await res.text();
      return c;
    }
    c.done = c.pump(res.body);
    return c;
  }

  body = '';

  private async pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    const blocks = new SseBlockReader();
    const reader = stream.getReader();
    try {
      for (;;) {
        const { value: chunk, done } = await reader.read();
        if (done) break;
        for (const block of blocks.push(decoder.decode(chunk, { stream: true }))) {
          this.comments.push(...block.comments);
          if (block.retry !== undefined) this.retry = block.retry;
          const msg: SseMessage = {};
          if (block.event !== undefined) msg.event = block.event;
          if (block.id !== undefined) msg.id = block.id;
          if (block.data !== undefined) msg.data = block.data;
          if (Object.keys(msg).length > 0) this.messages.push(msg);
          this.notify();
        }
      }
    } catch {
      // aborted by close()
    }
    this.ended = true;
    this.notify();
  }

  private notify() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when `predicate` holds (checked on every message, comment and the end). */
  async until(predicate: (c: SseClient) => boolean, what = 'condition'): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!predicate(this)) {
      if (this.ended && !predicate(this)) throw new Error(`stream ended before ${what}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((ok) => {
        const t = setTimeout(ok, 250);
        this.waiters.push(() => {
          clearTimeout(t);
          ok();
        });
      });
    }
  }

  statuses(): { seq: number; update: Record<string, unknown> }[] {
    return this.messages
      .filter((m) => m.event === 'status')
      .map((m) => ({ seq: Number(m.id), update: JSON.parse(m.data ?? '{}') as Record<string, unknown> }));
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}

/** Waits until `check` is true, polling the store (for effects that have no event to await). */
/**
 * Waits for a condition. The deadline only matters when the condition never comes: it is generous so
 * that a loaded machine (a CI box, two cores shared by Chromium and three databases) is not a failure.
 */
export async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 10));
  }
}

/** A promise with its resolve function, for hooks the test releases by hand. */
export function gate<T = void>(): { promise: Promise<T>; open: (v: T) => void } {
  let open!: (v: T) => void;
  const promise = new Promise<T>((ok) => (open = ok));
  return { promise, open };
}
