import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { meshOpenApiDocument, meshSchemaErrors } from '@mesh-pay/mesh-sandbox/openapi';
import { createDemoApp, type ListeningDemo } from '../../demo/server.js';

/**
 * A merchant with real credentials points the demo at "Mesh": here a tiny server that checks every
 * request against Mesh's own OpenAPI document and refuses what Mesh would refuse (unknown fields,
 * wrong types, missing credentials) with Mesh's error envelope. An ordinary demo order must get a
 * link token from it — so nothing the demo sends is our imitation of Mesh.
 */

const CLIENT_ID = 'merchant-client-id';
const CLIENT_SECRET = 'merchant-client-secret';
const ETHEREUM = '7436e9d0-ba42-4d2b-b4c0-8e4e606b2c12';

interface Seen {
  method: string;
  path: string;
  problems: string[];
}

/** Mesh, as strict as its document: every request validated, every answer checked against its schema too. */
async function startStrictMesh(): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const documented = meshOpenApiDocument().paths as Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
  const app = express();
  app.use(express.json({ limit: '64kb' }));

  const answer = (res: express.Response, schema: string, body: object, status = 200) => {
    const problems = meshSchemaErrors(schema, body);
    if (problems.length > 0) throw new Error(`the strict Mesh's own ${schema} answer is invalid: ${problems.join('; ')}`);
    res.status(status).json(body);
  };
  const refuse = (res: express.Response, status: number, problems: string[]) =>
    answer(res, 'ApiResult', { status: status === 401 ? 'permissionDenied' : 'badRequest', message: problems.join('; '), errorType: 'invalidField' }, status);

  app.use((req, res, next) => {
    const entry: Seen = { method: req.method, path: req.path, problems: [] };
    seen.push(entry);
    const operation = documented[req.path]?.[req.method.toLowerCase()];
    if (!operation) entry.problems.push(`${req.method} ${req.path} is not in Mesh's document`);
    const known = new Set((operation?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name));
    for (const name of Object.keys(req.query)) if (!known.has(name)) entry.problems.push(`query parameter ${name} is not Mesh's`);
    if (req.get('x-client-id') !== CLIENT_ID || req.get('x-client-secret') !== CLIENT_SECRET) {
      entry.problems.push('bad credentials');
      return refuse(res, 401, entry.problems);
    }
    if (entry.problems.length > 0) return refuse(res, operation ? 400 : 404, entry.problems);
    next();
  });

  app.post('/api/v1/linktoken', (req, res) => {
    const problems = meshSchemaErrors('GetLinkTokenRequest', req.body);
    seen.at(-1)!.problems.push(...problems);
    if (problems.length > 0) return refuse(res, 400, problems);
    const body = req.body as { transferOptions?: { transactionId?: string } };
    const link = `https://web.meshconnect.com/link?tx=${encodeURIComponent(body.transferOptions?.transactionId ?? '')}`;
    answer(res, 'LinkTokenModelApiResult', { content: { linkToken: Buffer.from(link).toString('base64') }, status: 'ok', message: '' });
  });
  app.get('/api/v1/transfers/managed/networks', (_req, res) =>
    answer(res, 'NetworkModelResponseApiResult', {
      content: {
        networks: [
          { id: ETHEREUM, name: 'Ethereum', chainId: '1', supportedTokens: ['ETH', 'USDC'], nativeSymbol: 'ETH', networkType: 'evm' },
        ],
      },
      status: 'ok',
    }),
  );
  app.get('/api/v1/transfers/managed/mesh', (_req, res) =>
    answer(res, 'TransferModelPaginationResponseApiResult', { content: { items: [], total: 0 }, status: 'ok' }),
  );

  const server: Server = await new Promise((ok) => {
    const s = app.listen(0, '127.0.0.1', () => ok(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

describe('the demo against a server that validates like Mesh', () => {
  let mesh: Awaited<ReturnType<typeof startStrictMesh>>;
  let demo: ListeningDemo;

  before(async () => {
    mesh = await startStrictMesh();
    const app = await createDemoApp({
      PORT: '0',
      MESH_STORE: 'memory',
      MESH_CLIENT_ID: CLIENT_ID,
      MESH_CLIENT_SECRET: CLIENT_SECRET,
      MESH_WEBHOOK_SECRET: 'merchant-webhook-secret-0123456789',
      MESH_KIT_SECRET: 'demo-mesh-contract-kit-secret-0123456789',
      MESH_API_URL: mesh.url,
    });
    demo = await app.listen();
  });

  after(async () => {
    await demo?.close();
    await mesh?.close();
  });

  it('gets a link token for an ordinary order, every request valid against Mesh’s document', async () => {
    const res = await fetch(`${demo.url}/mesh/link-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId: 'order-contract-1' }),
    });
    const text = await res.text();
    assert.equal(res.status, 200, `${text}\n${JSON.stringify(mesh.seen, null, 1)}`);
    const minted = JSON.parse(text) as { linkToken: string; transactionId: string };
    assert.match(Buffer.from(minted.linkToken, 'base64').toString(), /^https:\/\/web\.meshconnect\.com\/link\?tx=/);
    assert.deepEqual(
      mesh.seen.filter((s) => s.problems.length > 0),
      [],
      'Mesh would have refused none of these',
    );
    assert.deepEqual(
      mesh.seen.map((s) => `${s.method} ${s.path}`).filter((p, i, all) => all.indexOf(p) === i).sort(),
      ['GET /api/v1/transfers/managed/networks', 'POST /api/v1/linktoken'],
    );
  });

  it('is a server that does refuse what Mesh refuses (so the story above can fail)', async () => {
    const post = (body: unknown, secret = CLIENT_SECRET) =>
      fetch(`${mesh.url}/api/v1/linktoken`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-Client-Id': CLIENT_ID, 'X-Client-Secret': secret },
        body: JSON.stringify(body),
      });
    const fiat = await post({ userId: 'u', transferOptions: { amountInFiat: 25, fiatCurrency: 'USD' } });
    assert.equal(fiat.status, 400);
    assert.match(((await fiat.json()) as { message: string }).message, /fiatCurrency/);
    assert.equal((await post({ userId: 'u', transferOptions: { amountInFiat: '25.00' } })).status, 400, 'a string amount');
    assert.equal((await post({ transferOptions: {} })).status, 400, 'no userId');
    assert.equal((await post({ userId: 'u' }, 'wrong')).status, 401);
    const unknownQuery = await fetch(`${mesh.url}/api/v1/transfers/managed/networks?fiat=USD`, {
      headers: { 'X-Client-Id': CLIENT_ID, 'X-Client-Secret': CLIENT_SECRET },
    });
    assert.equal(unknownQuery.status, 400);
  });
});
