/**
 * Who may frame the Link page: the `frameAncestors` option, turned into the page's
 * `Content-Security-Policy: frame-ancestors …` and into the list of parent origins the page will
 * post tokens to. Entries are `'self'` or exact origins; anything else (paths, wildcards, CSP
 * syntax smuggled in with `;`) is refused when the sandbox is created, not silently widened.
 */

export function checkFrameAncestors(sources: readonly string[]): readonly string[] {
  if (!Array.isArray(sources)) throw new TypeError('MESH_SANDBOX_INVALID_OPTION: frameAncestors is an array of origins');
  return sources.map((source) => {
    if (source === "'self'") return source;
    let origin: string | undefined;
    try {
      const url = new URL(source);
      const plainHost = /^([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/i.test(url.hostname);
      if ((url.protocol === 'http:' || url.protocol === 'https:') && plainHost && url.origin === source.replace(/\/$/, '')) origin = url.origin;
    } catch {
      // not a URL: refused below
    }
    if (!origin) {
      throw new TypeError(`MESH_SANDBOX_INVALID_OPTION: frameAncestors entries are 'self' or an origin like https://shop.example, got ${JSON.stringify(source)}`);
    }
    return origin;
  });
}

/** The CSP directive value; an empty list means nobody may frame the page. */
export function frameAncestorsDirective(sources: readonly string[]): string {
  return sources.length ? sources.join(' ') : "'none'";
}

/** Origins the page may post to, with `'self'` resolved to the page's own origin. */
export function allowedParentOrigins(sources: readonly string[], pageOrigin: string): string[] {
  return [...new Set(sources.map((s) => (s === "'self'" ? pageOrigin : s)))];
}
