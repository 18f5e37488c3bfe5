// Stories of getting Link on screen sooner without doing anything the customer did not ask for: a
// press gets Link's dialog ready before its click, the token request leaves in the click's own task
// and Link opens in the task its answer arrives in; an abandoned attempt stops its token request, and
// Link's origin is preconnected once it is known.
// Same harness as mesh-pay-button.test.ts: the REAL Mesh SDK, the fake kit and the fake Link page.
import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import { resetMouse, sendKeys, sendMouse } from '@web/test-runner-commands';
import './mesh-pay-button.js';
import type { MeshPayButton } from './mesh-pay-button.component.js';
import { loadLinkFlow } from './payment-driver-loader.js';
import { preconnectLink } from './link-preconnect.js';
import { warmUpFetch } from './token-client.js';
import { buttonOf, dialogHostOf, kit, labelOf, linkFrameOf, mount, openDialog, orderId, otherOrigin, payUntilOpen, requested, resetPage, statusBecomes } from '../test/browser-kit.js';

/** Waits until the fake kit has received the token request of `id` (it answers after `delayMs`). */
async function tokenRequested(id: string): Promise<void> {
  await waitUntil(async () => (await kit.log()).tokenCalls[id] === 1, `token request of ${id} never arrived`, { timeout: 8000, interval: 50 });
}

async function tokenAborted(id: string): Promise<void> {
  await waitUntil(async () => (await kit.log()).tokenAborts.includes(id), `token request of ${id} was not aborted`, { timeout: 8000, interval: 50 });
}

afterEach(async () => {
  await resetMouse();
  resetPage();
  for (const link of document.head.querySelectorAll('link[rel="preconnect"]')) link.remove();
});

/** Every Link dialog host (`<mesh-pay-dialog>`) in the page, its dialog open or not. */
const dialogs = () => [...document.querySelectorAll<HTMLElement>('mesh-pay-dialog')];
/** The <dialog> in a host's shadow root. */
const dialogIn = (host: HTMLElement) => host.shadowRoot!.querySelector('dialog')!;

/** Moves the real mouse onto the button and presses it (down only). */
async function pressDown(el: MeshPayButton): Promise<void> {
  const box = buttonOf(el).getBoundingClientRect();
  await sendMouse({ type: 'move', position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)] });
  await sendMouse({ type: 'down', button: 'left' });
}

/** Waits for the dialog host a press prepares: in the page, its dialog closed, its iframe there and pointing nowhere yet. */
async function preparedDialog(): Promise<HTMLElement> {
  await waitUntil(() => dialogs().length === 1, 'the press prepared no dialog', { timeout: 8000 });
  const [host] = dialogs();
  expect(dialogIn(host!).open, 'prepared dialog is shown').to.equal(false);
  expect(host!.isConnected).to.equal(true);
  const iframe = host!.querySelector('iframe')!;
  expect(iframe.contentWindow, 'the iframe has its browsing context').to.not.equal(null);
  expect(iframe.getAttribute('src')).to.equal(null);
  expect(iframe.checkVisibility(), 'prepared iframe visible').to.equal(false);
  return host!;
}

