/**
 * The shop page's Content-Security-Policy. The page proves the button works with no inline script
 * or style anywhere, so the policy is as strict as it can be and still frame Mesh Link.
 *
 * - Local sandbox: Link is served by this same server. The link token carries the origin the kit
 *   called the sandbox on (`http://127.0.0.1:<port>`), which differs from `http://localhost:<port>`
 *   when that is what the browser opened, so both are allowed to frame.
 * - Real Mesh: Link pages come from `https://*.meshconnect.com` (web.meshconnect.com and its sandbox
 *   twin). The SDK's wallet bridge talks to the Link iframe over postMessage, which CSP does not
 *   govern; connections to Mesh and wallets are made by the Link page inside its own frame, under
 *   Mesh's own policy, so this page needs no extra `connect-src`.
 * - A custom `MESH_API_URL` (a self-hosted sandbox, a proxy): its origin serves the Link page, so it
 *   is passed in `frameOrigins` too. *
 * Trusted Types are enforced too, as strict sites do: the only policy on the page is Lit's `lit-html`
 * (the button's templates; shop.js writes no HTML). A shop whose own app also bundles Lit adds
 * `'allow-duplicates'` (see the widget README).
 */
import { MESH_BASE_URLS } from './config.js';

export const MESH_FRAME_ORIGINS = ['https://*.meshconnect.com'] as const;

export interface CspOptions {
  mode: 'sandbox' | 'mesh';
  /** Extra origins allowed to frame the Link page (the local sandbox's). */
  frameOrigins?: readonly string[];
}

/** The policy string for the demo's pages and scripts. */
export function contentSecurityPolicy({ mode, frameOrigins = [] }: CspOptions): string {
  const frames = ["'self'", ...frameOrigins, ...(mode === 'mesh' ? MESH_FRAME_ORIGINS : [])];
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `frame-src ${frames.join(' ')}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    'trusted-types lit-html',
  ].join('; ');
}

/**
 * A Mesh-compatible server at a custom `MESH_API_URL` (a self-hosted sandbox, a staging proxy) serves
 * its Link page from its own origin, so the page must be allowed to frame it. Mesh's own base URLs
 * need nothing extra: their Link pages are covered by `MESH_FRAME_ORIGINS`.
 */
export function linkFrameOrigins(apiUrl: string | undefined): string[] {
  if (!apiUrl || (Object.values(MESH_BASE_URLS) as string[]).includes(apiUrl)) return [];
  return [new URL(apiUrl).origin];
}
