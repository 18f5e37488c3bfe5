/**
 * The kit speaks Mesh's real contract: every link-token request it can build is valid against
 * `GetLinkTokenRequest` in Mesh's own OpenAPI document, its types come from Mesh's generated client
 * (a field Mesh does not define does not compile), and the fake Mesh the other tests run against
 * answers in shapes the same document allows, so it cannot drift from Mesh.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { meshSchemaErrors } from '@mesh-pay/mesh-sandbox/openapi';
import { buildLinkTokenRequest } from '../src/link-token-route.js';
import type { ResolvedOrder } from '../src/config.js';
import { stringifyWithDecimals } from '../src/mesh-client.js';
import type { MeshLinkTokenRequest, MeshToAddress } from '../src/mesh-api-types.js';
import { JsonNumber } from '../src/lossless-json.js';
import { MESH_BASE_URLS } from '../src/index.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, NETWORKS, transferListing, type FakeMeshTransfer } from './fake-mesh.js';
import { DESTINATION, mint, startKit } from './harness.js';

const XRP = { networkId: NETWORKS[1]!.id, chain: 'Solana', token: 'USDC', address: 'rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe' };

const base: ResolvedOrder = { userId: 'user-1', amountInFiat: '25.00', destinations: [DESTINATION] };

/** Every option a merchant may set, one at a time, then all together. */
const variants: [string, ResolvedOrder][] = [
  ['a plain USD price', base],
  ['restrictMultipleAccounts: false', { ...base, restrictMultipleAccounts: false }],
  ['integrationId (preselected exchange)', { ...base, integrationId: '3b6a7c1e-5f0a-4c1e-9d8e-2a1b3c4d5e6f' }],
  ['addressTag (memo)', { ...base, destinations: [{ ...XRP, addressTag: '104383' }] }],
  ['a crypto amount, no USD price', { userId: 'user-1', destinations: [{ ...DESTINATION, amount: '25.000001' }] }],
  ['clientFee', { ...base, clientFee: '0.025' }],
  ['isInclusiveFeeEnabled', { ...base, isInclusiveFeeEnabled: true }],
  ['fundingOptions', { ...base, fundingOptions: { enabled: true } }],
  ['generatePayLink', { ...base, generatePayLink: true }],
  ['a deposit', { ...base, transferType: 'deposit' }],
  [
    'everything at once',
    {
      userId: 'user-everything',
      amountInFiat: '1234567890.12345678',
      transferType: 'payment',
      isInclusiveFeeEnabled: false,
      restrictMultipleAccounts: false,
      integrationId: '3b6a7c1e-5f0a-4c1e-9d8e-2a1b3c4d5e6f',
      clientFee: '0.00000001',
      fundingOptions: { enabled: false },
      generatePayLink: true,
      destinations: [
        { ...DESTINATION, amount: '0.000000000000000001' },
        { ...XRP, addressTag: 'memo-42', amount: '98765432109876.123456789' },
      ],
    },
  ],
];

