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
