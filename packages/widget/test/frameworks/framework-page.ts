// What every framework page does the same way, whichever framework rendered <mesh-pay-button>: the
// element it rendered is a real, upgraded one with the page's attributes and the userAgent property,
// and a customer pays through Link while the framework's own handlers see each status and re-render.
import { expect, waitUntil } from '@open-wc/testing';
import { MeshPayButton } from '@mesh-pay/widget';
import { kit, openDialog, resetPage } from '../browser-kit.js';

export const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36';
export const INSTAGRAM_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 300.0.0.0';

// The element as the app sees it (the published types), so not browser-kit's source-typed helpers.
export const buttonOf = (el: MeshPayButton) => el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="button"]')!;
export const labelOf = (el: MeshPayButton) => el.shadowRoot!.querySelector('[part~="label"]')!.textContent!.trim();

/** A fresh container on the page for the framework to render into. */
export function pageContainer(): HTMLElement {
  const container = document.createElement('div');
  document.body.append(container);
  return container;
}

/** The <mesh-pay-button> the framework rendered into `container`, upgraded and rendered. */
export async function renderedButton(container: HTMLElement, framework: string): Promise<MeshPayButton> {
  const el = container.querySelector('mesh-pay-button');
  if (!(el instanceof MeshPayButton)) throw new Error(`${framework} did not render an upgraded <mesh-pay-button>`);
  await el.updateComplete;
  return el;
}

/** The checkout every framework page renders: attributes as attributes, `userAgent` as a property. */
export function expectCheckoutAttributes(el: MeshPayButton, orderId: string, userAgent = BROWSER_UA): void {
  expect(el.getAttribute('token-url')).to.equal('/kit/token');
  expect(el.tokenUrl).to.equal('/kit/token');
  expect(el.orderId).to.equal(orderId);
  expect(el.getAttribute('theme')).to.equal('dark');
  expect(labelOf(el)).to.equal('Pay 10 USDC');
  expect(el.userAgent).to.equal(userAgent);
  expect(el.hasAttribute('useragent'), 'a property, not a stringly attribute').to.equal(false);
}

export interface PayStory {
  framework: string;
  /** The transaction ids the framework's `mesh-open` handler saw. */
  opened: readonly string[];
  /** What the framework's page shows as the payment status (its own re-render). */
  pageStatus: () => string | null;
  /** The statuses the kit then announces, in order (the page must show each one). */
  statuses: readonly ('pending' | 'succeeded')[];
  txHash: string;
}

/**
 * The customer presses the button, Link (fake page, real SDK) finishes the transfer, the kit
 * announces `statuses` on the stream, and the framework's page re-renders each of them. Returns the
 * transaction id.
 */
export async function payThroughLink(el: MeshPayButton, story: PayStory): Promise<string> {
  const { framework, opened, pageStatus } = story;
  buttonOf(el).click();
  await waitUntil(() => el.status === 'confirming', `Link never finished the transfer (status ${el.status})`, { timeout: 15000 });
  expect(openDialog(), 'Link dialog').to.not.equal(null);
  expect(opened).to.have.length(1);
  const tx = opened[0]!;
  await waitUntil(async () => (await kit.log()).streamConnects.some((c) => c.tx === tx), 'status stream opened', { timeout: 15000 });
  for (const status of story.statuses) {
    await kit.emit(tx, status, status === 'succeeded' ? { txHash: story.txHash } : {});
    await waitUntil(() => pageStatus() === status, `${framework} rendered ${status}`, { timeout: 15000 });
    if (status === 'pending') expect(el.status, 'pending is still confirming').to.equal('confirming');
  }
  expect(el.status).to.equal('succeeded');
  expect(labelOf(el)).to.equal('Paid');
  return tx;
}

/** After each story: the framework unmounts its page; no payment, Link dialog or saved state leaks into the next one. */
export function cleanUpPage(unmount: () => void): void {
  resetPage();
  unmount();
}
