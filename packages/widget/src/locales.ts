import type { PaymentStatus } from './payment-status.js';

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
  /** In-app browsers: asks the server for Mesh's hosted pay link. */
  payByLink: string;
  /** In-app browsers: opens Mesh's hosted pay link in the system browser. */
  openPayLink: string;
  /** Validation message while `required` and not yet paid. */
  paymentRequired: string;
  /** Button text when the token route says the order is already paid (409). */
  alreadyPaid: string;
  alreadyPaidNotice: string;
  /** Button text when the server stopped the live status (capability expired). */
  statusStopped: string;
  statusStoppedNotice: string;
}

/**
 * English in the entry holds only what the element shows before its lazily loaded half arrives:
 * the idle button, `preparing` (a click), `confirming` (a payment resumed after a reload shows it at
 * once), `error` with Retry (that half failed to download), and the validation message of a
 * `required` button. Everything else (other statuses, the dialog, the in-app-browser view, notices)
 * is in `locales/en-after-intent.ts`.
 */
type AfterIntentStringKey = Exclude<keyof MeshPayStrings, 'pay' | 'preparing' | 'confirming' | 'retry' | 'announce' | 'paymentRequired'>;

/** English after intent: its own strings and the announcements of the statuses the entry does not reach. */
export type EnglishAfterIntent = Pick<MeshPayStrings, AfterIntentStringKey> & { announce: Omit<MeshPayStrings['announce'], 'preparing' | 'confirming' | 'error'> };

const en = {
  pay: 'Pay with crypto',
  preparing: 'Preparing…',
  confirming: 'Confirming…',
  retry: 'Retry',
  announce: {
    preparing: 'Preparing your payment',
    confirming: 'Transfer sent. Confirming the payment',
    error: 'Something went wrong. You can retry',
  },
  paymentRequired: 'Payment required',
} as MeshPayStrings;

/** A merchant's replacements for any string (`announce` entries one by one). */
export type MeshPayStringOverrides = Partial<Omit<MeshPayStrings, 'announce'>> & { announce?: Partial<MeshPayStrings['announce']> };

/**
 * The built-in languages. English is in the entry; every other language is its own small chunk,
 * fetched only when a button finds it in its nearest `lang` (so a page pays for its language only).
 */
export const LOCALE_LOADERS: Readonly<Record<string, () => Promise<{ default: MeshPayStrings }>>> = {
  de: () => import('./locales/de.js'),
  es: () => import('./locales/es.js'),
  fr: () => import('./locales/fr.js'),
  it: () => import('./locales/it.js'),
  ja: () => import('./locales/ja.js'),
  pt: () => import('./locales/pt.js'),
  zh: () => import('./locales/zh.js'),
};

/** Languages loaded so far (English always; completed by the lazy half when it loads: link-flow.ts). */
export const LOCALES: Record<string, MeshPayStrings> = { en };

function primaryOf(lang: string | null | undefined): string {
  return (lang ?? '').trim().toLowerCase().split(/[-_]/)[0]!;
}

/** The string-valued entries of a merchant's overrides: anything else (numbers, objects) is ignored. */
function onlyStrings(value: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(value ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/**
 * The strings for a BCP 47 tag (`de-AT` → German) if that language is loaded, else English; the
 * merchant's `overrides` win over both.
 */
export function stringsFor(lang: string | null | undefined, overrides?: MeshPayStringOverrides): MeshPayStrings {
  const base = LOCALES[primaryOf(lang)] ?? en;
  return overrides ? { ...base, ...onlyStrings(overrides), announce: { ...base.announce, ...onlyStrings(overrides.announce) } } : base;
}

/**
 * The download of `lang`'s built-in translation when it has one that is not loaded yet, else
 * undefined (English and unknown languages). Settles with the strings, or English if it failed.
 */
export function localeDownload(lang: string | null | undefined): Promise<MeshPayStrings> | undefined {
  const primary = primaryOf(lang);
  const loader = LOCALE_LOADERS[primary];
  return LOCALES[primary] || !loader
    ? undefined
    : loader().then(
        (module) => (LOCALES[primary] = module.default),
        () => en,
      );
}

/**
 * Loads the built-in translation for `lang` (English, and unknown languages, resolve at once). The
 * browser's module map makes it one download however often it is asked for while on its way, and
 * tries a failed one again: offline for a moment, English now and the language next time.
 */
export function loadLocale(lang: string | null | undefined): Promise<MeshPayStrings> {
  return localeDownload(lang) ?? Promise.resolve(stringsFor(lang));
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
