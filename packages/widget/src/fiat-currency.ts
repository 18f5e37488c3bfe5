import { MeshPayError } from './errors.js';

/** The display currencies Mesh documents for the SDK's `displayFiatCurrency`. */
export const MESH_FIAT_CURRENCIES = ['USD', 'GBP', 'EUR'] as const;
export type MeshFiatCurrency = (typeof MESH_FIAT_CURRENCIES)[number];

/**
 * The `fiat-currency` attribute as Link expects it (`eur` → `EUR`), undefined when unset. Anything
 * else is a merchant's typo that Link would silently ignore (showing USD): refuse it loudly instead.
 */
export function displayFiatCurrency(value: string | null | undefined): MeshFiatCurrency | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const code = value.trim().toUpperCase();
  if ((MESH_FIAT_CURRENCIES as readonly string[]).includes(code)) return code as MeshFiatCurrency;
  throw new MeshPayError(
    'MESH_PAY_INVALID_ATTRIBUTE',
    `fiat-currency ${JSON.stringify(value.slice(0, 32))} is not a currency Mesh Link displays (${MESH_FIAT_CURRENCIES.join(', ')})`,
    { retryable: false },
  );
}
