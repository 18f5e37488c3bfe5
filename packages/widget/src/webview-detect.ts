/**
 * In-app browsers (Instagram, Facebook, TikTok, …) block the third-party cookies the Link iframe
 * needs, so the flow breaks half way. We detect them by user agent and offer the system browser.
 */
// Two alternations rather than one regex per app: this runs in the entry, where bytes count.
/** Instagram, TikTok (musical_ly, Bytedance), Snapchat, LinkedIn, Pinterest, WeChat, KakaoTalk: any case. */
const ANY_CASE = /Instagram|musical_ly|TikTok|BytedanceWebview|ByteLocale|Snapchat|LinkedInApp|Pinterest|MicroMessenger|KAKAOTALK/i;
/** Facebook/Messenger, LINE, X/Twitter: their tokens are short, so only their exact case counts. */
const EXACT_CASE = /FBAN|FBAV|FB_IAB|FBIOS|FB4A|\bLine\/|Twitter|XApp/;

/** True when `userAgent` belongs to a known in-app webview. */
export function isInAppBrowser(userAgent: string | undefined | null): boolean {
  return userAgent ? ANY_CASE.test(userAgent) || EXACT_CASE.test(userAgent) : false;
}
