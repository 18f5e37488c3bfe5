/**
 * The Link page's HTML shell. Everything dynamic is built by link.js from a JSON data block: the
 * page runs under `script-src 'self'; style-src 'self'` with no inline script or style attribute.
 */

export type LinkPageTheme = 'light' | 'dark' | 'system';

/** Escapes text for an HTML text node or a double-quoted attribute. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON inside `<script type="application/json">`: `<` is escaped so no value can close the
 * element, and U+2028/2029 for old parsers. The block is data, never executed.
 */
function jsonForHtml(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function parseTheme(value: unknown): LinkPageTheme {
  return value === 'dark' || value === 'light' ? value : 'system';
}

/** The page. `assetBase` is the relative path to link.js/link.css from the page URL. */
export function renderLinkPage(session: unknown, options: { theme: LinkPageTheme; assetBase: string; lang: string }): string {
  const lang = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})?$/.test(options.lang) ? options.lang : 'en';
  return `<!doctype html>
<html lang="${escapeHtml(lang)}" data-theme="${options.theme}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Mesh sandbox · Pay with crypto</title>
<link rel="stylesheet" href="${escapeHtml(options.assetBase)}link.css">
<script type="module" src="${escapeHtml(options.assetBase)}link.js"></script>
</head>
<body>
<div class="sheet">
  <header class="sheet__header">
    <span class="brand" aria-hidden="true">M</span>
    <span class="sheet__title">Mesh <span class="tag">Sandbox</span></span>
    <button type="button" class="icon-button" id="close-button" aria-label="Close"><svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false"><path d="M3 3l10 10M13 3L3 13" stroke="currentColor" stroke-width="2" stroke-linecap="round" fill="none"/></svg></button>
  </header>
  <main id="screen" class="sheet__body" aria-live="polite">
    <p class="muted" id="boot-message">Loading…</p>
  </main>
  <footer class="sheet__footer">
    <label for="scenario">Sandbox scenario</label>
    <select id="scenario" name="scenario">
      <option value="succeed">Transfer succeeds</option>
      <option value="fail">Transfer fails</option>
      <option value="cancel">Customer cancels</option>
      <option value="close-after-approve">Customer approves, then closes Link</option>
      <option value="mfa">Exchange asks for an MFA code</option>
      <option value="expired">Session expires</option>
    </select>
  </footer>
  <p class="visually-hidden" id="announcer" role="status"></p>
</div>
<script type="application/json" id="mesh-session">${jsonForHtml(session)}</script>
</body>
</html>
`;
}