describe("link-token requests, checked against Mesh's OpenAPI document", () => {
  for (const [name, order] of variants) {
    it(`${name}: valid GetLinkTokenRequest, sent exactly as decimals`, () => {
      const request = buildLinkTokenRequest(order, `mp_${randomUUID()}`);
      // What goes over the wire, read back as Mesh's validator reads it.
      const wire = stringifyWithDecimals(request);
      assert.deepEqual(meshSchemaErrors('GetLinkTokenRequest', JSON.parse(wire)), []);
      assert.ok(!wire.includes('fiatCurrency'));
      if (order.amountInFiat) assert.ok(wire.includes(`"amountInFiat":${order.amountInFiat}`), wire);
      else assert.ok(!wire.includes('amountInFiat'), 'no USD price is sent when the order is priced in the token');
      for (const d of order.destinations) if (d.amount) assert.ok(wire.includes(`"amount":${d.amount}`), wire);
      if (order.clientFee) assert.ok(wire.includes(`"clientFee":${order.clientFee}`), wire);
    });
  }

  it('sends an option only when the order set it, and restrictMultipleAccounts defaults to true', () => {
    const request = buildLinkTokenRequest(base, 'mp_x');
    assert.deepEqual(Object.keys(request).sort(), ['restrictMultipleAccounts', 'transferOptions', 'userId']);
    assert.equal(request.restrictMultipleAccounts, true);
    assert.deepEqual(Object.keys(request.transferOptions ?? {}).sort(), ['amountInFiat', 'toAddresses', 'transactionId', 'transferType']);
    assert.deepEqual(Object.keys(request.transferOptions?.toAddresses?.[0] ?? {}).sort(), ['address', 'networkId', 'symbol']);
  });

  it("catches what Mesh would refuse: the validator is not a rubber stamp", () => {
    const wire = JSON.parse(stringifyWithDecimals(buildLinkTokenRequest(base, 'mp_x'))) as { transferOptions: Record<string, unknown> };
    wire.transferOptions.fiatCurrency = 'EUR';
    assert.match(meshSchemaErrors('GetLinkTokenRequest', wire).join('\n'), /fiatCurrency/);
    assert.notDeepEqual(meshSchemaErrors('GetLinkTokenRequest', { userId: 'u', transferOptions: { clientFee: 2 } }), []);
  });

  it("types come from Mesh's generated client: a field Mesh does not define does not compile", () => {
    const ok: MeshLinkTokenRequest = { userId: 'u', transferOptions: { amountInFiat: new JsonNumber('1.5'), generatePayLink: true } };
    // @ts-expect-error Mesh has no fiatCurrency: amountInFiat is USD.
    const currency: MeshLinkTokenRequest = { userId: 'u', transferOptions: { fiatCurrency: 'USD' } };
    // @ts-expect-error amounts are exact decimals, never JS numbers.
    const double: MeshToAddress = { networkId: DESTINATION.networkId, amount: 0.1 };
    // @ts-expect-error a misspelt option is caught before Mesh refuses it.
    const typo: MeshLinkTokenRequest = { userId: 'u', restrictMultipleAcounts: true };
    assert.deepEqual(meshSchemaErrors('GetLinkTokenRequest', JSON.parse(stringifyWithDecimals(ok))), []);
    assert.ok([currency, double, typo].every((v) => meshSchemaErrors('GetLinkTokenRequest', v).length > 0 || 'networkId' in v));
  });

  it("uses Mesh's published hosts for sandbox and production", () => {
    assert.equal(MESH_BASE_URLS.sandbox, 'https://sandbox-integration-api.meshconnect.com');
    assert.equal(MESH_BASE_URLS.production, 'https://integration-api.meshconnect.com');
  });
});

