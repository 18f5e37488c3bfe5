// Browser-side helpers that steer the fake kit (test/fake-kit.mjs) served by web-test-runner.
import { fixture, html, waitUntil } from '@open-wc/testing';
import type { MeshPayButton } from '../src/mesh-pay-button.component.js';
import type { PaymentStatus } from '../src/payment-machine.js';

/**
 * A button for order `id` pointed at the fake kit (or `tokenUrl`), with `attrs` set before it
 * connects, rendered in a fresh fixture.
 */
export async function mount(id: string, attrs: Record<string, string> = {}, tokenUrl = '/kit/token'): Promise<MeshPayButton> {
  // Through HTMLElement: the framework pages see the published element type, the rest the source one.
  const el = document.createElement('mesh-pay-button') as HTMLElement as MeshPayButton;
  el.setAttribute('token-url', tokenUrl);
  el.setAttribute('order-id', id);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  const wrapper = await fixture<HTMLDivElement>(html`<div></div>`);
  wrapper.append(el);
  await el.updateComplete;
  return el;
}

export interface Scenario {
  /** Fake Link page scenario for every token (see test/fake-link.js). */
  link?: string;
  /** One scenario per successive token (the last repeats). */
  links?: string[];
  /** The first N token requests fail with `failStatus` (default 502). */
  failFirst?: number;
  failStatus?: number;
  /** These token requests (1-based, per order) fail with `failStatus` too. */
  failCalls?: number[];
  accessTokens?: unknown[];
  /** The link token decodes to this URL instead of the fake Link page (e.g. a Mesh-hosted origin). */
  linkUrl?: string;
  /** The token response's `paymentLink` (any value, to try garbage too). */
  paymentLink?: unknown;
  /** The token response's `statusUrl` instead of the kit's own. */
  statusUrl?: string;
  /** The token route answers 409 MESH_PAY_ORDER_ALREADY_PAID. */
  alreadyPaid?: boolean;
  /** The token route answers after this many ms. */
  delayMs?: number;
}

export interface KitLog {
  tokenCalls: Record<string, number>;
  integrations: { tx: string; cap: string | null; cookie: string | null; body: unknown }[];
  streamConnects: { tx: string; lastEventId: string | null; at: number; origin: string | null; cap: string | null; cookie: string | null }[];
  tokenRequests: { origin: string | null; cookie: string | null }[];
  /** Every request the kit saw, as `METHOD /path`. */
  requests: string[];
  /** Order ids whose token request the browser aborted before it was answered. */
  tokenAborts: string[];
  linkPages: { scenario: string; search: string; received: { type: string; payload: unknown }[] }[];
}

let counter = 0;
/** A fresh order id per test: the kit keys scenarios and counters by it. */
export function orderId(name: string): string {
  counter += 1;
  return `${name}-${Date.now().toString(36)}-${counter}`;
}

async function post(path: string, body: unknown): Promise<unknown> {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path} answered ${res.status}`);
  return res.json();
}

export const kit = {
  scenario: (id: string, scenario: Scenario) => post('/kit/scenario', { orderId: id, ...scenario }),
  emit: (tx: string, status: string, extra: Record<string, unknown> = {}) => post(`/kit/status/${encodeURIComponent(tx)}/emit`, { status, ...extra }) as Promise<{ id: number }>,
  forbid: (tx: string, forbidden = true) => post(`/kit/status/${encodeURIComponent(tx)}/forbid`, { forbidden }),
  busy: (tx: string, times: number, retryAfter: string, status = 503) => post(`/kit/status/${encodeURIComponent(tx)}/busy`, { times, retryAfter, status }),
  expire: (tx: string) => post(`/kit/status/${encodeURIComponent(tx)}/expire`, {}) as Promise<{ closed: number }>,
  drop: (tx: string) => post(`/kit/status/${encodeURIComponent(tx)}/drop`, {}) as Promise<{ dropped: number }>,
  openStreams: async (tx: string): Promise<number> => ((await (await fetch(`/kit/status/${encodeURIComponent(tx)}/clients`)).json()) as { open: number }).open,
  log: async (): Promise<KitLog> => (await fetch('/kit/log')).json() as Promise<KitLog>,
  /** The shop's CDN fails (or serves again) the button's lazily loaded half: the payment driver and everything after idle. */
  breakLazyHalf: (broken: boolean) => post('/kit/lazy-half', { broken }),
  /** Waits until a status stream of `tx` has been opened. */
  streamConnected: (tx: string) =>
    waitUntil(async () => (await kit.log()).streamConnects.some((c) => c.tx === tx), `no status stream of ${tx} was opened`, { timeout: 8000, interval: 50 }),
};

/**
 * A payment this tab saw sent before the reload, as the button keeps it: its status stream already
 * said `pending` (event id 1). Returns its transaction id.
 */
export async function saveConfirmingPayment(id: string, record: { status?: string; statusUrl?: string } = {}): Promise<string> {
  const tx = `tx-${id}-1`;
  await kit.emit(tx, 'pending');
  const saved = { statusUrl: `/kit/status/${tx}?cap=test-capability`, transactionId: tx, lastEventId: '1', status: 'confirming', ...record };
  sessionStorage.setItem(`mesh-pay:/kit/token#${id}`, JSON.stringify(saved));
  return tx;
}

