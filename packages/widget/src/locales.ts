import type { PaymentStatus } from './payment-machine.js';

/** Every string the button shows or announces. */
export interface MeshPayStrings {
  /** Button text when idle (the `label` attribute overrides it). */
  pay: string;
  preparing: string;
  open: string;
  confirming: string;
  succeeded: string;
  failed: string;
  cancelled: string;
  error: string;
  retry: string;
  /** Announced through the live region for each status. */
  announce: Record<PaymentStatus, string>;
  dialogLabel: string;
  iframeTitle: string;
  close: string;
  hintTitle: string;
  continue: string;
  webviewNotice: string;
  openInBrowser: string;
}

const en: MeshPayStrings = {
  pay: 'Pay with crypto',
  preparing: 'Preparing…',
  open: 'Continue in Mesh…',
  confirming: 'Confirming…',
  succeeded: 'Paid',
  failed: 'Payment failed. Retry',
  cancelled: 'Pay with crypto',
  error: 'Retry',
  retry: 'Retry',
  announce: {
    idle: '',
    preparing: 'Preparing your payment',
    open: 'Mesh Link is open',
    confirming: 'Transfer sent. Confirming the payment',
    succeeded: 'Payment confirmed',
    failed: 'The payment failed',
    cancelled: 'Payment cancelled',
    error: 'Something went wrong. You can retry',
  },
  dialogLabel: 'Pay with Mesh',
  iframeTitle: 'Mesh Link payment',
  close: 'Close',
  hintTitle: 'Before you continue',
  continue: 'Continue',
  webviewNotice: 'This in-app browser cannot complete the payment.',
  openInBrowser: 'Open in your browser',
};

const de: MeshPayStrings = {
  pay: 'Mit Krypto bezahlen',
  preparing: 'Wird vorbereitet…',
  open: 'Weiter in Mesh…',
  confirming: 'Wird bestätigt…',
  succeeded: 'Bezahlt',
  failed: 'Zahlung fehlgeschlagen. Erneut versuchen',
  cancelled: 'Mit Krypto bezahlen',
  error: 'Erneut versuchen',
  retry: 'Erneut versuchen',
  announce: {
    idle: '',
    preparing: 'Ihre Zahlung wird vorbereitet',
    open: 'Mesh Link ist geöffnet',
    confirming: 'Überweisung gesendet. Die Zahlung wird bestätigt',
    succeeded: 'Zahlung bestätigt',
    failed: 'Die Zahlung ist fehlgeschlagen',
    cancelled: 'Zahlung abgebrochen',
    error: 'Etwas ist schiefgelaufen. Sie können es erneut versuchen',
  },
  dialogLabel: 'Mit Mesh bezahlen',
  iframeTitle: 'Mesh-Link-Zahlung',
  close: 'Schließen',
  hintTitle: 'Bevor Sie fortfahren',
  continue: 'Weiter',
  webviewNotice: 'Dieser App-interne Browser kann die Zahlung nicht abschließen.',
  openInBrowser: 'Im Browser öffnen',
};

/** Built-in translations, keyed by primary language subtag. */
export const LOCALES: Readonly<Record<string, MeshPayStrings>> = { en, de };

/** The strings for a BCP 47 tag (`de-AT` → German), English when unknown. */
export function stringsFor(lang: string | null | undefined): MeshPayStrings {
  const primary = (lang ?? '').trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return LOCALES[primary] ?? en;
}

/** The `lang` nearest to `el`, crossing shadow roots up to the document element. */
export function nearestLang(el: Element): string {
  // Duck-typed (no `instanceof Element`/`ShadowRoot`): also runs under a server-side DOM shim.
  let node: (Node & Partial<Pick<Element, 'getAttribute'>> & Partial<Pick<ShadowRoot, 'host'>>) | null | undefined = el;
  while (node) {
    const lang = node.getAttribute?.('lang');
    if (typeof lang === 'string') return lang;
    node = node.parentNode ?? node.host;
  }
  return '';
}
