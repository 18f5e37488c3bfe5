/**
 * Locks the page's scroll while the Link dialog is open: a modal <dialog> stops clicks, not the wheel
 * or a finger dragging the backdrop. The lock is one attribute on <html> read by a document-adopted
 * constructable stylesheet (strict CSP allows it; no `style=""` is written), so removing the attribute
 * restores exactly what the page had, its own inline or stylesheet `overflow` included, and the scroll
 * position is never touched.
 */

const ATTRIBUTE = 'data-mesh-pay-scroll-lock';

// The attribute's value lists what else to hold. `gutter` only when the page really shows a classic
// scrollbar: hiding it would shift the layout sideways by its width, and reserving a gutter on a page
// without one would shift it the other way. `body` when the page scrolls <body> instead of the
// viewport (`html { overflow: hidden } body { overflow: auto }`, as app-like themes do): the dialog's
// host is in <body>, so a wheel over the backdrop would scroll it. `!important` and the attribute's
// specificity outrank a theme's `html { overflow: … !important }`.
const LOCK_CSS = `
html[${ATTRIBUTE}] { overflow: hidden !important; overscroll-behavior: none !important; }
html[${ATTRIBUTE}~='gutter'] { scrollbar-gutter: stable !important; }
html[${ATTRIBUTE}~='body'] > body { overflow: hidden !important; overscroll-behavior: none !important; }
html[${ATTRIBUTE}~='body-gutter'] > body { scrollbar-gutter: stable !important; }
`;

let sheet: CSSStyleSheet | undefined;

function adoptLockStyles(): void {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(LOCK_CSS);
  }
  if (!document.adoptedStyleSheets.includes(sheet)) {
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }
}

const holders = new Set<Element>();

/** Holders a page removed without closing them (an SPA dropping the DOM) no longer hold the lock. */
function forgetRemovedHolders(): void {
  for (const holder of holders) if (!holder.isConnected) holders.delete(holder);
}

const scrolls = (overflow: string) => overflow === 'auto' || overflow === 'scroll';

/** What the lock holds besides the viewport: the attribute's value (see LOCK_CSS). */
function lockTokens(root: HTMLElement, body: HTMLElement | null): string {
  const tokens: string[] = [];
  const rootStyle = getComputedStyle(root);
  // The root's clientWidth is the viewport's less its scrollbar.
  if (window.innerWidth > root.clientWidth && rootStyle.scrollbarGutter === 'auto') tokens.push('gutter');
  // <body>'s overflow makes it a scroller only when <html>'s is not visible (else it is the viewport's).
  const bodyStyle = body && getComputedStyle(body);
  if (body && bodyStyle && rootStyle.overflowY !== 'visible' && (scrolls(bodyStyle.overflowY) || scrolls(bodyStyle.overflowX))) {
    tokens.push('body');
    const borders = parseFloat(bodyStyle.borderLeftWidth) + parseFloat(bodyStyle.borderRightWidth);
    if (body.offsetWidth - borders > body.clientWidth && bodyStyle.scrollbarGutter === 'auto') tokens.push('body-gutter');
  }
  return tokens.join(' ');
}

/**
 * Locks the page's scroll for `holder` (a connected element) until the returned function is called;
 * the page scrolls again once no connected holder is left. Calling the release twice is harmless.
 */
export function lockPageScroll(holder: Element): () => void {
  adoptLockStyles();
  forgetRemovedHolders();
  const root = document.documentElement;
  if (holders.size === 0) root.setAttribute(ATTRIBUTE, lockTokens(root, document.body));
  holders.add(holder);
  return () => {
    holders.delete(holder);
    forgetRemovedHolders();
    if (holders.size === 0) root.removeAttribute(ATTRIBUTE);
  };
}
