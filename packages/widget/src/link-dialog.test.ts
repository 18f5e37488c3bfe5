// The Link dialog as a customer meets it, in real Chromium with the real SDK and the fake Link page:
// only the iframe is in the page's DOM, our close button steps aside once Link has loaded (Link draws
// its own) and comes back when Link fails or goes away, the page cannot scroll behind it, and a theme
// keeps its say only through the documented custom properties and parts.
import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import './mesh-pay-button.js';
import type { MeshPayButton } from './mesh-pay-button.component.js';
import { buttonOf, dialogHostOf, dialogPart, kit, linkFrameOf, linkPageReceived, openDialog, orderId, resetPage, shiftClockOnOpen, statusBecomes } from '../test/browser-kit.js';

async function mount(id: string, hint?: string): Promise<MeshPayButton> {
  const el = await fixture<MeshPayButton>(html`<mesh-pay-button token-url="/kit/token" order-id=${id} hint=${hint ?? ''}></mesh-pay-button>`);
  await el.updateComplete;
  return el;
}

/** Opens Link for a fresh order playing `scenario`; resolves once the dialog shows. */
async function openLink(scenario: Record<string, unknown> = { link: 'idle' }): Promise<{ el: MeshPayButton; tx: string; dialog: HTMLDialogElement }> {
  const id = orderId('dialog');
  await kit.scenario(id, scenario);
  const el = await mount(id);
  const opened = oneEvent(el, 'mesh-open');
  // A real key press: the customer's activation is what lets Escape ask before the dialog closes.
  el.focus();
  await sendKeys({ press: 'Enter' });
  const tx = (await opened).detail.transactionId;
  await waitUntil(() => openDialog() !== null, 'Link dialog opened');
  return { el, tx, dialog: openDialog()! };
}

const closeShows = (dialog: HTMLDialogElement) => dialogPart(dialog, 'close').checkVisibility();
const shadowFocus = (dialog: HTMLDialogElement) => (dialog.getRootNode() as ShadowRoot).activeElement;

afterEach(() => {
  resetPage();
  document.documentElement.removeAttribute('style');
  document.body.removeAttribute('style');
  window.scrollTo(0, 0);
});

describe('the Link dialog’s DOM', () => {
  it('keeps only the iframe in the light DOM, findable by id; its controls live in a shadow root', async () => {
    const { tx, dialog } = await openLink();
    const host = dialogHostOf(dialog);
    expect(host.localName).to.equal('mesh-pay-dialog');
    expect(host.parentElement).to.equal(document.body);
    expect([...host.children].map((child) => child.localName)).to.deep.equal(['iframe']);
    const iframe = linkFrameOf(dialog);
    expect(document.getElementById(iframe.id)).to.equal(iframe);
    expect(iframe.assignedSlot?.closest('dialog')).to.equal(dialog);
    // Nothing of ours a page selector can find besides the host and the iframe.
    expect(document.querySelectorAll('dialog, button:not(mesh-pay-button *)').length).to.equal(0);
    await linkPageReceived(tx, 'meshSDKSpecs');
    // The iframe fills the dialog.
    const frame = iframe.getBoundingClientRect();
    const box = dialog.getBoundingClientRect();
    expect(frame.width).to.be.closeTo(box.width, 1);
    expect(frame.height).to.be.greaterThan(box.height * 0.8);
  });
});

