// Stories of getting Link on screen sooner without doing anything the customer did not ask for: an
// abandoned attempt stops its token request, and Link's origin is preconnected once it is known.
// Same harness as mesh-pay-button.test.ts: the REAL Mesh SDK, the fake kit and the fake Link page.
import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import './mesh-pay-button.js';
import type { MeshPayButton } from './mesh-pay-button.component.js';
import { preconnectLink } from './link-preconnect.js';
import { buttonOf, kit, openDialog, orderId, removeDialogs, statusBecomes } from '../test/browser-kit.js';

async function mount(id: string, attrs: Record<string, string> = {}): Promise<MeshPayButton> {
  const el = document.createElement('mesh-pay-button');
  el.setAttribute('token-url', '/kit/token');
  el.setAttribute('order-id', id);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  const wrapper = await fixture<HTMLDivElement>(html`<div></div>`);
  wrapper.append(el);
  await el.updateComplete;
  return el;
}

/** Waits until the fake kit has received the token request of `id` (it answers after `delayMs`). */
async function tokenRequested(id: string): Promise<void> {
  await waitUntil(async () => (await kit.log()).tokenCalls[id] === 1, `token request of ${id} never arrived`, { timeout: 8000, interval: 50 });
}

async function tokenAborted(id: string): Promise<void> {
  await waitUntil(async () => (await kit.log()).tokenAborts.includes(id), `token request of ${id} was not aborted`, { timeout: 8000, interval: 50 });
}

/** The other loopback name of this server: a second origin that serves the same fake Link page. */
const otherOrigin = `${location.protocol}//${location.hostname === '127.0.0.1' ? 'localhost' : '127.0.0.1'}:${location.port}`;

afterEach(async () => {
  for (const el of document.querySelectorAll('mesh-pay-button')) (el as MeshPayButton).reset();
  removeDialogs();
  for (const link of document.head.querySelectorAll('link[rel="preconnect"]')) link.remove();
  sessionStorage.clear();
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
    const opened = oneEvent(el, 'mesh-open');
    buttonOf(el).click();
    await opened;
    expect((await kit.log()).tokenAborts).to.not.include(id);
  });
});

describe('preconnecting to Link', () => {
  it('adds <link rel=preconnect> to the origin the link token opens, once', async () => {
    const id = orderId('preconnect');
    await kit.scenario(id, { linkUrl: `${otherOrigin}/packages/widget/test/fake-link.html?scenario=idle&tx=preconnect` });
    const el = await mount(id);
    const opened = oneEvent(el, 'mesh-open');
    buttonOf(el).click();
    await opened;
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
