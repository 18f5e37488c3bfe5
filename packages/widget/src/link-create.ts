import type { IntegrationAccessToken, LinkOptions } from '@meshconnect/web-link-sdk';
import { displayFiatCurrency } from './fiat-currency.js';
import type { LinkSdk } from './link-loader.js';
import type { LinkTokenResponse } from './token-client.js';
import { trustedLinkOriginsFor } from './trusted-link-origins.js';

/** LinkOptions plus what newer SDKs (3.15+) read; the pinned 3.11 types do not know it yet. */
export type MeshLinkOptions = LinkOptions & { trustedLinkOrigins?: string[] };

const observers = new Set<(options: MeshLinkOptions) => void>();

/**
 * Lets a test (or a merchant's diagnostics) see the exact options handed to the real SDK's
 * `createLink`; returns the function that stops observing.
 */
export function observeCreateLink(observer: (options: MeshLinkOptions) => void): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

/** What the SDK options are derived from besides the element's callbacks and look. */
export interface LinkInput {
  token: LinkTokenResponse;
  /** The `token-url` attribute: the kit's origin is the one origin (besides loopback) we vouch for. */
  tokenUrl: string;
  /** The `fiat-currency` attribute, validated here (throws MESH_PAY_INVALID_ATTRIBUTE). */
  fiatCurrency: string | undefined;
}

/**
 * `sdk.createLink` with the options taken from the token and attributes: the kit's saved
 * `accessTokens` (return users), `displayFiatCurrency`, and `trustedLinkOrigins` exactly when the
 * token points at the kit's own (sandbox) origin or at loopback, never for a Mesh-hosted token.
 */
export function createLink(sdk: LinkSdk, options: LinkOptions, { token, tokenUrl, fiatCurrency }: LinkInput): ReturnType<LinkSdk['createLink']> {
  const fiat = displayFiatCurrency(fiatCurrency);
  const trusted = trustedLinkOriginsFor(token.linkToken, new URL(tokenUrl, location.href).origin);
  const full: MeshLinkOptions = {
    ...options,
    ...(Array.isArray(token.accessTokens) ? { accessTokens: token.accessTokens as IntegrationAccessToken[] } : {}),
    ...(fiat ? { displayFiatCurrency: fiat } : {}),
    ...(trusted ? { trustedLinkOrigins: trusted } : {}),
  };
  for (const observer of observers) observer(full);
  return sdk.createLink(full);
}