describe('our close button and Link’s', () => {
  it('hides once Link has loaded; focus goes to the dialog, never a hidden button, and Escape still asks Link to close', async () => {
    const { el, tx, dialog } = await openLink();
    await linkPageReceived(tx, 'meshSDKSpecs');
    await waitUntil(() => !closeShows(dialog), 'our close button hid once Link loaded');
    expect(shadowFocus(dialog), 'focus is on the dialog').to.equal(dialog);
    expect(dialog.matches(':focus')).to.equal(true);
    await sendKeys({ press: 'Escape' });
    await linkPageReceived(tx, 'closeRequested');
    await statusBecomes(el, 'cancelled');
    expect(openDialog()).to.equal(null);
  });

  it('stays, focused and working, when Link never loads (nothing answers at its address)', async () => {
    // The failed navigation still ends in a load event (caught on its way down to the iframe).
    let failedLoads = 0;
    const onLoad = (event: Event) => {
      if (event.target instanceof HTMLIFrameElement && event.target.src.startsWith('http://127.0.0.1:9/')) failedLoads += 1;
    };
    document.addEventListener('load', onLoad, true);
    const { el, dialog } = await openLink({ link: 'idle', linkUrl: 'http://127.0.0.1:9/link' });
    try {
      await waitUntil(() => failedLoads > 0, 'the iframe gave up on Link', { timeout: 8000 });
    } finally {
      document.removeEventListener('load', onLoad, true);
    }
    expect(closeShows(dialog), 'our close button is the way out').to.equal(true);
    expect(shadowFocus(dialog)).to.equal(dialogPart(dialog, 'close'));
    dialogPart(dialog, 'close').click();
    await statusBecomes(el, 'cancelled');
    expect(openDialog()).to.equal(null);
  });

  it('comes back while Link goes away and a fresh token reopens it, and hides again once the new Link loads', async () => {
    const id = orderId('dialog-remint');
    await kit.scenario(id, { links: ['broken', 'idle'] });
    const el = await mount(id);
    // The customer left Link open past the token's 10 minutes before it failed: one silent re-mint.
    let opens = 0;
    el.addEventListener('mesh-open', () => (opens += 1));
    const restoreClock = shiftClockOnOpen(el, 11 * 60_000, 1);
    // Every change of our close button's `hidden`, watched from the moment the dialog joins the page.
    const seen: boolean[] = [];
    const watch = new MutationObserver((records) => {
      for (const node of records.flatMap((r) => [...r.addedNodes])) {
        if (!(node instanceof HTMLElement) || node.localName !== 'mesh-pay-dialog') continue;
        const close = node.shadowRoot!.querySelector<HTMLButtonElement>('[part~="close"]')!;
        new MutationObserver(() => seen.push(close.hidden)).observe(close, { attributes: true, attributeFilter: ['hidden'] });
      }
    });
    watch.observe(document.body, { childList: true });
    try {
      buttonOf(el).click();
      await waitUntil(() => openDialog() !== null, 'Link dialog opened');
      const dialog = openDialog()!;
      await waitUntil(() => opens === 2, 'Link opened a second time', { timeout: 8000 });
      await linkPageReceived(`tx-${id}-2`, 'meshSDKSpecs');
      await waitUntil(() => !closeShows(dialog), 'hidden again once the new Link loaded');
      expect(openDialog()).to.equal(dialog);
    } finally {
      restoreClock();
      watch.disconnect();
    }
    // Hidden (first Link loaded), shown (it went away), hidden (the second one loaded).
    expect(seen).to.deep.equal([true, false, true]);
  });

  it('ignores `loaded` from anyone but its own Link iframe, and garbage messages', async () => {
    const { dialog } = await openLink({ link: 'idle', linkUrl: 'http://127.0.0.1:9/link' });
    // Another frame on the page (an ad, a chat widget) says `loaded`.
    const other = document.createElement('iframe');
    const forged = new Promise<void>((resolve) => {
      const on = (event: MessageEvent) => {
        if (event.source !== other.contentWindow) return;
        window.removeEventListener('message', on);
        resolve();
      };
      window.addEventListener('message', on);
    });
    other.srcdoc = `<script>parent.postMessage({ type: 'loaded' }, '*')</script>`;
    document.body.append(other);
    try {
      await forged;
      // The page itself, and garbage (not `null`: the SDK itself reads `.type` of any same-origin message).
      for (const data of [{ type: 'loaded' }, 'loaded', 42, [], { type: { toString: 'loaded' } }, { type: 'loaded'.repeat(100_000) }]) window.postMessage(data, '*');
      // A message the page posts itself comes from `window`, and our handler runs after this one.
      await new Promise<void>((resolve) => {
        const last = () => {
          window.removeEventListener('message', last);
          setTimeout(resolve);
        };
        window.addEventListener('message', last);
        window.postMessage('marker', '*');
      });
      expect(closeShows(dialog), 'a forged `loaded` hid nothing').to.equal(true);
    } finally {
      other.remove();
    }
  });
});

