/** @jsxImportSource react */
// A React 19 shop page uses <mesh-pay-button> the React 19 way: attributes as JSX attributes, a property
// (React 19 sets props the element has as properties), and `onmesh-*` handlers for its custom events.
// A customer pays; React's own handlers see every status and the page re-renders "succeeded".
import type {} from '@mesh-pay/widget/react';
import { expect, waitUntil } from '@open-wc/testing';
import { useState } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { flushSync } from 'react-dom';
import type { MeshPayButton, MeshClickDetail, TransferStatusEvent } from '@mesh-pay/widget';
import { kit, orderId } from '../browser-kit.js';
import { BROWSER_UA, buttonOf, cleanUpPage, expectCheckoutAttributes, INSTAGRAM_UA, pageContainer, payThroughLink, renderedButton } from './framework-page.js';

interface Seen {
  clicks: MeshClickDetail[];
  opened: string[];
  statuses: TransferStatusEvent[];
}

function Checkout({ id, userAgent, seen, vetoClick = false }: { id: string; userAgent: string; seen: Seen; vetoClick?: boolean }) {
  const [status, setStatus] = useState('not paid');
  return (
    <main>
      <mesh-pay-button
        token-url="/kit/token"
        order-id={id}
        theme="dark"
        label="Pay 10 USDC"
        userAgent={userAgent}
        onmesh-click={(event) => {
          seen.clicks.push(event.detail);
          if (vetoClick) event.preventDefault();
        }}
        onmesh-open={(event) => seen.opened.push(event.detail.transactionId)}
        onmesh-status={(event) => {
          seen.statuses.push(event.detail);
          setStatus(event.detail.status);
        }}
      />
      <p data-testid="react-status">{status}</p>
    </main>
  );
}

let root: Root | undefined;
let container: HTMLElement | undefined;

async function render(page: React.ReactNode): Promise<MeshPayButton> {
  container = pageContainer();
  root = createRoot(container);
  flushSync(() => root!.render(page));
  return renderedButton(container, 'React');
}

afterEach(() =>
  cleanUpPage(() => {
    root?.unmount();
    container?.remove();
  }),
);

describe('<mesh-pay-button> in a React 19 page', () => {
  it('takes attributes as attributes and userAgent as a property', async () => {
    const seen: Seen = { clicks: [], opened: [], statuses: [] };
    const el = await render(<Checkout id="order-attrs" userAgent={BROWSER_UA} seen={seen} />);
    expectCheckoutAttributes(el, 'order-attrs');

    // The property is live: an in-app browser's user agent swaps the button for "open in your browser".
    flushSync(() => root!.render(<Checkout id="order-attrs" userAgent={INSTAGRAM_UA} seen={seen} />));
    await el.updateComplete;
    expect(el.userAgent).to.equal(INSTAGRAM_UA);
    // (The in-app view may be loaded lazily: wait for it rather than expect it on this frame.)
    await waitUntil(() => el.shadowRoot!.querySelector('[part~="webview"]'), 'the in-app browser notice replaced the button', { timeout: 15000 });
  });

  it("lets React's onmesh-click handler cancel the payment", async () => {
    const id = orderId('react-veto');
    const seen: Seen = { clicks: [], opened: [], statuses: [] };
    const el = await render(<Checkout id={id} userAgent={BROWSER_UA} seen={seen} vetoClick />);
    buttonOf(el).click();
    expect(seen.clicks).to.deep.equal([{ orderId: id }]);
    expect(el.status).to.equal('idle');
    expect((await kit.log()).tokenCalls[id] ?? 0).to.equal(0);
  });

  it('completes a payment: React handlers receive mesh-click and every mesh-status, the page shows succeeded', async function (this: { timeout(ms: number): void }) {
    this.timeout(60000); // Link's real SDK, an iframe and a status stream on a loaded machine
    const id = orderId('react-pay');
    const seen: Seen = { clicks: [], opened: [], statuses: [] };
    const el = await render(<Checkout id={id} userAgent={BROWSER_UA} seen={seen} />);
    const reactStatus = () => container!.querySelector('[data-testid="react-status"]')!.textContent;
    expect(reactStatus()).to.equal('not paid');

    const tx = await payThroughLink(el, { framework: 'React', opened: seen.opened, pageStatus: reactStatus, statuses: ['pending', 'succeeded'], txHash: '0xreact' });
    expect(seen.clicks).to.deep.equal([{ orderId: id }]);
    expect(seen.statuses.map((s) => s.status)).to.deep.equal(['pending', 'succeeded']);
    expect(seen.statuses[1]).to.include({ transactionId: tx, status: 'succeeded', txHash: '0xreact' });
  });
});
