/**
 * Mesh SDK 3.15+ opens a link token only when it decodes to a Mesh-hosted origin, or to one the page
 * lists in `trustedLinkOrigins` (https, or http on loopback for local development). Our local sandbox
 * serves Link from the kit's own server, so for exactly those tokens we name their origin; a
 * Mesh-hosted token gets nothing extra (older SDKs ignore the option either way).
 *
 * We never trust whatever a token names: only the kit's own origin (the one `token-url` points at,
 * where the sandbox lives) or a loopback origin. A token pointing anywhere else is left for the SDK
 * to refuse, which is what its check is for.
 */
const MESH_HOSTED = /(^|\.)(meshconnect\.com|meshpay\.com)$/;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The origins to trust for `linkToken` given the kit's origin; undefined for a Mesh-hosted, foreign or undecodable token. */
export function trustedLinkOriginsFor(linkToken: string, kitOrigin: string): string[] | undefined {
  let url: URL;
  try {
    url = new URL(atob(linkToken));
  } catch {
    return undefined; // the SDK itself reports 'Invalid link token!'
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.protocol === 'https:' && MESH_HOSTED.test(url.hostname)) return undefined;
  return url.origin === kitOrigin || LOOPBACK.has(url.hostname) ? [url.origin] : undefined;
}
