/**
 * A fake Mesh API for the kit's tests: a real Express server on a free port that answers the three
 * calls the kit makes the way Mesh does, records what it received, and can be told to refuse,
 * stall or drop connections.
 */
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express from 'express';
import { meshSchemaErrors } from '@mesh-pay/mesh-sandbox/openapi';

export const FAKE_CLIENT_ID = 'fake-client-id';
export const FAKE_CLIENT_SECRET = 'fake-client-secret-DO-NOT-LEAK';

export type LinkTokenMode =
  | { kind: 'ok' }
  /** Mesh refuses with a 4xx and a message that must never reach a browser. */
  | { kind: 'refuse'; status: number }
  | { kind: 'server-error' }
  /** Holds the response until `release()` (or the socket closes). */
  | { kind: 'stall' }
  /** Destroys the socket without answering, `times` times, then answers normally. */
  | { kind: 'drop'; times: number };

/**
 * Mesh's record of one transfer, as `TransferModel` names its fields. Amounts are decimal strings
 * written into the JSON as bare number literals, as Mesh writes them.
 */
export interface FakeMeshTransfer {
  id: string;
  clientTransactionId: string | null;
  status: 'pending' | 'succeeded' | 'failed';
  hash?: string;
  symbol?: string;
  networkId?: string;
  networkName?: string;
  destinationAddress?: string;
  amountInFiat?: string;
  destinationAmountInFiat?: string;
  amount?: string;
  sourceAmount?: string;
  destinationAmount?: string;
}

const AMOUNT_FIELDS = ['amountInFiat', 'destinationAmountInFiat', 'amount', 'sourceAmount', 'destinationAmount'] as const;

/** How `GET /api/v1/transfers/managed/mesh` behaves. */
export type TransfersMode = { kind: 'ok' } | { kind: 'server-error' } | { kind: 'stall' } | { kind: 'drop' };

export interface FakeMesh {
  url: string;
  linkTokenMode: LinkTokenMode;
  transfersMode: TransfersMode;
  /** `content.paymentLink` to answer with when a request asks for `generatePayLink`. */
  paymentLink: string;
  /** Schema errors of link-token requests Mesh would have refused (the fake refused them with 400, as Mesh does). */
  refusedRequests: string[][];
  /** Every JSON answer sent, by path (tests check them against Mesh's response schemas). */
  answers: { path: string; body: unknown }[];
  /** Raw bodies of every POST /api/v1/linktoken received (including dropped ones). */
  linkTokenBodies: string[];
  networksCalls: number;
  transfers: FakeMeshTransfer[];
  transfersQueries: string[];
  release(): void;
  close(): Promise<void>;
}

export const NETWORKS = [
  { id: '7436e9d0-ba42-4d2b-b4c0-8e4e606b2c12', name: 'Ethereum', chainId: '1', supportedTokens: ['ETH', 'USDC'] },
  { id: '18fa36b0-88a8-43ca-83db-9a874e0a2288', name: 'Solana', chainId: '101', supportedTokens: ['SOL', 'USDC'] },
];

