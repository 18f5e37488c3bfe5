/**
 * Exact arithmetic on decimal text, for comparing what a transfer paid with what an order costs.
 * Amounts never pass through a JS number (a double cannot hold `25.000000000000000001`); BigInt
 * holds the digits, a power of ten the point.
 */

/** `value = digits / 10^scale`, `scale >= 0`. */
interface Scaled {
  digits: bigint;
  scale: number;
}

const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
/** Exponents beyond this are not amounts; refusing them keeps a hostile `1e999999999` from eating memory. */
const MAX_EXPONENT = 100;

/** Thrown for text that is not a decimal number (or has an absurd exponent). */
export class DecimalSyntaxError extends Error {
  override readonly name = 'DecimalSyntaxError';
}

export function isDecimal(text: string): boolean {
  try {
    parse(text);
    return true;
  } catch {
    return false;
  }
}

function parse(text: string): Scaled {
  const m = DECIMAL_TEXT.exec(text.trim());
  if (!m) throw new DecimalSyntaxError(`not a decimal: ${JSON.stringify(text.slice(0, 40))}`);
  const [, sign, whole, fraction = '', exponentText = '0'] = m;
  const exponent = Number(exponentText);
  if (Math.abs(exponent) > MAX_EXPONENT) throw new DecimalSyntaxError(`exponent out of range: ${exponentText}`);
  let digits = BigInt(`${sign}${whole}${fraction}`);
  let scale = fraction.length - exponent;
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { digits, scale };
}

function align(a: Scaled, b: Scaled): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.digits * 10n ** BigInt(scale - a.scale), b.digits * 10n ** BigInt(scale - b.scale), scale];
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b` (`"25.0"` equals `"25.00"`). */
export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
  const [x, y] = align(parse(a), parse(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `a - b` as plain decimal text (no exponent), e.g. `subtractDecimals("25", "24.99") === "0.01"`. */
export function subtractDecimals(a: string, b: string): string {
  const [x, y, scale] = align(parse(a), parse(b));
  return format(x - y, scale);
}

export function addDecimals(a: string, b: string): string {
  const [x, y, scale] = align(parse(a), parse(b));
  return format(x + y, scale);
}

function format(digits: bigint, scale: number): string {
  const negative = digits < 0n;
  const text = (negative ? -digits : digits).toString().padStart(scale + 1, '0');
  const whole = text.slice(0, text.length - scale);
  const fraction = scale > 0 ? text.slice(text.length - scale).replace(/0+$/, '') : '';
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}
