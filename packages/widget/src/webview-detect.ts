/**
 * In-app browsers (Instagram, Facebook, TikTok, …) block the third-party cookies the Link iframe
 * needs, so the flow breaks half way. We detect them by user agent and offer the system browser.
 */
const IN_APP_PATTERNS: readonly RegExp[] = [
  /Instagram/i,
  /FBAN|FBAV|FB_IAB|FBIOS|FB4A/,
  /musical_ly|TikTok|BytedanceWebview|ByteLocale/i,
  /\bLine\//,
  /Snapchat/i,
  /LinkedInApp/i,
  /Pinterest/i,
  /MicroMessenger/i,
  /KAKAOTALK/i,
  /Twitter|XApp/,
];

/** True when `userAgent` belongs to a known in-app webview. */
export function isInAppBrowser(userAgent: string | undefined | null): boolean {
  if (!userAgent) return false;
  return IN_APP_PATTERNS.some((re) => re.test(userAgent));
}

/**
 * A link that leaves the webview: on Android an `intent:` URL opens the default browser; elsewhere
 * the plain URL with `target=_blank` (most in-app browsers then offer "Open in browser").
 */
export function externalBrowserHref(pageUrl: string, userAgent: string): string {
  const url = new URL(pageUrl);
  if (/Android/i.test(userAgent) && (url.protocol === 'https:' || url.protocol === 'http:')) {
    const scheme = url.protocol.slice(0, -1);
    return `intent://${url.host}${url.pathname}${url.search}#Intent;scheme=${scheme};end`;
  }
  return url.href;
}
