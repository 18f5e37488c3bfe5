/**
 * The vendored copy of Mesh's OpenAPI document compiles, and its schemas say what Mesh says: these
 * are the facts the sandbox and the kit are checked against.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meshSchemaErrors } from '../src/mesh-openapi.js';

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
