/**
 * Our side of the server benchmarks: the backend kit at /mesh with the local Mesh sandbox at
 * /sandbox/mesh (it mints the link tokens), one Express app, one process, the store named in the
 * config. The sandbox never plays a flow by itself here: the benchmark posts the webhooks.
 */
import { createServer } from 'node:http';
import express from 'express';
import { createMeshPay, openStore } from '@mesh-pay/backend-kit';
import { createMeshSandbox } from '@mesh-pay/mesh-sandbox';
import { announce, listen, serverConfig } from './child-protocol.js';

const config = serverConfig<{ store: string; webhookSecret: string; kitSecret: string }>();

const app = express();
const server = await listen(createServer(app));
const address = server.address();
if (!address || typeof address === 'string') throw new Error('not listening');
const origin = `http://127.0.0.1:${address.port}`;

const sandbox = createMeshSandbox({ webhookUrl: `${origin}/mesh/webhook`, webhookSecret: config.webhookSecret });
app.use('/sandbox/mesh', sandbox.router);

const quiet = { info() {}, warn() {}, error: (message: string, meta?: object) => console.error(message, meta ?? '') };
let networkId: string | undefined;
const store = await openStore(config.store);
const kit = createMeshPay({
  store,
  mesh: { clientId: 'bench-client', clientSecret: 'bench-secret', apiUrl: `${origin}/sandbox/mesh` },
  webhookSecret: config.webhookSecret,
  kitSecret: config.kitSecret,
  rateLimit: false,
  logger: quiet,
  resolveOrder: async (orderId: string) => ({
    userId: `bench-${orderId}`,
    amountInFiat: '25.00',
    fiatCurrency: 'USD',
    destinations: [{ networkId: networkId!, chain: 'Ethereum', token: 'USDC', address: '0x0000000000000000000000000000000000000001' }],
  }),
  onTransferSucceeded: () => {},
});
app.use('/mesh', kit.router);
await kit.start();

// Like the demo: look Mesh's network id up rather than hard-coding it.
const networks = (await (await fetch(`${origin}/sandbox/mesh/api/v1/transfers/managed/networks`, {
  headers: { 'x-client-id': 'bench-client', 'x-client-secret': 'bench-secret' },
})).json()) as { content?: { networks?: { id: string; name: string }[] } };
networkId = networks.content?.networks?.find((n) => n.name.toLowerCase() === 'ethereum')?.id;
if (!networkId) throw new Error('the sandbox lists no Ethereum network');

announce(server, {}, () => kit.close());
