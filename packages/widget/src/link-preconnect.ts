/**
 * `<link rel=preconnect>` to the origin a link token opens (it is base64 of Link's URL), added as
 * soon as the token arrives: DNS, TCP and TLS to Link then overlap the SDK building its iframe
 * instead of following it. Once per origin; nothing for the page's own origin or an undecodable token.
 */
export function preconnectLink(linkToken: string, doc: Document = document): HTMLLinkElement | undefined {
  let origin: string;
  try {
    const url = new URL(atob(linkToken));
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    origin = url.origin;
  } catch {
    return undefined;
  }
  if (origin === doc.location?.origin) return undefined;
  for (const existing of doc.head.querySelectorAll<HTMLLinkElement>('link[rel~="preconnect"]')) if (existing.href.replace(/\/$/, '') === origin) return existing;
  const link = doc.createElement('link');
  link.rel = 'preconnect';
  link.href = origin;
  // Link's iframe is a credentialed navigation: the same connection pool as a default preconnect.
  doc.head.append(link);
  return link;
}