describe('a press gets Link ready before its click', () => {
  it('the pointerdown makes Link’s dialog (closed, nothing minted); the click opens Link in that very iframe', async () => {
    const id = orderId('press-ready');
    await kit.scenario(id, { link: 'idle' });
    const el = await mount(id);
    await pressDown(el);
    const host = await preparedDialog();
    const iframe = host.querySelector('iframe')!;
    expect((await kit.log()).tokenCalls[id], 'token minted before the click').to.equal(undefined);
    expect(el.status).to.equal('idle');
    expect(openDialog()).to.equal(null);

    const opened = oneEvent(el, 'mesh-open');
    await sendMouse({ type: 'up', button: 'left' });
    await opened;
    const dialog = openDialog()!;
    expect(dialogHostOf(dialog)).to.equal(host);
    expect(linkFrameOf(dialog)).to.equal(iframe);
    expect(iframe.checkVisibility(), 'Link’s iframe visible').to.equal(true);
    expect(iframe.src).to.match(/fake-link\.html/);
    expect(dialog.matches(':focus-within'), 'focus moved into the dialog').to.equal(true);
    expect(dialogs(), 'one dialog, not a second one').to.have.length(1);
  });

  it('a press that never becomes a click mints nothing and shows nothing; the prepared dialog goes with the button', async () => {
    const id = orderId('press-only');
    await kit.scenario(id, { link: 'idle' });
    const el = await mount(id);
    await pressDown(el);
    const dialog = await preparedDialog();
    // The finger slides off the button before it lifts: no click.
    await sendMouse({ type: 'move', position: [2, 2] });
    await sendMouse({ type: 'up', button: 'left' });
    expect(el.status).to.equal('idle');
    expect(openDialog()).to.equal(null);
    expect((await kit.log()).tokenCalls[id], 'token minted without a click').to.equal(undefined);
    // A second press reuses the dialog already made.
    await pressDown(el);
    await sendMouse({ type: 'move', position: [2, 2] });
    await sendMouse({ type: 'up', button: 'left' });
    expect(await preparedDialog()).to.equal(dialog);
    el.remove();
    expect(dialog.isConnected, 'prepared dialog left behind').to.equal(false);
  });

  it('Space on the focused button makes the dialog before the click its key-up causes', async () => {
    const id = orderId('space-ready');
    await kit.scenario(id, { link: 'idle' });
    const el = await mount(id);
    el.focus(); // focus is intent: the lazy half loads
    await loadLinkFlow();
    let atClick: HTMLElement[] | undefined;
    el.addEventListener('click', () => (atClick ??= dialogs()), { capture: true });
    await sendKeys({ down: 'Space' });
    const prepared = await preparedDialog();
    expect((await kit.log()).tokenCalls[id], 'token minted before the key-up').to.equal(undefined);
    const opened = oneEvent(el, 'mesh-open');
    await sendKeys({ up: 'Space' });
    await opened;
    expect(atClick, 'dialogs in the page when the click arrived').to.deep.equal([prepared]);
    expect(dialogHostOf(openDialog()!)).to.equal(prepared);
  });

  it('Enter clicks in its own key-down’s task: the token request leaves first, the dialog is made while it travels', async () => {
    const id = orderId('enter-ready');
    await kit.scenario(id, { link: 'idle' });
    const el = await mount(id);
    el.focus();
    await loadLinkFlow();
    const seen = watchToken();
    try {
      const opened = oneEvent(el, 'mesh-open');
      await sendKeys({ press: 'Enter' });
      await opened;
    } finally {
      seen.stop();
    }
    expect(seen.dialogsWhenSent, 'dialogs when the token request left').to.equal(0);
    expect(seen.dialogsWhenAnswered, 'dialogs when the token’s answer arrived').to.equal(1);
  });

  it('a dialog prepared in one theme is not shown in another: the click makes a fresh one', async () => {
    const id = orderId('press-theme');
    await kit.scenario(id, { link: 'idle' });
    const el = await mount(id);
    await pressDown(el);
    const prepared = await preparedDialog();
    expect(dialogIn(prepared).dataset.theme).to.equal('light');
    el.theme = 'dark';
    const opened = oneEvent(el, 'mesh-open');
    await sendMouse({ type: 'up', button: 'left' });
    await opened;
    expect(prepared.isConnected, 'stale dialog removed').to.equal(false);
    expect(openDialog()!.dataset.theme).to.equal('dark');
    expect(dialogs()).to.have.length(1);
  });

  it('render-type="overlay" prepares nothing (the SDK draws its own popup); a disabled button neither', async () => {
    const overlay = await mount(orderId('press-overlay'), { 'render-type': 'overlay' });
    await pressDown(overlay);
    await sendMouse({ type: 'up', button: 'left' });
    overlay.reset();
    const disabled = await mount(orderId('press-disabled'), { disabled: '' });
    buttonOf(disabled).dispatchEvent(new PointerEvent('pointerdown', { bubbles: true, composed: true, button: 0 }));
    await loadLinkFlow();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(dialogs()).to.have.length(0);
  });
});

