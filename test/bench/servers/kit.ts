/**
 * Our side of the server benchmarks: the backend kit at /mesh with the local Mesh sandbox at
 * /sandbox/mesh (it mints the link tokens), one Express app, one process, the store named in the
 * config. The sandbox never plays a flow by itself here: the benchmark posts the webhooks.
 *
 * With `page`, it also serves the widget's script-tag bundle (from `widgetDir`) and `GET /page?order=<id>`: a page with
 * nothing on it but `<mesh-pay-button>`, for the click-to-Link benchmark, and `GET /blank` (an empty page of the same origin).
 */
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createMeshPay, openStore } from '@mesh-pay/backend-kit';
import { createMeshSandbox, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_NETWORKS } from '@mesh-pay/mesh-sandbox';
import { announce, listen, serverConfig } from './child-protocol.js';

const config = serverConfig<{ store: string; webhookSecret: string; kitSecret: string; page?: boolean; widgetDir?: string }>();

const app = express();
const server = await listen(createServer(app));
const address = server.address();
if (!address || typeof address === 'string') throw new Error('not listening');
const origin = `http://127.0.0.1:${address.port}`;

// Like the kit below (rateLimit: false), the local Mesh must not throttle a throughput benchmark.
const sandbox = createMeshSandbox({ webhookUrl: `${origin}/mesh/webhook`, webhookSecret: config.webhookSecret, rateLimit: 0 });
app.use('/sandbox/mesh', sandbox.router);

const quiet = { info() {}, warn() {}, error: (message: string, meta?: object) => console.error(message, meta ?? '') };
const networkId = SANDBOX_NETWORKS.find((n) => n.name === 'Ethereum')!.id;
const store = await openStore(config.store);
const kit = createMeshPay({
  store,
  mesh: { clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, apiUrl: `${origin}/sandbox/mesh` },
  webhookSecret: config.webhookSecret,
  kitSecret: config.kitSecret,
  // The benchmark posts webhooks for transfers the sandbox never made; it measures the kit, not Mesh's API.
  verifyTransfers: false,
  rateLimit: false,
  // The fan-out benchmark holds thousands of streams, many on one capability ("shared" shape):
  // it measures the fan-out itself, so the protective caps are lifted here.
  streamLimits: { perCapability: 1_000_000, perInstance: 1_000_000 },
  logger: quiet,
  resolveOrder: async (orderId: string) => ({
    userId: `bench-${orderId}`,
    amountInFiat: '25.00',
    destinations: [{ networkId, chain: 'Ethereum', token: 'USDC', address: '0x0000000000000000000000000000000000000001' }],
  }),
  onTransferSucceeded: () => {},
});
app.use('/mesh', kit.router);
await kit.start();

if (config.page) {
  app.use(express.static(config.widgetDir ?? fileURLToPath(new URL('../../../packages/widget/dist/browser', import.meta.url))));
  app.get('/page', (req, res) => {
    const order = typeof req.query.order === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(req.query.order) ? req.query.order : 'bench-order';
    res.type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>click to Link</title><link rel="icon" href="data:,">
<script type="module" src="/mesh-pay-button.js"></script></head>
<body><mesh-pay-button token-url="/mesh/link-token" order-id="${order}" label="Pay with crypto"></mesh-pay-button></body></html>`);
  });
  // The same origin with nothing on it: the Link page's own load is timed from here.
  app.get('/blank', (_req, res) => {
    res.type('html').send('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>blank</title><link rel="icon" href="data:,"></head><body></body></html>');
  });
}

announce(server, { streams: () => kit.openStreamCount() }, () => kit.close());