/** The HTTP statuses this page's requests for the lazy half were answered with (Resource Timing). */
export function lazyHalfAnswers(): number[] {
  return performance
    .getEntriesByType('resource')
    .filter((entry) => new URL(entry.name).pathname.endsWith('/src/link-flow.ts'))
    .map((entry) => (entry as PerformanceResourceTiming).responseStatus);
}

/** Every status `el` reflects from now on, in order. */
export function statusesOf(el: MeshPayButton): string[] {
  const seen: string[] = [];
  new MutationObserver((records) => {
    for (const record of records) seen.push((record.target as Element).getAttribute('status') ?? '');
  }).observe(el, { attributes: true, attributeFilter: ['status'] });
  return seen;
}

export function buttonOf(el: MeshPayButton): HTMLButtonElement {
  const button = el.shadowRoot?.querySelector<HTMLButtonElement>('[part~="button"]');
  if (!button) throw new Error('no button part');
  return button;
}

export function labelOf(el: MeshPayButton): string {
  return el.shadowRoot?.querySelector('[part~="label"]')?.textContent?.trim() ?? '';
}

export function liveRegionOf(el: MeshPayButton): HTMLElement {
  const region = el.shadowRoot?.querySelector<HTMLElement>('[role="status"]');
  if (!region) throw new Error('no live region');
  return region;
}

/** Every open Link dialog: each sits in the shadow root of a `<mesh-pay-dialog>` host in the light DOM. */
export function openDialogs(): HTMLDialogElement[] {
  return [...document.querySelectorAll('mesh-pay-dialog')].flatMap((host) => [...(host.shadowRoot?.querySelectorAll<HTMLDialogElement>('dialog[open]') ?? [])]);
}

export function openDialog(): HTMLDialogElement | null {
  return openDialogs()[0] ?? null;
}

/** The dialog's light-DOM host (what the page can select, and the iframe's parent). */
export function dialogHostOf(dialog: HTMLDialogElement): HTMLElement {
  return (dialog.getRootNode() as ShadowRoot).host as HTMLElement;
}

/** The iframe the SDK points at Link: a light-DOM child of the host, slotted into the dialog. */
export function linkFrameOf(dialog: HTMLDialogElement): HTMLIFrameElement {
  const iframe = dialogHostOf(dialog).querySelector('iframe');
  if (!iframe) throw new Error('no Link iframe');
  return iframe;
}

/** One of the dialog's parts (`close`, `hint`, `continue`) in its shadow root. */
export function dialogPart(dialog: HTMLDialogElement, part: 'close' | 'hint' | 'continue'): HTMLButtonElement {
  const element = dialog.querySelector<HTMLButtonElement>(`[part~="${part}"]`);
  if (!element) throw new Error(`no ${part} part in the dialog`);
  return element;
}

/** Removes whatever dialog host a test left behind. */
export function removeDialogs(): void {
  for (const host of document.querySelectorAll('mesh-pay-dialog')) host.remove();
}

/** After a story: every button reset (Link closed, the page's Link slot free), no dialog, no saved payment. */
export function resetPage(): void {
  // Typed by what it calls: the framework pages see the published element type, the rest the source one.
  for (const el of document.querySelectorAll<Element & { reset(): void }>('mesh-pay-button')) el.reset();
  removeDialogs();
  sessionStorage.clear();
}

/**
 * From the `times`-th `mesh-open` on, `Date.now()` runs `byMs` ahead (each later open adds `byMs`
 * again): a customer who left Link open that long. Returns the function that restores the clock.
 */
export function shiftClockOnOpen(el: HTMLElement, byMs: number, times: number): () => void {
  const realNow = Date.now;
  let offset = 0;
  let opens = 0;
  const onOpen = () => {
    opens += 1;
    if (opens <= times) offset += byMs;
  };
  el.addEventListener('mesh-open', onOpen);
  Date.now = () => realNow.call(Date) + offset;
  return () => {
    el.removeEventListener('mesh-open', onOpen);
    Date.now = realNow;
  };
}


export async function statusBecomes(el: MeshPayButton, status: PaymentStatus): Promise<void> {
  await waitUntil(() => el.status === status, `expected status "${status}", still "${el.status}"`, { timeout: 8000 });
}

/** Waits for the fake Link page of `tx` to report that it received `type` from the SDK. */
export async function linkPageReceived(tx: string, type: string): Promise<KitLog['linkPages'][number]> {
  let found: KitLog['linkPages'][number] | undefined;
  await waitUntil(
    async () => {
      const log = await kit.log();
      found = log.linkPages.find((page) => page.search.includes(encodeURIComponent(tx)) && page.received.some((m) => m.type === type));
      return found !== undefined;
    },
    `Link page of ${tx} never received ${type}`,
    { timeout: 8000, interval: 50 },
  );
  return found!;
}