/**
 * Watches the button's token request: how many Link dialogs the page held when it left and when its
 * JSON answer resolved.
 */
function watchToken() {
  const seen = { sent: 0, dialogsWhenSent: -1, dialogsWhenAnswered: -1, statusWhenSent: '', stop: () => undefined as void };
  const realFetch = window.fetch;
  const realJson = Response.prototype.json;
  window.fetch = (input, init) => {
    if (String(input instanceof Request ? input.url : input).includes('/kit/token')) {
      seen.sent += 1;
      seen.dialogsWhenSent = dialogs().length;
      seen.statusWhenSent = document.querySelector('mesh-pay-button')?.status ?? '';
    }
    return realFetch(input, init);
  };
  Response.prototype.json = function (this: Response) {
    const body = realJson.call(this);
    if (this.url.includes('/kit/token')) void body.then(() => (seen.dialogsWhenAnswered = dialogs().length));
    return body;
  };
  seen.stop = () => {
    window.fetch = realFetch;
    Response.prototype.json = realJson;
  };
  return seen;
}

describe('readying fetch for the token request', () => {
  it('sends nothing, whatever the token-url: no request reaches the kit, no resource timing entry', async () => {
    const mark = `warm-${Date.now().toString(36)}`;
    const urls = [`/kit/token?${mark}`, `/kit/${mark}`, `${location.origin}/kit/token?${mark}=2`, 'http://[', '', 'javascript:alert(1)', 'data:text/plain,x', `/kit/${mark}/${'x'.repeat(100_000)}`, '\u0000\u{1F4B8}'];
    for (const url of urls) await warmUpFetch(url);
    const seen = (await kit.log()).requests.filter((r) => r.includes(mark));
    expect(seen, 'requests the kit received').to.deep.equal([]);
    expect(requested(mark)).to.have.length(0);
  });

  it('a press readies it and still mints nothing', async () => {
    const id = orderId('press-warm');
    await kit.scenario(id, { link: 'idle' });
    const el = await mount(id);
    const before = (await kit.log()).requests.filter((r) => r.startsWith('POST /kit/token')).length;
    await pressDown(el);
    await preparedDialog();
    await sendMouse({ type: 'move', position: [2, 2] });
    await sendMouse({ type: 'up', button: 'left' });
    expect((await kit.log()).requests.filter((r) => r.startsWith('POST /kit/token') || r.startsWith('GET /kit/token'))).to.have.length(before);
  });
});

describe('the token request and Link follow each other without a wait', () => {
  it('the token request leaves in the click’s own task, before the button renders “Preparing…”', async () => {
    const id = orderId('click-task');
    await kit.scenario(id, { link: 'idle' });
    const el = await mount(id);
    el.dispatchEvent(new FocusEvent('focusin', { bubbles: true, composed: true })); // intent, as hover or focus
    await loadLinkFlow();
    const seen = watchToken();
    try {
      buttonOf(el).click();
      // Still inside the click's task: no microtask has run, so Lit has not rendered yet.
      expect(seen.sent, 'token requests sent during click()').to.equal(1);
      // The request left first; the status then said so, and Lit renders it after.
      expect(seen.statusWhenSent, 'status when the request left').to.equal('idle');
      expect(el.status).to.equal('preparing');
      expect(labelOf(el)).to.equal('Pay with crypto');
      // No press prepared a dialog: it is made right after the request left, while it travels.
      expect(seen.dialogsWhenSent).to.equal(0);
      expect(dialogs()).to.have.length(1);
      await statusBecomes(el, 'open');
    } finally {
      seen.stop();
    }
  });

  it('openLink runs in the same task as the token’s answer: no frame, timer or message in between', async () => {
    const id = orderId('answer-task');
    await kit.scenario(id, { link: 'idle' });
    const el = await mount(id);
    el.dispatchEvent(new FocusEvent('focusin', { bubbles: true, composed: true }));
    await loadLinkFlow();
    // When the token's body is in hand, queue a task; by the time it runs Link must already be loading.
    let srcWhenNextTaskRan: string | null | undefined;
    const nextTask = new MessageChannel();
    nextTask.port1.onmessage = () => (srcWhenNextTaskRan = document.querySelector('mesh-pay-dialog iframe')?.getAttribute('src') ?? null);
    const realJson = Response.prototype.json;
    Response.prototype.json = function (this: Response) {
      const body = realJson.call(this);
      if (this.url.includes('/kit/token')) void body.then(() => nextTask.port2.postMessage('answer is here'));
      return body;
    };
    try {
      const opened = oneEvent(el, 'mesh-open');
      buttonOf(el).click();
      await opened;
      await waitUntil(() => srcWhenNextTaskRan !== undefined, 'the task queued at the answer never ran');
    } finally {
      Response.prototype.json = realJson;
      nextTask.port1.close();
    }
    expect(String(srcWhenNextTaskRan), 'Link’s iframe src when the next task ran').to.match(/fake-link\.html/);
  });
});

