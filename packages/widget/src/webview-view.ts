import { html, nothing, type TemplateResult } from 'lit';
import type { MeshPayStrings } from './locales.js';
import type { PaymentStatus } from './payment-machine.js';

/** What the in-app-browser fallback shows in place of the button; the driver gathers it on each of the element's renders. */
export interface WebviewView {
  strings: MeshPayStrings;
  status: PaymentStatus;
  disabled: boolean;
  /** Text of the button label in this status. */
  label: string;
  /** A notice (already paid, status stopped) is showing under the view: nothing left to pay here. */
  notice: unknown;
  /** Mesh's hosted pay page for the current transaction, once the kit handed one out. */
  paymentLink: string | undefined;
  pageUrl: string;
  userAgent: string;
  onPay: () => void;
}

/**
 * In-app browsers (Instagram, TikTok, …) break Link's iframe. Two ways out: open this page in the
 * system browser, or pay on Mesh's hosted pay page there (`paymentLink`, minted on request), while
 * this page keeps following the payment's server status. Loaded lazily; shown only inside such browsers.
 * The element renders the notice and the live region after it, as it does after its button.
 */
export function renderWebview(v: WebviewView): TemplateResult {
  const s = v.strings;
  const busy = v.status === 'preparing' || v.status === 'open' || v.status === 'confirming';
  const payLink = v.status === 'open' || v.status === 'confirming' ? v.paymentLink : undefined;
  const shown = v.status === 'confirming' || v.status === 'succeeded' || v.status === 'failed';
  const canPay = v.status !== 'succeeded' && !v.notice && !payLink;
  return html`<div part="webview">
      <span>${s.webviewNotice}</span>
      <a part="webview-link" href=${externalBrowserHref(v.pageUrl, v.userAgent)} target="_blank" rel="noopener">${s.openInBrowser}</a>
      ${payLink ? html`<a part="webview-pay-link" href=${externalBrowserHref(payLink, v.userAgent)} target="_blank" rel="noopener">${s.openPayLink}</a>` : nothing}
      ${canPay
        ? html`<button part="webview-pay" type="button" ?disabled=${v.disabled || busy} aria-busy=${busy ? 'true' : 'false'} @click=${v.onPay}>
            ${v.status === 'error' || v.status === 'failed' ? s.retry : s.payByLink}
          </button>`
        : nothing}
      ${shown ? html`<span part="label">${v.label}</span>` : nothing}
    </div>`;
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
