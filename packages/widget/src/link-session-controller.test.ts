// The Link session as a Lit reactive controller, on a bare host element: the page's one Link slot,
// the pre-flight hint and what closing it means, tearing down, and an element removed mid-flow.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { LitElement } from 'lit';
import type { LinkSdk } from './link-loader.js';
import { LinkSessionController, type LinkControllerHost } from './link-session-controller.js';
import { stringsFor } from './locales.js';
import type { PaymentStatus } from './payment-machine.js';
import type { LinkTokenResponse } from './token-client.js';
import { openDialog, removeDialogs } from '../test/browser-kit.js';

class LinkHost extends LitElement {
  status: PaymentStatus = 'preparing';
  tokenUrl = '/kit/token';
  orderId = 'order-1';
  theme = 'light' as const;
  renderType = 'embedded' as const;
  exposeAccessTokens = false;
  fiatCurrency = undefined;
  calls: string[] = [];
  hint = 'Enable withdrawals on your exchange';
  host: LinkControllerHost = {
    lang: () => 'en',
    go: (event) => void this.calls.push(`go:${event}`),
    emit: (type, detail) => void this.calls.push(`emit:${type}:${(detail as { reason?: string }).reason ?? ''}`),
    adopt: () => undefined,
    save: () => undefined,
    follow: () => undefined,
    fail: (error) => void this.calls.push(`fail:${error.code}`),
    forget: () => undefined,
    strings: () => stringsFor('en'),
    theme: () => 'light',
    hasHint: () => Boolean(this.hint),
    abortToken: () => void this.calls.push('abortToken'),
  };
  link = new LinkSessionController(this, this.host);
}
customElements.define('link-host', LinkHost);

const never = <T,>() => new Promise<T>(() => undefined);

afterEach(() => {
  removeDialogs();
});

describe('LinkSessionController', () => {
  it('closing the hint cancels: the token request is aborted, the element told, the slot freed and focus returned', async () => {
    const el = await fixture<LinkHost>(html`<link-host tabindex="0"></link-host>`);
    const opening = el.link.open(() => true, never<LinkTokenResponse>(), never<LinkSdk>());
    await waitUntil(() => openDialog() !== null, 'hint dialog');
    expect(el.link.active).to.equal(true);
    await sendKeys({ press: 'Escape' });
    await opening;
    expect(el.calls).to.deep.equal(['abortToken', 'go:exit', 'emit:mesh-exit:cancelled']);
    expect(el.link.active).to.equal(false);
    expect(openDialog()).to.equal(null);
    expect(document.activeElement).to.equal(el);
  });

  it('holds the page’s one Link slot: a second element waits until the first tears down', async () => {
    const first = await fixture<LinkHost>(html`<link-host></link-host>`);
    const second = await fixture<LinkHost>(html`<link-host></link-host>`);
    void first.link.open(() => true, never<LinkTokenResponse>(), never<LinkSdk>());
    await waitUntil(() => openDialog() !== null, 'first hint');
    void second.link.open(() => true, never<LinkTokenResponse>(), never<LinkSdk>());
    await new Promise((r) => requestAnimationFrame(r));
    expect(second.link.active, 'second got the slot while the first holds it').to.equal(false);
    first.link.teardown(false);
    await waitUntil(() => second.link.active && openDialog() !== null, 'second hint after the first let go');
    second.link.teardown(false);
  });

  it('an abandoned attempt gives the slot back at once and shows nothing', async () => {
    const el = await fixture<LinkHost>(html`<link-host></link-host>`);
    let live = true;
    const opening = el.link.open(() => live, never<LinkTokenResponse>(), never<LinkSdk>());
    live = false;
    await opening;
    expect(el.link.active).to.equal(false);
    expect(openDialog()).to.equal(null);
    // The slot is free: another element gets it.
    const other = await fixture<LinkHost>(html`<link-host></link-host>`);
    void other.link.open(() => true, never<LinkTokenResponse>(), never<LinkSdk>());
    await waitUntil(() => other.link.active, 'slot handed on');
    other.link.teardown(false);
  });

  it('an element removed from the page mid-flow closes its dialog and frees the slot', async () => {
    const el = await fixture<LinkHost>(html`<link-host></link-host>`);
    void el.link.open(() => true, never<LinkTokenResponse>(), never<LinkSdk>());
    await waitUntil(() => openDialog() !== null, 'hint dialog');
    el.remove();
    expect(el.link.active).to.equal(false);
    expect(openDialog()).to.equal(null);
  });
});
