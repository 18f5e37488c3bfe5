// A Svelte 5 shop page: the checkout component svelte-check verifies (test/types/svelte/Checkout.svelte),
// compiled by Svelte's compiler, renders <mesh-pay-button> with attributes, the userAgent property and
// `onmesh-*` event attributes. A customer pays; Svelte's handlers see every status and the page shows it.
import { expect } from '@open-wc/testing';
import { flushSync, mount, unmount } from 'svelte';
import type { MeshPayErrorDetail, TransferStatusEvent } from '@mesh-pay/widget';
import Checkout from '../types/svelte/Checkout.svelte';
import { orderId } from '../browser-kit.js';
import { BROWSER_UA, cleanUpPage, expectCheckoutAttributes, pageContainer, payThroughLink, renderedButton } from './framework-page.js';

let app: ReturnType<typeof mount> | undefined;
let container: HTMLElement | undefined;

afterEach(() =>
  cleanUpPage(() => {
    if (app) void unmount(app);
    container?.remove();
  }),
);

describe('<mesh-pay-button> in a Svelte 5 page', () => {
  it('pays: attributes and the userAgent property reach the element, Svelte handlers see every status', async function (this: { timeout(ms: number): void }) {
    this.timeout(60000); // Link's real SDK, an iframe and a status stream on a loaded machine
    const id = orderId('svelte-pay');
    const opened: string[] = [];
    const statuses: TransferStatusEvent[] = [];
    const errors: MeshPayErrorDetail[] = [];
    container = pageContainer();
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
    const el = await renderedButton(container, 'Svelte');
    expectCheckoutAttributes(el, id);
    const pageStatus = () => container!.querySelector('.svelte-status')!.textContent;
    expect(pageStatus()).to.equal('not paid');

    const tx = await payThroughLink(el, { framework: 'Svelte', opened, pageStatus, statuses: ['pending', 'succeeded'], txHash: '0xsvelte' });
    expect(statuses.map((s) => s.status)).to.deep.equal(['pending', 'succeeded']);
    expect(statuses[1]).to.include({ transactionId: tx, txHash: '0xsvelte' });
    expect(errors).to.deep.equal([]);
  });
});
