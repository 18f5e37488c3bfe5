/**
 * Exact decimal arithmetic on strings, through BigInt. Crypto amounts must never pass through a
 * binary float: 0.1 + 0.2 is not 0.3, and a merchant reconciling 25.000000000000000001 USDC must
 * read exactly those digits.
 */

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** A decimal as `units / 10^scale`. */
interface Scaled {
  units: bigint;
  scale: number;
}

export class InvalidDecimalError extends Error {
  override readonly name = 'InvalidDecimalError';
  readonly code = 'MESH_SANDBOX_INVALID_DECIMAL';
}

/** Writes a finite JS number as the shortest plain decimal string that reads back as it (no exponent). */
export function numberToDecimal(value: number): string {
  if (!Number.isFinite(value)) throw new InvalidDecimalError(`not a finite number: ${value}`);
  const text = String(value);
  const exp = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!exp) return text;
  const [, sign = '', lead = '', rest = '', power = '0'] = exp;
  const digits = lead + rest;
  const point = 1 + Number(power);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function parse(text: string): Scaled {
  const m = DECIMAL.exec(text);
  if (!m) throw new InvalidDecimalError(`not a plain decimal: ${JSON.stringify(text)}`);
  const [, sign = '', whole = '', fraction = ''] = m;
  const units = BigInt(whole + fraction);
  return { units: sign === '-' ? -units : units, scale: fraction.length };
}

function format(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale > 0 ? digits.slice(digits.length - scale).replace(/0+$/, '') : '';
  const text = fraction ? `${whole}.${fraction}` : whole;
  return negative && /[1-9]/.test(text) ? `-${text}` : text;
}

/**
 * `dividend / divisor`, rounded half-up to `fractionDigits` digits, trailing zeros dropped.
 * Both operands are plain decimal strings.
 */
export function divideDecimal(dividend: string, divisor: string, fractionDigits: number): string {
  const a = parse(dividend);
  const b = parse(divisor);
  if (b.units === 0n) throw new InvalidDecimalError('division by zero');
  // a/b = (a.units / 10^a.scale) / (b.units / 10^b.scale); scale the numerator so the integer
  // quotient carries fractionDigits + 1 digits (the last one only decides rounding).
  const shift = fractionDigits + 1 + b.scale - a.scale;
  let numerator = a.units;
  let denominator = b.units;
  if (shift >= 0) numerator *= 10n ** BigInt(shift);
  else denominator *= 10n ** BigInt(-shift);
  const negative = numerator < 0n !== denominator < 0n;
  const q = (numerator < 0n ? -numerator : numerator) / (denominator < 0n ? -denominator : denominator);
  const rounded = (q + 5n) / 10n;
  return format(negative ? -rounded : rounded, fractionDigits);
}

/** `a * b`, exact. */
export function multiplyDecimal(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  return format(x.units * y.units, x.scale + y.scale);
}

/** True for a plain decimal string (what Mesh writes as a JSON number). */
export function isPlainDecimal(text: string): boolean {
  return DECIMAL.test(text);
}

const JSON_NUMBER = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * A JSON number literal exactly as written (`2.5e1`, `1E-7`, `25.10`) → its plain decimal text
 * (`25`, `0.0000001`, `25.1`), without passing through a float. Exponents beyond ±400 are refused:
 * no amount needs them, and they would only make huge strings.
 */
export function jsonNumberToDecimal(literal: string): string {
  const m = JSON_NUMBER.exec(literal);
  if (!m) throw new InvalidDecimalError(`not a JSON number: ${JSON.stringify(literal)}`);
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m;
  const power = Number(exponent);
  if (Math.abs(power) > 400) throw new InvalidDecimalError(`exponent out of range: ${literal}`);
  const digits = whole + fraction;
  const point = whole.length + power;
  const units = point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`;
  const [int = '0', frac = ''] = units.split('.');
  const cleanInt = int.replace(/^0+(?=\d)/, '');
  const cleanFrac = frac.replace(/0+$/, '');
  const text = cleanFrac ? `${cleanInt}.${cleanFrac}` : cleanInt;
  return sign && /[1-9]/.test(text) ? `-${text}` : text;
}

/** Compares two plain decimals: -1, 0 or 1. */
export function compareDecimal(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  const xu = x.units * 10n ** BigInt(scale - x.scale);
  const yu = y.units * 10n ** BigInt(scale - y.scale);
  return xu < yu ? -1 : xu > yu ? 1 : 0;
}

/** `value` rounded half-up to `fractionDigits` digits, trailing zeros dropped. */
export function roundDecimal(value: string, fractionDigits: number): string {
  return divideDecimal(value, '1', fractionDigits);
}
