/**
 * A fake Mesh API for the kit's tests: a real Express server on a free port that answers the three
 * calls the kit makes the way Mesh does, records what it received, and can be told to refuse,
 * stall or drop connections.
 */
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express from 'express';

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

export interface FakeMeshTransfer {
  id: string;
  clientTransactionId: string;
  status: string;
  hash?: string;
  symbol?: string;
  networkName?: string;
  destinationAddress?: string;
  /** Written into the JSON as a bare number literal. */
  sourceAmountLiteral?: string;
}

export interface FakeMesh {
  url: string;
  linkTokenMode: LinkTokenMode;
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
  const sockets = new Set<Socket>();
  let dropped = 0;

  const fake: FakeMesh = {
    url: '',
    linkTokenMode: { kind: 'ok' },
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
    if (mode.kind === 'stall') {
      const release = () => {
        stalled.delete(release);
        if (!res.headersSent) res.status(503).end();
      };
      stalled.add(release);
      res.on('close', release);
      return;
    }
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
    const body = JSON.parse(String(req.body)) as { transferOptions?: { transactionId?: string } };
    const url = `${fake.url}/link?tx=${encodeURIComponent(body.transferOptions?.transactionId ?? '')}`;
    res.json({ content: { linkToken: Buffer.from(url).toString('base64') }, status: 'ok', message: '' });
  });

  app.get('/api/v1/transfers/managed/networks', (req, res) => {
    if (!authorized(req)) return void refuseAuth(res);
    fake.networksCalls++;
    res.json({ content: { networks: NETWORKS }, status: 'ok' });
  });

  app.get('/api/v1/transfers/managed/mesh', (req, res) => {
    if (!authorized(req)) return void refuseAuth(res);
    fake.transfersQueries.push(req.originalUrl);
    const wanted = req.query.ClientTransactionId;
    const items = fake.transfers
      .filter((t) => t.clientTransactionId === wanted)
      .map(({ sourceAmountLiteral, ...t }) => ({ ...t, sourceAmount: `@@${sourceAmountLiteral ?? '0'}@@` }));
    // Amounts as bare number literals with many digits, as Mesh writes them.
    const json = JSON.stringify({ content: { items, total: items.length }, status: 'ok' }).replace(/"@@([^@]+)@@"/g, '$1');
    res.type('application/json').send(json);
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
