/** @jsxImportSource preact */
// A Preact shop page: Preact sets props the element has as properties, other props as attributes, and
// listens to `onmesh-*` as the element's custom events. A customer pays; the page re-renders "succeeded".
import type {} from '@mesh-pay/widget/preact';
import { expect } from '@open-wc/testing';
import { render } from 'preact';
import { useState } from 'preact/hooks';
import type { TransferStatusEvent } from '@mesh-pay/widget';
import { orderId } from '../browser-kit.js';
import { BROWSER_UA, cleanUpPage, expectCheckoutAttributes, pageContainer, payThroughLink, renderedButton } from './framework-page.js';

interface Seen {
  opened: string[];
  statuses: TransferStatusEvent[];
}

function Checkout({ id, seen }: { id: string; seen: Seen }) {
  const [status, setStatus] = useState('not paid');
  return (
    <main>
      <mesh-pay-button
        token-url="/kit/token"
        order-id={id}
        theme="dark"
        label="Pay 10 USDC"
        userAgent={BROWSER_UA}
        onmesh-open={(event) => seen.opened.push(event.detail.transactionId)}
        onmesh-status={(event) => {
          seen.statuses.push(event.detail);
          setStatus(event.detail.status);
        }}
      />
      <p data-testid="preact-status">{status}</p>
    </main>
  );
}

let container: HTMLElement | undefined;

afterEach(() =>
  cleanUpPage(() => {
    if (container) render(null, container);
    container?.remove();
  }),
);

describe('<mesh-pay-button> in a Preact page', () => {
  it('pays: attributes and the userAgent property reach the element, Preact handlers see every status', async function (this: { timeout(ms: number): void }) {
    this.timeout(60000); // Link's real SDK, an iframe and a status stream on a loaded machine
    const id = orderId('preact-pay');
    const seen: Seen = { opened: [], statuses: [] };
    container = pageContainer();
    render(<Checkout id={id} seen={seen} />, container);
    const el = await renderedButton(container, 'Preact');
    expectCheckoutAttributes(el, id);
    const pageStatus = () => container!.querySelector('[data-testid="preact-status"]')!.textContent;

    const tx = await payThroughLink(el, { framework: 'Preact', opened: seen.opened, pageStatus, statuses: ['succeeded'], txHash: '0xpreact' });
    expect(seen.statuses.map((s) => s.status)).to.deep.equal(['succeeded']);
    expect(seen.statuses[0]).to.include({ transactionId: tx, txHash: '0xpreact' });
  });
});
