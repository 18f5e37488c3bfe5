// A Vue 3 shop page uses <mesh-pay-button> in a real template, compiled by Vue's own compiler with
// `compilerOptions.isCustomElement`: static and bound attributes, a `:userAgent` property binding,
// and `@mesh-click` / `@mesh-status` listeners. A customer pays; Vue's handlers see every status and
// the template re-renders "succeeded".
import { expect, waitUntil } from '@open-wc/testing';
import { createApp, ref, type App } from 'vue';
import { MeshPayButton, type MeshClickDetail, type TransferStatusEvent } from '@mesh-pay/widget';
import { buttonOf, kit, labelOf, openDialog, orderId } from '../browser-kit.js';

const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36';
const INSTAGRAM_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 300.0.0.0';

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
  container = document.createElement('div');
  document.body.append(container);
  app.mount(container);
  const el = container.querySelector('mesh-pay-button');
  if (!(el instanceof MeshPayButton)) throw new Error('Vue did not render an upgraded <mesh-pay-button>');
  await el.updateComplete;
  return { el, vueStatus: () => container!.querySelector('.vue-status')!.textContent ?? '', userAgent, theme, clicks, opened, statuses };
}

afterEach(() => {
  for (const el of document.querySelectorAll('mesh-pay-button')) (el as MeshPayButton).reset();
  app?.unmount();
  container?.remove();
  for (const dialog of document.querySelectorAll('dialog.mesh-pay-dialog')) dialog.remove();
  sessionStorage.clear();
});

describe('<mesh-pay-button> in a Vue 3 page', () => {
  it('takes attributes as attributes, bound attributes reactively, and userAgent as a property', async () => {
    const { el, userAgent, theme } = await mount('order-attrs');
    expect(el.getAttribute('token-url')).to.equal('/kit/token');
    expect(el.orderId).to.equal('order-attrs');
    expect(el.getAttribute('theme')).to.equal('dark');
    expect(labelOf(el)).to.equal('Pay 10 USDC');
    expect(el.userAgent).to.equal(BROWSER_UA);
    expect(el.hasAttribute('useragent'), 'a property, not a stringly attribute').to.equal(false);

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

    buttonOf(el).click();
    expect(page.clicks).to.deep.equal([{ orderId: id }]);
    await waitUntil(() => el.status === 'confirming', `Link never finished the transfer (status ${el.status})`, { timeout: 15000 });
    expect(openDialog(), 'Link dialog').to.not.equal(null);
    expect(page.opened).to.have.length(1);
    const tx = page.opened[0]!;
    await waitUntil(async () => (await kit.log()).streamConnects.some((c) => c.tx === tx), 'status stream opened', { timeout: 15000 });

    await kit.emit(tx, 'pending');
    await waitUntil(() => page.vueStatus() === 'pending', 'Vue rendered pending', { timeout: 15000 });
    expect(el.status).to.equal('confirming');
    await kit.emit(tx, 'succeeded', { txHash: '0xvue' });
    await waitUntil(() => page.vueStatus() === 'succeeded', 'Vue rendered succeeded', { timeout: 15000 });

    expect(el.status).to.equal('succeeded');
    expect(labelOf(el)).to.equal('Paid');
    expect(page.statuses.map((s) => s.status)).to.deep.equal(['pending', 'succeeded']);
    expect(page.statuses[1]).to.include({ transactionId: tx, status: 'succeeded', txHash: '0xvue' });
  });
});