describe('an abandoned attempt aborts its token request', () => {
  it('reset() while preparing aborts the fetch and nothing is reported', async () => {
    const id = orderId('abort-reset');
    await kit.scenario(id, { link: 'idle', delayMs: 3000 });
    const el = await mount(id);
    let errors = 0;
    el.addEventListener('mesh-error', () => (errors += 1));
    buttonOf(el).click();
    await tokenRequested(id);
    expect(el.status).to.equal('preparing');
    el.reset();
    await tokenAborted(id);
    expect(el.status).to.equal('idle');
    expect(errors, 'an abandoned attempt reports no error').to.equal(0);
  });

  it('removing the button from the page mid-request aborts the fetch', async () => {
    const id = orderId('abort-remove');
    await kit.scenario(id, { link: 'idle', delayMs: 3000 });
    const el = await mount(id);
    buttonOf(el).click();
    await tokenRequested(id);
    el.remove();
    await tokenAborted(id);
  });

  it('cancelling the pre-flight hint aborts the token request running behind it', async () => {
    const id = orderId('abort-hint');
    await kit.scenario(id, { link: 'idle', delayMs: 3000 });
    const el = await mount(id, { hint: 'Enable withdrawals' });
    buttonOf(el).click();
    await waitUntil(() => openDialog() !== null, 'hint dialog');
    await tokenRequested(id);
    await sendKeys({ press: 'Escape' });
    await statusBecomes(el, 'cancelled');
    await tokenAborted(id);
  });

  it('a token that arrives in time is not aborted', async () => {
    const id = orderId('no-abort');
    await kit.scenario(id, { link: 'idle' });
    const el = await mount(id);
    await payUntilOpen(el);
    expect((await kit.log()).tokenAborts).to.not.include(id);
  });
});

describe('preconnecting to Link', () => {
  it('adds <link rel=preconnect> to the origin the link token opens, once', async () => {
    const id = orderId('preconnect');
    await kit.scenario(id, { linkUrl: `${otherOrigin}/packages/widget/test/fake-link.html?scenario=idle&tx=preconnect` });
    const el = await mount(id);
    await payUntilOpen(el);
    const links = [...document.head.querySelectorAll<HTMLLinkElement>('link[rel="preconnect"]')];
    expect(links.map((l) => new URL(l.href).origin)).to.deep.equal([otherOrigin]);
    // A second token for the same origin adds nothing.
    preconnectLink(btoa(`${otherOrigin}/link?again=1`));
    expect(document.head.querySelectorAll('link[rel="preconnect"]')).to.have.length(1);
  });

  it('adds nothing for the page’s own origin, garbage, oversize or a javascript: token', () => {
    for (const token of [btoa(`${location.origin}/link`), 'not base64 at all!', '', btoa('javascript:alert(1)'), btoa('data:text/html,x'), 'A'.repeat(100_000), '\u{1F4B8}']) {
      expect(preconnectLink(token), token.slice(0, 40)).to.equal(undefined);
    }
    expect(document.head.querySelectorAll('link[rel="preconnect"]')).to.have.length(0);
  });
});
