/** Small helpers for tests that talk to the sandbox over real HTTP. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_NETWORKS } from '../../src/index.js';
import { assertMeshResponse } from './mesh-contract.js';

export interface Listening {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1, port 0. */
export async function listen(app: Express): Promise<Listening> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const credentials = { 'X-Client-Id': SANDBOX_CLIENT_ID, 'X-Client-Secret': SANDBOX_CLIENT_SECRET };

export const network = (name: string) => {
  const n = SANDBOX_NETWORKS.find((x) => x.name === name);
  if (!n) throw new Error(`no network ${name}`);
  return n;
};

export const MERCHANT_ADDRESS = '0x0Ff0000f0A0f0000F0F000000000ffFf00f0F0f0';

/** A payment request like the demo makes: 25 USD in USDC on Base to the merchant. */
export function paymentRequest(overrides: { transactionId?: string; userId?: string; amountInFiat?: number } = {}) {
  return {
    userId: overrides.userId ?? 'customer-42',
    restrictMultipleAccounts: true,
    transferOptions: {
      toAddresses: [{ networkId: network('Base').id, symbol: 'USDC', address: MERCHANT_ADDRESS }],
      amountInFiat: overrides.amountInFiat ?? 25,
      transactionId: overrides.transactionId ?? `order-${Math.random().toString(36).slice(2, 10)}`,
      transferType: 'payment',
      fundingOptions: { enabled: false },
    },
  };
}

/** Mints a link token through the API; returns the token and the URL it decodes to. */
export async function mintLinkToken(base: string, body: unknown = paymentRequest()): Promise<{ linkToken: string; linkUrl: string }> {
  const response = await fetch(`${base}/api/v1/linktoken`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...credentials },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { content?: { linkToken?: string }; message?: string };
  if (response.status !== 200 || !json.content?.linkToken) throw new Error(`linktoken ${response.status}: ${json.message}`);
  // Every token any test mints is also a check of the answer against Mesh's document.
  assertMeshResponse('post', '/api/v1/linktoken', response.status, json);
  const linkToken = json.content.linkToken;
  return { linkToken, linkUrl: Buffer.from(linkToken, 'base64').toString('utf8') };
}
