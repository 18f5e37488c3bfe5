/** @jsxImportSource preact */
// A Preact shop page: Preact sets props the element has as properties, other props as attributes, and
// listens to `onmesh-*` as the element's custom events. A customer pays; the page re-renders "succeeded".
import type {} from '@mesh-pay/widget/preact';
import { expect, waitUntil } from '@open-wc/testing';
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { MeshPayButton } from '@mesh-pay/widget';
import type { TransferStatusEvent } from '@mesh-pay/widget';
import { kit, openDialog, orderId } from '../browser-kit.js';

const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36';
const buttonOf = (el: MeshPayButton) => el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="button"]')!;
const labelOf = (el: MeshPayButton) => el.shadowRoot!.querySelector('[part~="label"]')!.textContent!.trim();

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

afterEach(() => {
  for (const el of document.querySelectorAll('mesh-pay-button')) (el as MeshPayButton).reset();
  if (container) render(null, container);
  container?.remove();
  for (const dialog of document.querySelectorAll('dialog.mesh-pay-dialog')) dialog.remove();
  sessionStorage.clear();
});

describe('<mesh-pay-button> in a Preact page', () => {
  it('pays: attributes and the userAgent property reach the element, Preact handlers see every status', async function (this: { timeout(ms: number): void }) {
    this.timeout(60000); // Link's real SDK, an iframe and a status stream on a loaded machine
    const id = orderId('preact-pay');
    const seen: Seen = { opened: [], statuses: [] };
    container = document.createElement('div');
    document.body.append(container);
    render(<Checkout id={id} seen={seen} />, container);
    const el = container.querySelector('mesh-pay-button');
    if (!(el instanceof MeshPayButton)) throw new Error('Preact did not render an upgraded <mesh-pay-button>');
    await el.updateComplete;
    expect(el.getAttribute('token-url')).to.equal('/kit/token');
    expect(el.orderId).to.equal(id);
    expect(el.getAttribute('theme')).to.equal('dark');
    expect(labelOf(el)).to.equal('Pay 10 USDC');
    expect(el.userAgent).to.equal(BROWSER_UA);
    expect(el.hasAttribute('useragent'), 'a property, not a stringly attribute').to.equal(false);
    const pageStatus = () => container!.querySelector('[data-testid="preact-status"]')!.textContent;

    buttonOf(el).click();
    await waitUntil(() => el.status === 'confirming', `Link never finished the transfer (status ${el.status})`, { timeout: 15000 });
    expect(openDialog(), 'Link dialog').to.not.equal(null);
    expect(seen.opened).to.have.length(1);
    const tx = seen.opened[0]!;
    await waitUntil(async () => (await kit.log()).streamConnects.some((c) => c.tx === tx), 'status stream opened', { timeout: 15000 });
    await kit.emit(tx, 'succeeded', { txHash: '0xpreact' });
    await waitUntil(() => pageStatus() === 'succeeded', 'Preact rendered succeeded', { timeout: 15000 });
    expect(el.status).to.equal('succeeded');
    expect(labelOf(el)).to.equal('Paid');
    expect(seen.statuses.map((s) => s.status)).to.deep.equal(['succeeded']);
    expect(seen.statuses[0]).to.include({ transactionId: tx, txHash: '0xpreact' });
  });
});
