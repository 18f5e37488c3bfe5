// A Solid shop page, compiled by Solid's own JSX compiler (babel-preset-solid) as a Solid app's bundler
// does: plain attributes stay attributes, `prop:` sets a property, and `on:` listens to the element's
// custom events. A customer pays; the page's signal re-renders every status.
import type {} from '@mesh-pay/widget/solid';
import { expect } from '@open-wc/testing';
import { createSignal } from 'solid-js';
import { render } from 'solid-js/web';
import type { TransferStatusEvent } from '@mesh-pay/widget';
import { orderId } from '../../browser-kit.js';
import { BROWSER_UA, cleanUpPage, expectCheckoutAttributes, pageContainer, payThroughLink, renderedButton } from '../framework-page.js';

interface Seen {
  opened: string[];
  statuses: TransferStatusEvent[];
}

function Checkout(props: { id: string; seen: Seen }) {
  const [status, setStatus] = createSignal('not paid');
  return (
    <main>
      <mesh-pay-button
        token-url="/kit/token"
        order-id={props.id}
        theme="dark"
        label="Pay 10 USDC"
        prop:userAgent={BROWSER_UA}
        on:mesh-open={(event) => props.seen.opened.push(event.detail.transactionId)}
        on:mesh-status={(event) => {
          props.seen.statuses.push(event.detail);
          setStatus(event.detail.status);
        }}
      />
      <p data-testid="solid-status">{status()}</p>
    </main>
  );
}

let dispose: (() => void) | undefined;
let container: HTMLElement | undefined;

afterEach(() =>
  cleanUpPage(() => {
    dispose?.();
    container?.remove();
  }),
);

describe('<mesh-pay-button> in a Solid page', () => {
  it('pays: attributes, prop:userAgent and on:mesh-* reach the element; the page’s signal shows every status', async function (this: { timeout(ms: number): void }) {
    this.timeout(60000); // Link's real SDK, an iframe and a status stream on a loaded machine
    const id = orderId('solid-pay');
    const seen: Seen = { opened: [], statuses: [] };
    container = pageContainer();
    dispose = render(() => <Checkout id={id} seen={seen} />, container);
    const el = await renderedButton(container, 'Solid');
    expectCheckoutAttributes(el, id);
    const pageStatus = () => container!.querySelector('[data-testid="solid-status"]')!.textContent;

    const tx = await payThroughLink(el, { framework: 'Solid', opened: seen.opened, pageStatus, statuses: ['pending', 'succeeded'], txHash: '0xsolid' });
    expect(seen.statuses.map((s) => s.status)).to.deep.equal(['pending', 'succeeded']);
    expect(seen.statuses.at(-1)).to.include({ transactionId: tx, txHash: '0xsolid' });
  });
});
