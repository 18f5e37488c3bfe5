// A Svelte 5 shop page: the checkout component svelte-check verifies (test/types/svelte/Checkout.svelte),
// compiled by Svelte's compiler, renders <mesh-pay-button> with attributes, the userAgent property and
// `onmesh-*` event attributes. A customer pays; Svelte's handlers see every status and the page shows it.
import { expect, waitUntil } from '@open-wc/testing';
import { flushSync, mount, unmount } from 'svelte';
import { MeshPayButton, type MeshPayErrorDetail, type TransferStatusEvent } from '@mesh-pay/widget';
import Checkout from '../types/svelte/Checkout.svelte';
import { buttonOf, kit, labelOf, openDialog, orderId } from '../browser-kit.js';

const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36';

let app: ReturnType<typeof mount> | undefined;
let container: HTMLElement | undefined;

afterEach(() => {
  for (const el of document.querySelectorAll('mesh-pay-button')) (el as MeshPayButton).reset();
  if (app) void unmount(app);
  container?.remove();
  for (const dialog of document.querySelectorAll('dialog.mesh-pay-dialog')) dialog.remove();
  sessionStorage.clear();
});

describe('<mesh-pay-button> in a Svelte 5 page', () => {
  it('pays: attributes and the userAgent property reach the element, Svelte handlers see every status', async function (this: { timeout(ms: number): void }) {
    this.timeout(60000); // Link's real SDK, an iframe and a status stream on a loaded machine
    const id = orderId('svelte-pay');
    const opened: string[] = [];
    const statuses: TransferStatusEvent[] = [];
    const errors: MeshPayErrorDetail[] = [];
    container = document.createElement('div');
    document.body.append(container);
    app = mount(Checkout, {
      target: container,
      props: {
        tokenUrl: '/kit/token',
        orderId: id,
        userAgent: BROWSER_UA,
        onopen: (tx: string) => opened.push(tx),
        onstatus: (status: TransferStatusEvent) => statuses.push(status),
        onerror: (error: MeshPayErrorDetail) => errors.push(error),
      },
    });
    flushSync();
    const el = container.querySelector('mesh-pay-button');
    if (!(el instanceof MeshPayButton)) throw new Error('Svelte did not render an upgraded <mesh-pay-button>');
    await el.updateComplete;
    expect(el.getAttribute('token-url')).to.equal('/kit/token');
    expect(el.orderId).to.equal(id);
    expect(el.getAttribute('theme')).to.equal('dark');
    expect(labelOf(el)).to.equal('Pay 10 USDC');
    expect(el.userAgent).to.equal(BROWSER_UA);
    expect(el.hasAttribute('useragent'), 'a property, not a stringly attribute').to.equal(false);
    const pageStatus = () => container!.querySelector('.svelte-status')!.textContent;
    expect(pageStatus()).to.equal('not paid');

    buttonOf(el).click();
    await waitUntil(() => el.status === 'confirming', `Link never finished the transfer (status ${el.status})`, { timeout: 15000 });
    expect(openDialog(), 'Link dialog').to.not.equal(null);
    expect(opened).to.have.length(1);
    const tx = opened[0]!;
    await waitUntil(async () => (await kit.log()).streamConnects.some((c) => c.tx === tx), 'status stream opened', { timeout: 15000 });
    await kit.emit(tx, 'pending');
    await waitUntil(() => pageStatus() === 'pending', 'Svelte rendered pending', { timeout: 15000 });
    await kit.emit(tx, 'succeeded', { txHash: '0xsvelte' });
    await waitUntil(() => pageStatus() === 'succeeded', 'Svelte rendered succeeded', { timeout: 15000 });
    expect(el.status).to.equal('succeeded');
    expect(labelOf(el)).to.equal('Paid');
    expect(statuses.map((s) => s.status)).to.deep.equal(['pending', 'succeeded']);
    expect(statuses[1]).to.include({ transactionId: tx, txHash: '0xsvelte' });
    expect(errors).to.deep.equal([]);
  });
});
