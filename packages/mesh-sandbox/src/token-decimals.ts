/**
 * How many decimals each sandbox token has on chain (USDC and USDT 6, SOL 9, ETH and POL 18). An
 * amount a customer sends can carry no more digits than that: the sandbox rounds converted amounts
 * to them, shows them in full on the Link page, and refuses a merchant amount with more.
 */
export const TOKEN_DECIMALS: Readonly<Record<string, number>> = Object.freeze({
  USDC: 6,
  USDT: 6,
  ETH: 18,
  SOL: 9,
  POL: 18,
});

export function tokenDecimals(symbol: string): number {
  const decimals = TOKEN_DECIMALS[symbol.toUpperCase()];
  if (decimals === undefined) throw new RangeError(`no decimals known for ${symbol}`);
  return decimals;
}

/** Digits after the point in a plain decimal. */
export function fractionDigits(decimal: string): number {
  const point = decimal.indexOf('.');
  return point < 0 ? 0 : decimal.length - point - 1;
}
