/**
 * Fixed sandbox prices (USD per token) and the exact fiat → crypto conversion. Prices are
 * deliberately not round (a stablecoin a hair off its peg) so amounts carry many decimal digits and
 * any consumer that squeezes them through a float is caught.
 */
import { divideDecimal, numberToDecimal } from './exact-decimal.js';

export const SANDBOX_PRICES_USD: Readonly<Record<string, string>> = Object.freeze({
  USDC: '0.9998',
  USDT: '1.0003',
  ETH: '3120.45',
  SOL: '142.37',
  POL: '0.4135',
});

/**
 * Fractional digits of sandbox amounts: more than any chain's token decimals (ETH has 18), within
 * .NET decimal's 28, so the webhook's numbers are as long as Mesh's can get.
 */
export const AMOUNT_FRACTION_DIGITS = 24;

/** Crypto amount for a fiat amount, as an exact decimal string. */
export function cryptoAmountForFiat(amountInFiat: string, symbol: string): string {
  const price = SANDBOX_PRICES_USD[symbol.toUpperCase()];
  if (!price) throw new RangeError(`no sandbox price for ${symbol}`);
  return divideDecimal(amountInFiat, price, AMOUNT_FRACTION_DIGITS);
}

/** A JSON number as received (a JS number) → its decimal text. */
export function fiatText(amount: number): string {
  return numberToDecimal(amount);
}
