/**
 * Fixed sandbox prices (USD per token) and the exact fiat → crypto conversion. Prices are
 * deliberately not round (a stablecoin a hair off its peg) so amounts carry many decimal digits and
 * any consumer that squeezes them through a float is caught.
 */
import { divideDecimal } from './exact-decimal.js';
import { tokenDecimals } from './token-decimals.js';

export const SANDBOX_PRICES_USD: Readonly<Record<string, string>> = Object.freeze({
  USDC: '0.9998',
  USDT: '1.0003',
  ETH: '3120.45',
  SOL: '142.37',
  POL: '0.4135',
});

/**
 * Crypto amount for a fiat amount, as an exact decimal string, rounded half-up to the token's
 * on-chain decimals (USDC 6, ETH 18): what a chain can actually move. An ETH amount keeps up to 18
 * digits, more than a float holds, so anything that rounds it is caught.
 */
export function cryptoAmountForFiat(amountInFiat: string, symbol: string): string {
  const price = SANDBOX_PRICES_USD[symbol.toUpperCase()];
  if (!price) throw new RangeError(`no sandbox price for ${symbol}`);
  return divideDecimal(amountInFiat, price, tokenDecimals(symbol));
}