export async function startFakeMesh(): Promise<FakeMesh> {
  const app = express();
  const stalled = new Set<() => void>();
  /** Holds an answer until the test releases it (or the client leaves): Mesh hanging. */
  const stall = (res: express.Response): void => {
    const release = () => {
      stalled.delete(release);
      if (!res.headersSent) res.status(503).end();
    };
    stalled.add(release);
    res.on('close', release);
  };
  const sockets = new Set<Socket>();
  let dropped = 0;

  const fake: FakeMesh = {
    url: '',
    linkTokenMode: { kind: 'ok' },
    transfersMode: { kind: 'ok' },
    paymentLink: 'https://pay.meshconnect.com/p/fake-pay-link',
    refusedRequests: [],
    answers: [],
    linkTokenBodies: [],
    networksCalls: 0,
    transfers: [],
    transfersQueries: [],
    release() {
      for (const r of [...stalled]) r();
    },
    async close() {
      fake.release();
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };

  // Keeps a copy of every JSON answer; express's res.json is the one way out for all of them.
  app.use((req, res, next) => {
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      fake.answers.push({ path: req.path, body });
      return json(body);
    };
    next();
  });

  const authorized = (req: express.Request) =>
    req.get('x-client-id') === FAKE_CLIENT_ID && req.get('x-client-secret') === FAKE_CLIENT_SECRET;
  const refuseAuth = (res: express.Response) =>
    res.status(401).json({ status: 'unauthorized', message: `Invalid client secret ${FAKE_CLIENT_SECRET}`, errorType: 'invalidClientCredentials' });

  app.post('/api/v1/linktoken', express.text({ type: () => true }), (req, res) => {
    fake.linkTokenBodies.push(String(req.body));
    const mode = fake.linkTokenMode;
    if (mode.kind === 'drop' && dropped < mode.times) {
      dropped++;
      req.socket.destroy();
      return;
    }
    if (mode.kind === 'stall') return void stall(res);
    if (!authorized(req)) return void refuseAuth(res);
    if (mode.kind === 'refuse') {
      res.status(mode.status).json({
        status: 'badRequest',
        message: `toAddresses[0].address is invalid <script>alert(1)</script> (client ${FAKE_CLIENT_ID})`,
        displayMessage: 'Internal detail',
        errorType: 'invalidField',
      });
      return;
    }
    if (mode.kind === 'server-error') {
      res.status(500).json({ status: 'serverFailure', message: 'database exploded at 10.0.0.3', errorType: 'internal' });
      return;
    }
    const body = JSON.parse(String(req.body)) as { transferOptions?: { transactionId?: string; generatePayLink?: boolean } };
    // Mesh validates against its own document and refuses what it does not define.
    const problems = meshSchemaErrors('GetLinkTokenRequest', body);
    if (problems.length > 0) {
      fake.refusedRequests.push(problems);
      res.status(400).json({ status: 'badRequest', message: problems.join('; '), errorType: 'invalidField' });
      return;
    }
    const url = `${fake.url}/link?tx=${encodeURIComponent(body.transferOptions?.transactionId ?? '')}`;
    const content: Record<string, string> = { linkToken: Buffer.from(url).toString('base64') };
    if (body.transferOptions?.generatePayLink === true) content.paymentLink = fake.paymentLink;
    res.json({ content, status: 'ok', message: '' });
  });

  app.get('/api/v1/transfers/managed/networks', (req, res) => {
    if (!authorized(req)) return void refuseAuth(res);
    fake.networksCalls++;
    res.json({ content: { networks: NETWORKS }, status: 'ok' });
  });

  app.get('/api/v1/transfers/managed/mesh', (req, res) => {
    if (!authorized(req)) return void refuseAuth(res);
    fake.transfersQueries.push(req.originalUrl);
    const mode = fake.transfersMode;
    if (mode.kind === 'drop') return void req.socket.destroy();
    if (mode.kind === 'stall') return void stall(res);
    if (mode.kind === 'server-error') {
      res.status(503).json({ status: 'serverFailure', message: 'upstream timeout', errorType: 'internal' });
      return;
    }
    const listing = transferListing(fake.transfers, req.query);
    fake.answers.push({ path: req.path, body: JSON.parse(listing) });
    res.type('application/json').send(listing);
  });

  const server: Server = await new Promise((ok) => {
    const s = app.listen(0, '127.0.0.1', () => ok(s));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/**
 * The listing's JSON, filtered as Mesh filters (`Id`, `ClientTransactionId`; both when both are
 * given): a `TransferModelPaginationResponseApiResult` with amounts as bare number literals.
 */
export function transferListing(transfers: readonly FakeMeshTransfer[], query: Record<string, unknown>): string {
  const items = transfers
    .filter((t) => query.Id === undefined || t.id === query.Id)
    .filter((t) => query.ClientTransactionId === undefined || t.clientTransactionId === query.ClientTransactionId)
    .map((t) => {
      const item: Record<string, unknown> = { ...t };
      for (const key of AMOUNT_FIELDS) if (t[key] !== undefined) item[key] = `@@${t[key]}@@`;
      return item;
    });
  return JSON.stringify({ content: { items, total: items.length }, status: 'ok', message: '' }).replace(/"@@([^@"]+)@@"/g, '$1');
}
