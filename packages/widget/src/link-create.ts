import type { LinkOptions } from '@meshconnect/web-link-sdk';
import type { LinkSdk } from './link-loader.js';
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

/**
 * `sdk.createLink` with `trustedLinkOrigins` added exactly when `linkToken` points at the kit's own
 * (sandbox) origin or at loopback, never for a Mesh-hosted token.
 */
export function createLink(sdk: LinkSdk, options: LinkOptions, linkToken: string, tokenUrl: string): ReturnType<LinkSdk['createLink']> {
  const trusted = trustedLinkOriginsFor(linkToken, new URL(tokenUrl, location.href).origin);
  const full: MeshLinkOptions = trusted ? { ...options, trustedLinkOrigins: trusted } : options;
  for (const observer of observers) observer(full);
  return sdk.createLink(full);
}
