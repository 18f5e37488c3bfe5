import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactTokens, REDACTED } from '../src/redact.js';
import { isInAppBrowser } from '../src/webview-detect.js';
import { externalBrowserHref } from '../src/webview-view.js';
import { LOCALE_LOADERS, LOCALES, loadLocale, localeDownload, nearestLang, stringsFor, type MeshPayStrings } from '../src/locales.js';
import '../src/link-flow.js'; // completes English with the strings the lazy half brings
import { decideExit, LINK_TOKEN_LIFETIME_MS, type ExitFacts } from '../src/link-exit.js';
import { trustedLinkOriginsFor } from '../src/trusted-link-origins.js';
import { displayFiatCurrency } from '../src/fiat-currency.js';
import { parseExpiredData, retryAfterMs } from '../src/status-stream.js';
import { httpUrl } from '../src/token-client.js';
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

test('labels follow the nearest language once it is loaded, falling back to English', async () => {
  assert.equal(stringsFor('de').pay, 'Pay with crypto', 'German is not in the entry');
  assert.equal(localeDownload('en-GB'), undefined, 'English is in the entry: nothing to download');
  assert.equal(localeDownload('tlh'), undefined, 'no built-in Klingon: nothing to download');
  const german = localeDownload('de-AT');
  assert.ok(german, 'German is a download until it is loaded');
  assert.equal((await german).pay, 'Mit Krypto bezahlen');
  assert.equal(localeDownload('de'), undefined, 'once loaded, German is not downloaded again');
  await loadLocale('de-CH');
  assert.equal(stringsFor('de').pay, 'Mit Krypto bezahlen');
  assert.equal(stringsFor('de-CH').confirming, 'Wird bestätigt…');
  assert.equal(stringsFor('DE_at').succeeded, 'Bezahlt');
  assert.equal(stringsFor('xx').pay, 'Pay with crypto');
  assert.equal(stringsFor('').pay, 'Pay with crypto');
  assert.equal(stringsFor(null).confirming, 'Confirming…');
  assert.equal((await loadLocale('tlh')).pay, 'Pay with crypto', 'an unknown language resolves to English');
  // The merchant's overrides win, announce entries one by one.
  const custom = stringsFor('de', { pay: 'Jetzt zahlen', announce: { confirming: 'Bitte warten' } });
  assert.equal(custom.pay, 'Jetzt zahlen');
  assert.equal(custom.announce.confirming, 'Bitte warten');
  assert.equal(custom.announce.succeeded, 'Zahlung bestätigt');
  const garbage = stringsFor('en', { pay: 42, retry: { x: 1 }, announce: 'x' } as never);
  assert.equal(garbage.pay, 'Pay with crypto');
  assert.equal(garbage.retry, 'Retry');
  assert.equal(garbage.announce.confirming, 'Transfer sent. Confirming the payment');
  // The nearest lang wins, across a shadow root, with plain objects standing in for DOM nodes (as under SSR).
  const html = { getAttribute: (n: string) => (n === 'lang' ? 'de' : null), parentNode: null };
  const root = { host: { getAttribute: () => null, parentNode: html }, parentNode: null };
  const inner = { getAttribute: () => null, parentNode: root };
  assert.equal(nearestLang(inner as unknown as Element), 'de');
  assert.equal(nearestLang({ getAttribute: () => null, parentNode: null } as unknown as Element), '');
});

test('every language is complete against English: same strings, none empty', async () => {
  const english = stringsFor('en');
  const shape = (strings: MeshPayStrings) => [...Object.keys(strings), ...Object.keys(strings.announce).map((k) => `announce.${k}`)].sort();
  const langs = Object.keys(LOCALE_LOADERS);
  for (const required of ['de', 'fr', 'es', 'it', 'pt', 'ja', 'zh']) assert.ok(langs.includes(required), `${required} missing`);
  for (const lang of langs) {
    const strings = await loadLocale(lang);
    assert.equal(LOCALES[lang], strings);
    assert.deepEqual(shape(strings), shape(english), lang);
    for (const [key, value] of Object.entries(strings)) {
      if (key === 'announce') continue;
      assert.ok(typeof value === 'string' && value.trim() !== '', `${lang}.${key} is empty`);
    }
    for (const [key, value] of Object.entries(strings.announce)) if (key !== 'idle') assert.ok(value.trim() !== '', `${lang}.announce.${key} is empty`);
    assert.notEqual(strings.pay, english.pay, `${lang} is not a copy of English`);
  }
});

