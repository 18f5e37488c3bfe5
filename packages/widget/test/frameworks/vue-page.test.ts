// A Vue 3 shop page uses <mesh-pay-button> in a real template, compiled by Vue's own compiler with
// `compilerOptions.isCustomElement`: static and bound attributes, a `:userAgent` property binding,
// and `@mesh-click` / `@mesh-status` listeners. A customer pays; Vue's handlers see every status and
// the template re-renders "succeeded".
import { expect, waitUntil } from '@open-wc/testing';
import { createApp, ref, type App } from 'vue';
import type { MeshClickDetail, MeshPayButton, TransferStatusEvent } from '@mesh-pay/widget';
import { kit, orderId } from '../browser-kit.js';
import { BROWSER_UA, buttonOf, cleanUpPage, expectCheckoutAttributes, INSTAGRAM_UA, pageContainer, payThroughLink, renderedButton } from './framework-page.js';

const TEMPLATE = `
  <main>
    <mesh-pay-button
      token-url="/kit/token"
      :order-id="orderId"
      :theme="theme"
      label="Pay 10 USDC"
      :userAgent="userAgent"
      @mesh-click="onClick"
      @mesh-open="onOpen"
      @mesh-status="onStatus"
    ></mesh-pay-button>
    <p class="vue-status">{{ status }}</p>
  </main>`;

interface Page {
  el: MeshPayButton;
  vueStatus: () => string;
  userAgent: { value: string };
  theme: { value: string };
  clicks: MeshClickDetail[];
  opened: string[];
  statuses: TransferStatusEvent[];
}

let app: App | undefined;
let container: HTMLElement | undefined;

async function mount(id: string, { vetoClick = false } = {}): Promise<Page> {
  const clicks: MeshClickDetail[] = [];
  const opened: string[] = [];
  const statuses: TransferStatusEvent[] = [];
  const userAgent = ref(BROWSER_UA);
  const theme = ref('dark');
  const status = ref('not paid');
  app = createApp({
    template: TEMPLATE,
    setup: () => ({
      orderId: id,
      theme,
      userAgent,
      status,
      onClick: (event: CustomEvent<MeshClickDetail>) => {
        clicks.push(event.detail);
        if (vetoClick) event.preventDefault();
      },
      onOpen: (event: CustomEvent<{ transactionId: string }>) => opened.push(event.detail.transactionId),
      onStatus: (event: CustomEvent<TransferStatusEvent>) => {
        statuses.push(event.detail);
        status.value = event.detail.status;
      },
    }),
  });
  app.config.compilerOptions.isCustomElement = (tag) => tag === 'mesh-pay-button';
  app.config.warnHandler = (message) => {
    throw new Error(`Vue warned: ${message}`);
  };
  container = pageContainer();
  app.mount(container);
  const el = await renderedButton(container, 'Vue');
  return { el, vueStatus: () => container!.querySelector('.vue-status')!.textContent ?? '', userAgent, theme, clicks, opened, statuses };
}

afterEach(() =>
  cleanUpPage(() => {
    app?.unmount();
    container?.remove();
  }),
);

describe('<mesh-pay-button> in a Vue 3 page', () => {
  it('takes attributes as attributes, bound attributes reactively, and userAgent as a property', async () => {
    const { el, userAgent, theme } = await mount('order-attrs');
    expectCheckoutAttributes(el, 'order-attrs');

    theme.value = 'light';
    userAgent.value = INSTAGRAM_UA;
    await waitUntil(() => el.theme === 'light' && el.userAgent === INSTAGRAM_UA, 'Vue patched the element', { timeout: 15000 });
    await el.updateComplete;
    expect(el.getAttribute('theme')).to.equal('light');
    // (The in-app view may be loaded lazily: wait for it rather than expect it on this frame.)
    await waitUntil(() => el.shadowRoot!.querySelector('[part~="webview"]'), 'the in-app browser notice replaced the button', { timeout: 15000 });
  });

  it("lets Vue's @mesh-click handler cancel the payment", async () => {
    const id = orderId('vue-veto');
    const page = await mount(id, { vetoClick: true });
    buttonOf(page.el).click();
    expect(page.clicks).to.deep.equal([{ orderId: id }]);
    expect(page.el.status).to.equal('idle');
    expect((await kit.log()).tokenCalls[id] ?? 0).to.equal(0);
  });

  it('completes a payment: Vue handlers receive mesh-click and every mesh-status, the template shows succeeded', async function (this: { timeout(ms: number): void }) {
    this.timeout(60000); // Link's real SDK, an iframe and a status stream on a loaded machine
    const id = orderId('vue-pay');
    const page = await mount(id);
    const { el } = page;
    expect(page.vueStatus()).to.equal('not paid');

    const tx = await payThroughLink(el, { framework: 'Vue', opened: page.opened, pageStatus: page.vueStatus, statuses: ['pending', 'succeeded'], txHash: '0xvue' });
    expect(page.clicks).to.deep.equal([{ orderId: id }]);
    expect(page.statuses.map((s) => s.status)).to.deep.equal(['pending', 'succeeded']);
    expect(page.statuses[1]).to.include({ transactionId: tx, status: 'succeeded', txHash: '0xvue' });
  });
});
