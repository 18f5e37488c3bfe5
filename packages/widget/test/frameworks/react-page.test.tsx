/** @jsxImportSource react */
// A React 19 shop page uses <mesh-pay-button> the React 19 way: attributes as JSX attributes, a property
// (React 19 sets props the element has as properties), and `onmesh-*` handlers for its custom events.
// A customer pays; React's own handlers see every status and the page re-renders "succeeded".
import type {} from '@mesh-pay/widget/react';
import { expect, waitUntil } from '@open-wc/testing';
import { useState } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { flushSync } from 'react-dom';
import { MeshPayButton } from '@mesh-pay/widget';
import type { MeshClickDetail, TransferStatusEvent } from '@mesh-pay/widget';
import { kit, openDialog, orderId } from '../browser-kit.js';

// The element as the app sees it (the published types), so not browser-kit's source-typed helpers.
const buttonOf = (el: MeshPayButton) => el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="button"]')!;
const labelOf = (el: MeshPayButton) => el.shadowRoot!.querySelector('[part~="label"]')!.textContent!.trim();

const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36';
const INSTAGRAM_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 300.0.0.0';

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

function render(page: React.ReactNode): MeshPayButton {
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  flushSync(() => root!.render(page));
  const el = container.querySelector('mesh-pay-button');
  if (!(el instanceof MeshPayButton)) throw new Error('React did not render an upgraded <mesh-pay-button>');
  return el;
}

afterEach(() => {
  for (const el of document.querySelectorAll('mesh-pay-button')) (el as MeshPayButton).reset();
  root?.unmount();
  container?.remove();
  for (const dialog of document.querySelectorAll('dialog.mesh-pay-dialog')) dialog.remove();
  sessionStorage.clear();
});

describe('<mesh-pay-button> in a React 19 page', () => {
  it('takes attributes as attributes and userAgent as a property', async () => {
    const seen: Seen = { clicks: [], opened: [], statuses: [] };
    const el = render(<Checkout id="order-attrs" userAgent={BROWSER_UA} seen={seen} />);
    await el.updateComplete;
    expect(el.getAttribute('token-url')).to.equal('/kit/token');
    expect(el.tokenUrl).to.equal('/kit/token');
    expect(el.orderId).to.equal('order-attrs');
    expect(el.getAttribute('theme')).to.equal('dark');
    expect(labelOf(el)).to.equal('Pay 10 USDC');
    expect(el.userAgent).to.equal(BROWSER_UA);
    expect(el.hasAttribute('useragent'), 'a property, not a stringly attribute').to.equal(false);

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
    const el = render(<Checkout id={id} userAgent={BROWSER_UA} seen={seen} vetoClick />);
    await el.updateComplete;
    buttonOf(el).click();
    expect(seen.clicks).to.deep.equal([{ orderId: id }]);
    expect(el.status).to.equal('idle');
    expect((await kit.log()).tokenCalls[id] ?? 0).to.equal(0);
  });

  it('completes a payment: React handlers receive mesh-click and every mesh-status, the page shows succeeded', async function (this: { timeout(ms: number): void }) {
    this.timeout(60000); // Link's real SDK, an iframe and a status stream on a loaded machine
    const id = orderId('react-pay');
    const seen: Seen = { clicks: [], opened: [], statuses: [] };
    const el = render(<Checkout id={id} userAgent={BROWSER_UA} seen={seen} />);
    await el.updateComplete;
    const reactStatus = () => container!.querySelector('[data-testid="react-status"]')!.textContent;
    expect(reactStatus()).to.equal('not paid');

    buttonOf(el).click();
    expect(seen.clicks).to.deep.equal([{ orderId: id }]);
    await waitUntil(() => el.status === 'confirming', `Link never finished the transfer (status ${el.status})`, { timeout: 15000 });
    expect(openDialog(), 'Link dialog').to.not.equal(null);
    expect(seen.opened).to.have.length(1);
    const tx = seen.opened[0]!;
    await waitUntil(async () => (await kit.log()).streamConnects.some((c) => c.tx === tx), 'status stream opened', { timeout: 15000 });

    await kit.emit(tx, 'pending');
    await waitUntil(() => reactStatus() === 'pending', 'React rendered pending', { timeout: 15000 });
    expect(el.status).to.equal('confirming');
    await kit.emit(tx, 'succeeded', { txHash: '0xreact' });
    await waitUntil(() => reactStatus() === 'succeeded', 'React rendered succeeded', { timeout: 15000 });

    expect(el.status).to.equal('succeeded');
    expect(labelOf(el)).to.equal('Paid');
    expect(seen.statuses.map((s) => s.status)).to.deep.equal(['pending', 'succeeded']);
    expect(seen.statuses[1]).to.include({ transactionId: tx, status: 'succeeded', txHash: '0xreact' });
  });
});