test('closing Link: a cancel, an error, an expired token or a transfer that may still succeed', () => {
  const base: ExitFacts = { status: 'open', error: undefined, connected: false, transferStarted: false, tokenAgeMs: 1000, reminted: false };
  assert.equal(decideExit(base), 'cancelled');
  assert.equal(decideExit({ ...base, error: 'boom' }), 'error');
  // Expired is inferred, never read from a code: an error, nothing connected, past 10 minutes.
  const old = { ...base, error: 'Something went wrong', tokenAgeMs: LINK_TOKEN_LIFETIME_MS };
  assert.equal(decideExit(old), 'token-expired');
  assert.equal(decideExit({ ...old, reminted: true }), 'expired-again');
  assert.equal(decideExit({ ...old, connected: true }), 'error');
  assert.equal(decideExit({ ...old, tokenAgeMs: LINK_TOKEN_LIFETIME_MS - 1 }), 'error');
  assert.equal(decideExit({ ...base, error: 'LINK_TOKEN_EXPIRED' }), 'error', 'the unpublished literal means nothing by itself');
  assert.equal(decideExit({ ...old, error: undefined }), 'cancelled');
  // After transferInitiated/Executed, closing is never a cancel, with or without an error.
  assert.equal(decideExit({ ...base, transferStarted: true }), 'closed-after-transfer');
  assert.equal(decideExit({ ...old, transferStarted: true }), 'closed-after-transfer');
  for (const status of ['confirming', 'succeeded', 'failed', 'preparing'] as const) assert.equal(decideExit({ ...base, status, error: 'x' }), 'done');
});

test('trustedLinkOrigins: the kit’s own or a loopback origin, never a Mesh-hosted or foreign one', () => {
  const token = (url: string) => Buffer.from(url).toString('base64');
  const kit = 'https://shop.example';
  assert.deepEqual(trustedLinkOriginsFor(token('http://localhost:3000/sandbox/mesh/link?t=1'), 'http://localhost:3000'), ['http://localhost:3000']);
  assert.deepEqual(trustedLinkOriginsFor(token('http://127.0.0.1:4000/link'), kit), ['http://127.0.0.1:4000']);
  assert.deepEqual(trustedLinkOriginsFor(token('https://shop.example/sandbox/mesh/link'), kit), ['https://shop.example']);
  for (const mesh of ['https://web.meshconnect.com/x', 'https://sandbox-web.meshconnect.com/b2b', 'https://link.meshpay.com/t', 'https://preview3.web.meshconnect.com/']) {
    assert.equal(trustedLinkOriginsFor(token(mesh), kit), undefined, mesh);
  }
  for (const foreign of ['https://web.meshconnect.com.evil.example/', 'https://evil.example/', 'http://meshconnect.com/', 'http://192.168.1.5:3000/', 'javascript:alert(1)//']) {
    assert.equal(trustedLinkOriginsFor(token(foreign), kit), undefined, foreign);
  }
  for (const garbage of ['', '%%%', 'x'.repeat(100_000), token('not a url')]) assert.equal(trustedLinkOriginsFor(garbage, kit), undefined);
});

test('fiat-currency: USD, GBP, EUR in any case; anything else is MESH_PAY_INVALID_ATTRIBUTE', () => {
  assert.equal(displayFiatCurrency(undefined), undefined);
  assert.equal(displayFiatCurrency(null), undefined);
  assert.equal(displayFiatCurrency('  '), undefined);
  assert.equal(displayFiatCurrency('eur'), 'EUR');
  assert.equal(displayFiatCurrency(' Gbp '), 'GBP');
  for (const bad of ['BTC', 'USDT', 'EU', 'usd;', '\u0000USD', 'x'.repeat(1e5)]) {
    assert.throws(() => displayFiatCurrency(bad), (err: MeshPayError) => err.code === 'MESH_PAY_INVALID_ATTRIBUTE' && !err.retryable && err.message.length < 200, bad);
  }
});

test('Retry-After: seconds or an HTTP date, clamped; garbage falls back to 5 s', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(retryAfterMs('3', now), 3000);
  assert.equal(retryAfterMs('0', now), 0);
  assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', now), 10_000);
  assert.equal(retryAfterMs('Wed, 31 Dec 2025 00:00:00 GMT', now), 0);
  assert.equal(retryAfterMs('99999999', now), 120_000);
  for (const garbage of [null, '', '-1', '1.5', 'soon', '1e9']) assert.equal(retryAfterMs(garbage, now), 5000, String(garbage));
});

test('the kit’s final `expired` event: its status is read, garbage is tolerated', () => {
  assert.deepEqual(parseExpiredData('{"transactionId":"tx-1","status":"pending"}'), { transactionId: 'tx-1', status: 'pending' });
  assert.deepEqual(parseExpiredData('{"status":7}'), { transactionId: '', status: '' });
  for (const garbage of ['', 'not json', 'null', '42', '"x"', '{']) assert.equal(parseExpiredData(garbage), undefined, garbage);
});

test('a pay link is kept only as an http(s) URL', () => {
  assert.equal(httpUrl('https://pay.meshconnect.com/p/1'), 'https://pay.meshconnect.com/p/1');
  assert.equal(httpUrl('http://localhost:3000/pay'), 'http://localhost:3000/pay');
  for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'ftp://x', '/relative', '', 42, null, {}, `https://x/${'a'.repeat(5000)}`]) assert.equal(httpUrl(bad), undefined, String(bad));
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