describe('the page behind the dialog', () => {
  it('cannot scroll while the dialog is open, does not shift sideways, and keeps its own overflow and scroll position after', async () => {
    const tall = document.createElement('div');
    tall.className = 'tall';
    tall.append(...Array.from({ length: 200 }, (_, i) => Object.assign(document.createElement('p'), { textContent: `line ${i}` })));
    document.body.append(tall);
    // A classic scrollbar that takes room (headless Chromium's overlay ones take none), as on a desktop.
    const scrollbars = new CSSStyleSheet();
    scrollbars.replaceSync('::-webkit-scrollbar { width: 17px; } ::-webkit-scrollbar-thumb { background: gray; }');
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, scrollbars];
    try {
      // The page's own scroll style, inline on <html>: it must come back exactly.
      document.documentElement.style.overflowY = 'scroll';
      const id = orderId('scroll');
      await kit.scenario(id, { link: 'idle' });
      const el = document.createElement('mesh-pay-button') as MeshPayButton;
      el.setAttribute('token-url', '/kit/token');
      el.setAttribute('order-id', id);
      tall.insertBefore(el, tall.children[120]!);
      await el.updateComplete;
      el.scrollIntoView({ block: 'center' });
      const scrolled = window.scrollY;
      expect(scrolled, 'the page is scrolled down to the button').to.be.greaterThan(500);
      const before = buttonOf(el).getBoundingClientRect();
      const width = tall.getBoundingClientRect().width;
      expect(window.innerWidth - document.documentElement.clientWidth, 'the page shows a 17px scrollbar').to.equal(17);

      const opened = oneEvent(el, 'mesh-open');
      buttonOf(el).click();
      const tx = (await opened).detail.transactionId;
      await linkPageReceived(tx, 'meshSDKSpecs');
      const root = getComputedStyle(document.documentElement);
      expect(root.overflowY, 'page scroll locked').to.equal('hidden');
      expect(root.overscrollBehaviorY, 'no scroll chaining on touch').to.equal('none');
      expect(root.scrollbarGutter, 'the scrollbar’s room is kept').to.equal('stable');
      expect(tall.getBoundingClientRect().width, 'no sideways layout shift').to.equal(width);
      expect(buttonOf(el).getBoundingClientRect().left).to.equal(before.left);
      expect(window.scrollY).to.equal(scrolled);

      await sendKeys({ press: 'Escape' });
      await statusBecomes(el, 'cancelled');
      expect(openDialog()).to.equal(null);
      expect(document.documentElement.getAttribute('style'), 'the page’s own inline style, untouched').to.equal('overflow-y: scroll;');
      expect(document.documentElement.hasAttribute('data-mesh-pay-scroll-lock')).to.equal(false);
      expect(getComputedStyle(document.documentElement).overflowY).to.equal('scroll');
      expect(getComputedStyle(document.documentElement).overscrollBehaviorY).to.equal('auto');
      expect(window.scrollY, 'scroll position unchanged after close').to.equal(scrolled);
      expect(buttonOf(el).getBoundingClientRect().top).to.equal(before.top);
    } finally {
      tall.remove();
      document.adoptedStyleSheets = document.adoptedStyleSheets.filter((sheet) => sheet !== scrollbars);
    }
  });
});

describe('theming the dialog', () => {
  it('takes the --mesh-pay-dialog-* properties from the page, through the shadow boundary, and ::part() rules', async () => {
    const theme = new CSSStyleSheet();
    theme.replaceSync(`
      body { --mesh-pay-dialog-background: rgb(1, 2, 3); --mesh-pay-dialog-color: rgb(250, 240, 230); --mesh-pay-dialog-radius: 7px;
             --mesh-pay-dialog-accent: rgb(9, 8, 7); --mesh-pay-dialog-accent-text: rgb(200, 201, 202); --mesh-pay-dialog-backdrop: rgb(4, 5, 6); }
      mesh-pay-dialog::part(dialog) { border: 3px solid rgb(10, 20, 30); }
    `);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, theme];
    try {
      const id = orderId('themed');
      await kit.scenario(id, { link: 'idle' });
      const el = await mount(id, 'Allow withdrawals');
      buttonOf(el).click();
      await waitUntil(() => openDialog() !== null, 'hint dialog');
      const dialog = openDialog()!;
      const style = getComputedStyle(dialog);
      expect(style.backgroundColor).to.equal('rgb(1, 2, 3)');
      expect(style.color).to.equal('rgb(250, 240, 230)');
      expect(style.borderTopLeftRadius).to.equal('7px');
      expect(style.borderTopColor).to.equal('rgb(10, 20, 30)');
      expect(getComputedStyle(dialog, '::backdrop').backgroundColor).to.equal('rgb(4, 5, 6)');
      const proceed = getComputedStyle(dialogPart(dialog, 'continue'));
      expect(proceed.backgroundColor).to.equal('rgb(9, 8, 7)');
      expect(proceed.color).to.equal('rgb(200, 201, 202)');
    } finally {
      document.adoptedStyleSheets = document.adoptedStyleSheets.filter((sheet) => sheet !== theme);
    }
  });
});
