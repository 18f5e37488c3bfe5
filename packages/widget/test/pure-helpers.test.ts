import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactTokens, REDACTED } from '../src/redact.js';
import { isInAppBrowser, externalBrowserHref } from '../src/webview-detect.js';
import { nearestLang, stringsFor } from '../src/locales.js';
import { parseSavedPayment, sessionKey } from '../src/payment-session.js';
import { parseStatusData, resumeUrl } from '../src/status-stream.js';
import { MeshPayError, toMeshPayError } from '../src/errors.js';

test('redaction removes every access and refresh token, however deep, and leaves the rest', () => {
  const payload = {
    accessToken: {
      accountTokens: [{ account: { accountId: 'a', accountName: 'Main' }, accessToken: 'AT', refreshToken: 'RT', tokenId: 't' }],
      brokerName: 'Coinbase',
    },
    delayedAuth: { refreshToken: 'RT2', brokerName: 'Kraken' },
  };
  const out = redactTokens(payload);
  const text = JSON.stringify(out);
  for (const secret of ['"AT"', '"RT"', '"RT2"']) assert.ok(!text.includes(secret), `${secret} leaked`);
  assert.equal(out.accessToken.accountTokens[0]!.accessToken, REDACTED);
  assert.equal(out.accessToken.accountTokens[0]!.tokenId, 't');
  assert.equal(out.delayedAuth.brokerName, 'Kraken');
  assert.equal(payload.accessToken.accountTokens[0]!.accessToken, 'AT', 'input untouched');
  // Hostile shapes do not crash it.
  const cyclic: Record<string, unknown> = { accessToken: 'x' };
  cyclic.self = cyclic;
  const cut = redactTokens(cyclic) as { accessToken: string; self: unknown };
  assert.equal(cut.accessToken, REDACTED);
  assert.equal(cut.self, REDACTED);
  let deep: Record<string, unknown> = { accessToken: 'DEEP' };
  for (let i = 0; i < 100; i += 1) deep = { next: deep };
  assert.ok(!JSON.stringify(redactTokens(deep)).includes('DEEP'), 'a token nested 100 levels deep leaked');
  assert.equal(redactTokens(null), null);
  assert.equal(redactTokens('accessToken'), 'accessToken');
});

test('in-app browsers are recognised, real browsers are not', () => {
  const inApp = [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Instagram 300.0.0.18.110',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 [FBAN/FBIOS;FBAV/430.0.0.34.107]',
    'Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 Chrome/118 Mobile Safari/537.36 musical_ly_2023101030 BytedanceWebview/d8a21c6',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari Line/13.20.0',
  ];
  const real = [
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.1 Safari/605.1.15',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36',
  ];
  for (const ua of inApp) assert.equal(isInAppBrowser(ua), true, ua);
  for (const ua of real) assert.equal(isInAppBrowser(ua), false, ua);
  assert.equal(isInAppBrowser(''), false);
  assert.equal(isInAppBrowser(undefined), false);
  assert.equal(externalBrowserHref('https://shop.example/pay?o=1', 'Android FBAV'), 'intent://shop.example/pay?o=1#Intent;scheme=https;end');
  assert.equal(externalBrowserHref('https://shop.example/pay', 'iPhone Instagram'), 'https://shop.example/pay');
});

test('labels follow the nearest language, falling back to English', () => {
  assert.equal(stringsFor('de').pay, 'Mit Krypto bezahlen');
  assert.equal(stringsFor('de-CH').confirming, 'Wird bestätigt…');
  assert.equal(stringsFor('DE_at').succeeded, 'Bezahlt');
  assert.equal(stringsFor('fr').pay, 'Pay with crypto');
  assert.equal(stringsFor('').pay, 'Pay with crypto');
  assert.equal(stringsFor(null).confirming, 'Confirming…');
  // The nearest lang wins, across a shadow root, with plain objects standing in for DOM nodes (as under SSR).
  const html = { getAttribute: (n: string) => (n === 'lang' ? 'de' : null), parentNode: null };
  const root = { host: { getAttribute: () => null, parentNode: html }, parentNode: null };
  const inner = { getAttribute: () => null, parentNode: root };
  assert.equal(nearestLang(inner as unknown as Element), 'de');
  assert.equal(nearestLang({ getAttribute: () => null, parentNode: null } as unknown as Element), '');
  // Every language has every string.
  const keys = Object.keys(stringsFor('en')).sort();
  assert.deepEqual(Object.keys(stringsFor('de')).sort(), keys);
});

test('saved payments are validated before the button trusts them', () => {
  const good = { statusUrl: '/mesh/status/x?cap=1', transactionId: 'tx', status: 'confirming', lastEventId: '4' };
  assert.deepEqual(parseSavedPayment(good), good);
  assert.equal(parseSavedPayment({ ...good, status: 'paid' }), undefined);
  assert.equal(parseSavedPayment({ ...good, statusUrl: 1 }), undefined);
  assert.equal(parseSavedPayment({ ...good, lastEventId: 4 }), undefined);
  assert.equal(parseSavedPayment(null), undefined);
  assert.equal(parseSavedPayment('confirming'), undefined);
  assert.notEqual(sessionKey('/t', 'a'), sessionKey('/t', 'b'));
  assert.notEqual(sessionKey('/t', 'a'), sessionKey('/u', 'a'));
});

test('status events: garbage is ignored, amounts stay strings, resume uses lastEventId', () => {
  const parsed = parseStatusData('{"transactionId":"tx","transferId":"tr","status":"succeeded","sourceAmount":"0.100000000000000000001","at":"t"}', '7');
  assert.deepEqual(parsed, { transactionId: 'tx', transferId: 'tr', status: 'succeeded', sourceAmount: '0.100000000000000000001', at: 't', eventId: '7' });
  assert.equal(parseStatusData('not json', '1'), undefined);
  assert.equal(parseStatusData('{"status": 5}', '1'), undefined);
  assert.equal(parseStatusData('null', '1'), undefined);
  assert.equal(parseStatusData('{"status":"pending","sourceAmount":12}', '1')?.sourceAmount, undefined);
  assert.equal(resumeUrl('/mesh/status/tx?cap=abc', '9', 'https://shop.example/checkout'), 'https://shop.example/mesh/status/tx?cap=abc&lastEventId=9');
  assert.equal(resumeUrl('/mesh/status/tx?cap=abc', undefined, 'https://shop.example/'), 'https://shop.example/mesh/status/tx?cap=abc');
});

test('errors carry a searchable code and a retryable flag', () => {
  const err = new MeshPayError('MESH_PAY_STREAM_FAILED', 'gone', { retryable: true, status: 403 });
  assert.deepEqual(err.toDetail(), { code: 'MESH_PAY_STREAM_FAILED', message: 'gone', retryable: true });
  assert.equal(toMeshPayError(err, 'MESH_PAY_NETWORK'), err);
  assert.equal(toMeshPayError(new TypeError('Failed to fetch'), 'MESH_PAY_NETWORK').code, 'MESH_PAY_NETWORK');
  assert.equal(toMeshPayError('weird', 'MESH_PAY_SDK_LOAD_FAILED').message, 'weird');
});
