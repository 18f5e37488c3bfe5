/**
 * The vendored copy of Mesh's OpenAPI document compiles, and its schemas say what Mesh says: these
 * are the facts the sandbox and the kit are checked against.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meshOperation, meshQueryValidator, meshRequestBodySchemaName, meshResponseSchemaName, meshSchemaErrors } from '../src/mesh-openapi.js';

const networkId = 'e3c7fdd8-b1fc-4e51-85ae-bb276e075611';

test('a link-token request as Mesh documents it conforms', () => {
  const body = {
    userId: 'shopper-1',
    restrictMultipleAccounts: true,
    transferOptions: {
      toAddresses: [{ networkId, symbol: 'USDC', address: '0xabc', addressTag: null }],
      amountInFiat: 25,
      transactionId: 'tx-1',
      transferType: 'payment',
      isInclusiveFeeEnabled: false,
      generatePayLink: true,
    },
  };
  assert.deepEqual(meshSchemaErrors('GetLinkTokenRequest', body), []);
});

test('Mesh refuses a field it does not define, such as fiatCurrency (additionalProperties: false)', () => {
  const errors = meshSchemaErrors('GetLinkTokenRequest', {
    userId: 'shopper-1',
    transferOptions: { amountInFiat: 25, fiatCurrency: 'USD', toAddresses: [{ networkId, symbol: 'USDC', address: '0xabc' }] },
  });
  assert.ok(errors.some((e) => e.includes('"fiatCurrency" is not defined by Mesh')), errors.join('; '));
});

test('userId is required, and a network id must be a UUID', () => {
  assert.ok(meshSchemaErrors('GetLinkTokenRequest', {}).some((e) => e.includes("'userId'")));
  const errors = meshSchemaErrors('GetLinkTokenRequest', {
    userId: 'u',
    transferOptions: { toAddresses: [{ networkId: 'ethereum', symbol: 'USDC', address: '0xabc' }] },
  });
  assert.ok(errors.some((e) => e.includes('uuid')), errors.join('; '));
});

test('a link-token answer carries linkToken and, on request, paymentLink', () => {
  assert.deepEqual(
    meshSchemaErrors('LinkTokenModelApiResult', { status: 'ok', message: '', content: { linkToken: 'aHR0cHM6Ly9leGFtcGxlLmNvbQ==', paymentLink: null } }),
    [],
  );
  assert.notDeepEqual(meshSchemaErrors('LinkTokenModelApiResult', { status: 'ok', content: { linkToken: 'x', fiatCurrency: 'USD' } }), []);
});

test('an unknown schema name is a clear error, not a silent pass', () => {
  assert.throws(() => meshSchemaErrors('NoSuchSchema', {}), /no schema named NoSuchSchema/);
});

test('the document names the request and response schemas of each route the sandbox serves', () => {
  assert.equal(meshRequestBodySchemaName('post', '/api/v1/linktoken'), 'GetLinkTokenRequest');
  assert.equal(meshResponseSchemaName('post', '/api/v1/linktoken', 200), 'LinkTokenModelApiResult');
  assert.equal(meshResponseSchemaName('post', '/api/v1/linktoken', 400), 'ApiResult');
  assert.equal(meshResponseSchemaName('post', '/api/v1/linktoken', 401), undefined, 'Mesh gives its 401 no schema');
  assert.equal(meshResponseSchemaName('get', '/api/v1/transfers/managed/networks', 200), 'NetworkModelResponseApiResult');
  assert.equal(meshResponseSchemaName('get', '/api/v1/transfers/managed/mesh', 200), 'TransferModelPaginationResponseApiResult');
  assert.throws(() => meshOperation('delete', '/api/v1/linktoken'), /no DELETE \/api\/v1\/linktoken/);
});

test('query parameters are typed, matched case-insensitively and checked against the document', () => {
  const validate = meshQueryValidator('get', '/api/v1/transfers/managed/mesh');
  assert.deepEqual(validate({ count: '5', descendingorder: 'FALSE', Statuses: ['pending', 'failed'], other: 'x' }), {
    ok: true,
    value: { Count: 5, DescendingOrder: false, Statuses: ['pending', 'failed'] },
  });
  assert.deepEqual(validate({ Statuses: 'pending,succeeded' }), { ok: true, value: { Statuses: ['pending', 'succeeded'] } });
  const bad = validate({ Count: 'ten', Id: 'nope', Statuses: 'Pending' });
  assert.equal(bad.ok, false);
  const errors = bad.ok ? [] : bad.errors;
  assert.ok(errors.some((e) => e.startsWith('/Count')), errors.join('; '));
  assert.ok(errors.some((e) => e.startsWith('/Id')), errors.join('; '));
  assert.ok(errors.some((e) => e.startsWith('/Statuses/0')), errors.join('; '));
});
