/**
 * Amounts are computed with exact decimal arithmetic: checked on edge cases and against Python's
 * decimal module on many random inputs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { compareDecimal, divideDecimal, jsonNumberToDecimal, multiplyDecimal, numberToDecimal } from '../src/exact-decimal.js';
import { RawNumber, stringifyRawJson } from '../src/raw-json.js';
import { cryptoAmountForFiat, startMeshSandbox } from '../src/index.js';
import { mintLinkToken } from './support/http.js';

test('JS numbers become plain decimals, never exponent notation', () => {
  assert.equal(numberToDecimal(25), '25');
  assert.equal(numberToDecimal(19.99), '19.99');
  assert.equal(numberToDecimal(1e-7), '0.0000001');
  assert.equal(numberToDecimal(1.5e-10), '0.00000000015');
  assert.equal(numberToDecimal(1e21), '1000000000000000000000');
  assert.equal(numberToDecimal(1.2345e22), '12345000000000000000000');
  assert.equal(numberToDecimal(-2.5e-7), '-0.00000025');
  assert.throws(() => numberToDecimal(Number.NaN), /finite/);
  assert.throws(() => numberToDecimal(Infinity), /finite/);
});

test('division rounds half-up at the requested digit and drops trailing zeros', () => {
  assert.equal(divideDecimal('1', '3', 5), '0.33333');
  assert.equal(divideDecimal('2', '3', 5), '0.66667');
  assert.equal(divideDecimal('10', '4', 5), '2.5');
  assert.equal(divideDecimal('25', '1', 24), '25');
  assert.equal(divideDecimal('0.000001', '1000', 6), '0');
  assert.equal(divideDecimal('0.0000015', '1', 6), '0.000002');
  assert.throws(() => divideDecimal('1', '0', 5), /division by zero/);
  assert.throws(() => divideDecimal('1e5', '1', 5), /plain decimal/);
  assert.equal(multiplyDecimal('25.005001', '0.9998'), '24.9999999998');
});

test('fiat → crypto agrees with Python decimal on 200 random amounts and every sandbox token, in the token’s decimals', () => {
  const cases: [string, string][] = [];
  for (let i = 0; i < 200; i++) {
    const cents = Math.floor(Math.random() * 10_000_000) + 1;
    const fiat = numberToDecimal(cents / 100);
    for (const symbol of ['USDC', 'USDT', 'ETH', 'SOL', 'POL']) cases.push([fiat, symbol]);
  }
  const prices: Record<string, string> = { USDC: '0.9998', USDT: '1.0003', ETH: '3120.45', SOL: '142.37', POL: '0.4135' };
  const decimals: Record<string, number> = { USDC: 6, USDT: 6, ETH: 18, SOL: 9, POL: 18 };
  const script = [
    'import sys, json',
    'from decimal import Decimal, getcontext, ROUND_HALF_UP',
    'getcontext().prec = 120',
    'out = []',
    'for fiat, price, places in json.load(sys.stdin):',
    "    s = format((Decimal(fiat) / Decimal(price)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), 'f')",
    "    out.append(s.rstrip('0').rstrip('.') if '.' in s else s)",
    'print(json.dumps(out))',
  ].join('\n');
  const result = spawnSync('python3', ['-c', script], { input: JSON.stringify(cases.map(([f, s]) => [f, prices[s], decimals[s]])) });
  assert.equal(result.status, 0, result.stderr.toString());
  const expected = JSON.parse(result.stdout.toString()) as string[];
  cases.forEach(([fiat, symbol], i) => assert.equal(cryptoAmountForFiat(fiat, symbol), expected[i], `${fiat} ${symbol}`));
});

test('JSON number literals become plain decimals digit for digit, exponents included', () => {
  assert.equal(jsonNumberToDecimal('25'), '25');
  assert.equal(jsonNumberToDecimal('25.10'), '25.1');
  assert.equal(jsonNumberToDecimal('2.5e1'), '25');
  assert.equal(jsonNumberToDecimal('2.50000000000000000000000001E+1'), '25.0000000000000000000000001');
  assert.equal(jsonNumberToDecimal('1e-7'), '0.0000001');
  assert.equal(jsonNumberToDecimal('-0.0'), '0');
  assert.equal(jsonNumberToDecimal('-12.5e-2'), '-0.125');
  assert.equal(jsonNumberToDecimal('0.000e5'), '0');
  assert.throws(() => jsonNumberToDecimal('1e999'), /exponent out of range/);
  assert.throws(() => jsonNumberToDecimal('0x10'), /not a JSON number/);
  assert.throws(() => jsonNumberToDecimal('.5'), /not a JSON number/);
});

test('decimals compare exactly, past what a float can tell apart', () => {
  assert.equal(compareDecimal('25.0000000000000000000000001', '25'), 1);
  assert.equal(compareDecimal('25', '25.000'), 0);
  assert.equal(compareDecimal('-1', '0.5'), -1);
});

test('raw JSON keeps every digit of a number and refuses anything that is not a decimal', () => {
  const text = stringifyRawJson({ a: new RawNumber('25.000000000000000000000001'), b: 'x"y', c: null, d: undefined, e: [1, true] });
  assert.equal(text, '{"a":25.000000000000000000000001,"b":"x\\"y","c":null,"e":[1,true]}');
  assert.throws(() => new RawNumber('1,5'));
  assert.throws(() => new RawNumber('NaN'));
  assert.throws(() => new RawNumber('1}'));
});

test('startMeshSandbox serves the API on its own port for a merchant’s tests', async () => {
  const sandbox = await startMeshSandbox();
  try {
    assert.match(sandbox.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const { linkUrl } = await mintLinkToken(sandbox.url);
    assert.ok(linkUrl.startsWith(`${sandbox.url}/link/`));
    assert.equal((await fetch(linkUrl)).status, 200);
  } finally {
    await sandbox.close();
  }
});