describe('a resolver that returns what Mesh would refuse', () => {
  const bad: [string, unknown][] = [
    ['fiatCurrency other than USD', { ...base, fiatCurrency: 'EUR' }],
    ['no price at all', { userId: 'u', destinations: [DESTINATION] }],
    ['a zero price', { ...base, amountInFiat: '0.00' }],
    ['a price as a JS number', { ...base, amountInFiat: 25 }],
    ['an exponent price', { ...base, amountInFiat: '2.5e1' }],
    ['integrationId not a UUID', { ...base, integrationId: 'coinbase' }],
    ['integrationId injection', { ...base, integrationId: "3b6a7c1e-5f0a-4c1e-9d8e-2a1b3c4d5e6f' OR 1=1" }],
    ['clientFee above 1', { ...base, clientFee: '2' }],
    ['clientFee negative', { ...base, clientFee: '-0.1' }],
    ['clientFee as a number', { ...base, clientFee: 0.02 }],
    ['fundingOptions with a field Mesh lacks', { ...base, fundingOptions: { enabled: true, limit: 5 } }],
    ['generatePayLink not a boolean', { ...base, generatePayLink: 'yes' }],
    ['an oversize addressTag', { ...base, destinations: [{ ...DESTINATION, addressTag: 'x'.repeat(101) }] }],
    ['an empty addressTag', { ...base, destinations: [{ ...DESTINATION, addressTag: '' }] }],
    ['a negative token amount', { userId: 'u', destinations: [{ ...DESTINATION, amount: '-1' }] }],
    ['networkId not a UUID', { ...base, destinations: [{ ...DESTINATION, networkId: 'ethereum' }] }],
    ['too many destinations', { ...base, destinations: Array.from({ length: 21 }, () => DESTINATION) }],
  ];

  it('is stopped before Mesh is called: 500 to the browser, the reason in the merchant log', async () => {
    let order: unknown;
    const k = await startKit({ resolveOrder: async () => order as ResolvedOrder });
    try {
      for (const [name, value] of bad) {
        order = value;
        const res = await fetch(`${k.url}/mesh/link-token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ orderId: 'order-bad' }),
        });
        assert.equal(res.status, 500, name);
        assert.equal(((await res.json()) as { code: string }).code, 'MESH_PAY_INTERNAL', name);
      }
      assert.deepEqual(k.mesh.linkTokenBodies, [], 'nothing reached Mesh');
      const logged = k.logs.filter((l) => /resolveOrder returned an invalid order/.test(l.message));
      assert.equal(logged.length, bad.length);
      assert.match(JSON.stringify(logged[0]?.meta), /fiatCurrency.*USD only/);
      assert.match(JSON.stringify(logged[1]?.meta), /amountInFiat \(USD\) or an amount on every destination/);
    } finally {
      await k.close();
    }
  });
});

describe('the fake Mesh answers in the shapes Mesh documents', () => {
  const ask = async (url: string): Promise<unknown> =>
    (await fetch(url, { headers: { 'X-Client-Id': FAKE_CLIENT_ID, 'X-Client-Secret': FAKE_CLIENT_SECRET } })).json();

  it('link tokens (with and without a pay link), refusals, networks', async () => {
    const k = await startKit({
      resolveOrder: async (orderId) => ({ ...base, ...(orderId.startsWith('pay-link') ? { generatePayLink: true } : {}) }),
    });
    try {
      await mint(k, 'plain-order');
      const withLink = await mint(k, 'pay-link-order');
      assert.equal(withLink.paymentLink, k.mesh.paymentLink, 'Mesh\'s pay link reaches the button as paymentLink');
      const answers = k.mesh.answers.filter((a) => a.path === '/api/v1/linktoken');
      assert.equal(answers.length, 2);
      for (const a of answers) assert.deepEqual(meshSchemaErrors('LinkTokenModelApiResult', a.body), []);
      assert.deepEqual(k.mesh.refusedRequests, []);

      k.mesh.linkTokenMode = { kind: 'refuse', status: 400 };
      const refusal = await (await fetch(`${k.mesh.url}/api/v1/linktoken`, {
        method: 'POST',
        headers: { 'X-Client-Id': FAKE_CLIENT_ID, 'X-Client-Secret': FAKE_CLIENT_SECRET, 'content-type': 'application/json' },
        body: '{"userId":"u"}',
      })).json();
      assert.deepEqual(meshSchemaErrors('ApiResult', refusal), []);
      assert.deepEqual(meshSchemaErrors('NetworkModelResponseApiResult', await ask(`${k.mesh.url}/api/v1/transfers/managed/networks`)), []);
    } finally {
      await k.close();
    }
  });

  it('transfer listings: pending, succeeded with every amount, failed, and empty', () => {
    const transfers: FakeMeshTransfer[] = [
      { id: randomUUID(), clientTransactionId: 'mp_a', status: 'pending', amountInFiat: '25.00', symbol: 'USDC', networkId: NETWORKS[0]!.id },
      {
        id: randomUUID(),
        clientTransactionId: 'mp_a',
        status: 'succeeded',
        hash: '0xfeed',
        symbol: 'USDC',
        networkId: NETWORKS[0]!.id,
        networkName: 'Ethereum',
        destinationAddress: DESTINATION.address,
        amountInFiat: '25.00',
        destinationAmountInFiat: '24.990000000000000001',
        amount: '25.000001',
        sourceAmount: '98765432109876543210.000000000000000001',
        destinationAmount: '25.000001',
      },
      { id: randomUUID(), clientTransactionId: null, status: 'failed' },
    ];
    for (const query of [{}, { ClientTransactionId: 'mp_a' }, { Id: transfers[1]!.id }, { ClientTransactionId: 'nobody' }]) {
      const text = transferListing(transfers, query);
      assert.deepEqual(meshSchemaErrors('TransferModelPaginationResponseApiResult', JSON.parse(text)), [], text);
    }
    assert.match(transferListing(transfers, { Id: transfers[1]!.id }), /"sourceAmount":98765432109876543210\.000000000000000001/);
  });
});
