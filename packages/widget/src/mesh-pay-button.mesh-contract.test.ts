// Browser stories of the button following Mesh's real SDK contract, staying safe on resume, and
// working with a kit on another origin. Same harness as mesh-pay-button.test.ts: the REAL Mesh SDK,
// the fake kit and the fake Link page (test/fake-kit.mjs, test/fake-link.js).
import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import './mesh-pay-button.js';
import type { MeshPayButton } from './mesh-pay-button.component.js';
import { observeCreateLink, type MeshLinkOptions } from './link-create.js';
import { buttonOf, closeLink, errorAfterLinkLeftOpen, IN_APP_BROWSER, kit, labelOf, linkPageReceived, liveRegionOf, mount, mountInApp, openDialog, orderId, otherOrigin, payUntilConfirming, payUntilError, payUntilOpen, recordMeshEvents, resetPage, saveConfirmingPayment, savedPayment, savedPaymentKey, statusBecomes } from '../test/browser-kit.js';

const { events, since } = recordMeshEvents();

const noticeOf = (el: MeshPayButton) => el.shadowRoot!.querySelector('[part~="notice"]')?.textContent?.trim() ?? '';

afterEach(resetPage);

describe('fiat-currency', () => {
  it('passes a currency Mesh documents to Link as displayFiatCurrency (any case)', async () => {
    for (const [value, expected] of [
      ['EUR', 'EUR'],
      ['gbp', 'GBP'],
      [' usd ', 'USD'],
    ] as const) {
      const id = orderId('fiat');
      await kit.scenario(id, { link: 'idle' });
      const el = await mount(id, { 'fiat-currency': value });
      const tx = await payUntilOpen(el);
      const page = await linkPageReceived(tx, 'meshSDKSpecs');
      expect(new URLSearchParams(page.search).get('fiatCur')).to.equal(expected);
      el.reset();
    }
  });

  it('reports anything else as MESH_PAY_INVALID_ATTRIBUTE before a token is minted', async () => {
    for (const value of ['BTC', 'US', 'EURO', 'usd<script>alert(1)</script>', 'X'.repeat(10_000), '€']) {
      const id = orderId('badfiat');
      const el = await mount(id, { 'fiat-currency': value });
      const detail = await payUntilError(el);
      expect(detail).to.include({ code: 'MESH_PAY_INVALID_ATTRIBUTE', retryable: false });
      expect(detail.message).to.include('USD, GBP, EUR');
      expect(detail.message.length).to.be.below(200);
      expect(el.status).to.equal('error');
      expect((await kit.log()).tokenCalls[id]).to.equal(undefined);
      await expect(el).to.be.accessible();
    }
  });

  it('an empty fiat-currency means Link’s default, not an error', async () => {
    const id = orderId('nofiat');
    await kit.scenario(id, { link: 'idle' });
    const el = await mount(id, { 'fiat-currency': '' });
    const page = await linkPageReceived(await payUntilOpen(el), 'meshSDKSpecs');
    expect(new URLSearchParams(page.search).has('fiatCur')).to.equal(false);
  });
});

describe('trustedLinkOrigins (Mesh SDK 3.15+)', () => {
  async function optionsFor(id: string): Promise<MeshLinkOptions> {
    const created: MeshLinkOptions[] = [];
    const stop = observeCreateLink((options) => created.push(options));
    try {
      const el = await mount(id);
      const opened = oneEvent(el, 'mesh-open');
      buttonOf(el).click();
      await opened;
      expect(created).to.have.length(1);
      el.reset();
      return created[0]!;
    } finally {
      stop();
    }
  }

  it('names the local sandbox’s origin when the token decodes to it, and Link then talks to the page', async () => {
    const id = orderId('trusted');
    await kit.scenario(id, { link: 'idle' });
    const created: MeshLinkOptions[] = [];
    const stop = observeCreateLink((options) => created.push(options));
    try {
      const el = await mount(id);
      const tx = await payUntilOpen(el);
      expect(created[0]!.trustedLinkOrigins).to.deep.equal([location.origin]);
      await linkPageReceived(tx, 'meshSDKSpecs');
    } finally {
      stop();
    }
  });

  it('passes nothing extra for a Mesh-hosted token', async () => {
    for (const linkUrl of ['https://sandbox-web.meshconnect.com/b2b-iframe/abc', 'https://web.meshconnect.com/link?x=1', 'https://link.meshpay.com/t/1']) {
      const id = orderId('meshhosted');
      await kit.scenario(id, { linkUrl });
      const options = await optionsFor(id);
      expect(options).to.not.have.property('trustedLinkOrigins');
    }
  });

  it('never vouches for an origin that is neither the kit’s nor loopback (a lookalike or a forged token)', async () => {
    for (const linkUrl of ['https://web.meshconnect.com.evil.example/link', 'https://evil.example/link', 'http://meshconnect.com/link']) {
      const id = orderId('foreign');
      await kit.scenario(id, { linkUrl });
      const options = await optionsFor(id);
      expect(options, linkUrl).to.not.have.property('trustedLinkOrigins');
    }
  });
});

describe('closing Link after paying', () => {
  for (const scenario of ['initiated', 'executed'] as const) {
    it(`after transfer${scenario === 'initiated' ? 'Initiated' : 'Executed'} is not a cancel: the button follows the server`, async () => {
      const id = orderId(scenario);
      await kit.scenario(id, { link: scenario });
      const el = await mount(id);
      const mark = events.length;
      const tx = await payUntilOpen(el);
      const type = scenario === 'initiated' ? 'transferInitiated' : 'transferExecuted';
      await waitUntil(() => since(mark, 'mesh-event').some((e) => e.detail.type === type), `Link reported ${type}`, { timeout: 8000 });
      expect(el.status).to.equal('open');

      // The customer closes Link before its success screen.
      const exited = oneEvent(el, 'mesh-exit');
      closeLink();
      const { detail } = await exited;
      expect(detail.reason).to.equal('closed-after-transfer');
      expect(el.status).to.equal('confirming');
      expect(openDialog()).to.equal(null);
      await el.updateComplete;
      expect(labelOf(el)).to.equal('Confirming…');
      await expect(el).to.be.accessible();
      expect(savedPayment(id)).to.include({ status: 'confirming', transactionId: tx });

      await kit.streamConnected(tx);
      await kit.emit(tx, 'succeeded');
      await statusBecomes(el, 'succeeded');
      expect(since(mark, 'mesh-error')).to.have.length(0);
    });
  }

  it('closing Link after only connecting an exchange is still a cancel', async () => {
    const id = orderId('connected-cancel');
    await kit.scenario(id, { link: 'idle' });
    const el = await mount(id);
    const tx = await payUntilOpen(el);
    await linkPageReceived(tx, 'meshSDKSpecs');
    const exited = oneEvent(el, 'mesh-exit');
    closeLink();
    expect((await exited).detail.reason).to.equal('cancelled');
    expect(el.status).to.equal('cancelled');
  });
});

describe('expired tokens', () => {
  it('a silent re-mint that the token route refuses ends in a retryable error, with Link closed', async () => {
    const id = orderId('remintfail');
    await kit.scenario(id, { links: ['broken'], failCalls: [2], failStatus: 502 });
    const el = await mount(id);
    // Link stayed open past the token's lifetime before it failed; the re-mint is refused.
    expect(await errorAfterLinkLeftOpen(el, 1)).to.include({ code: 'MESH_PAY_TOKEN_REQUEST_FAILED', retryable: true });
    expect(el.status).to.equal('error');
    expect((await kit.log()).tokenCalls[id]).to.equal(2);
    expect(openDialog()).to.equal(null);
    await el.updateComplete;
    expect(labelOf(el)).to.equal('Retry');
  });
});

describe('resuming after a reload', () => {
  it('a stored "succeeded" alone never shows Paid: the server’s current status decides', async () => {
    const id = orderId('liar');
    // Whatever was saved (or written by another script), the stream says the transfer is pending.
    const tx = await saveConfirmingPayment(id, { lastEventId: '9', status: 'succeeded' });
    const mark = events.length;
    const el = await mount(id);
    await statusBecomes(el, 'confirming');
    expect(el.matches(':state(succeeded)')).to.equal(false);
    await waitUntil(() => since(mark, 'mesh-status').length === 1, 'the current status arrives at once');
    expect(since(mark, 'mesh-status')[0]!.detail.status).to.equal('pending');
    expect(el.status).to.equal('confirming');
    await el.updateComplete;
    expect(labelOf(el)).to.equal('Confirming…');
    // The stream was asked without the stored id, so the current status was sent.
    expect((await kit.log()).streamConnects.filter((c) => c.tx === tx).map((c) => c.lastEventId)).to.deep.equal([null]);
    await kit.emit(tx, 'failed');
    await statusBecomes(el, 'failed');
  });

  it('a saved status link on another origin than token-url is ignored and cleared', async () => {
    const bad = [
      `${otherOrigin}/kit/status/tx-x?cap=test-capability`,
      'https://evil.example/kit/status/tx-x',
      '//evil.example/stream',
      'javascript:alert(1)',
      'data:text/event-stream,event: status',
    ];
    for (const statusUrl of bad) {
      const id = orderId('foreignresume');
      sessionStorage.setItem(savedPaymentKey(id), JSON.stringify({ statusUrl, transactionId: 'tx-x', status: 'succeeded' }));
      const el = await mount(id);
      // The entry saw a record and sent for the lazy half, which distrusts and drops it.
      await waitUntil(() => sessionStorage.getItem(savedPaymentKey(id)) === null, `${statusUrl} not cleared`);
      expect(el.status, statusUrl).to.equal('idle');
      el.remove();
    }
    expect((await kit.log()).streamConnects.filter((c) => c.tx === 'tx-x')).to.have.length(0);
  });
});

describe('an order that is already paid', () => {
  it('a 409 MESH_PAY_ORDER_ALREADY_PAID shows "Already paid", not an error with Retry', async () => {
    const id = orderId('paid409');
    await kit.scenario(id, { alreadyPaid: true });
    const el = await mount(id);
    const detail = await payUntilError(el);
    expect(detail).to.include({ code: 'MESH_PAY_ORDER_ALREADY_PAID', retryable: false });
    await el.updateComplete;
    expect(labelOf(el)).to.equal('Already paid');
    expect(labelOf(el)).to.not.equal('Retry');
    expect(noticeOf(el)).to.equal('This order is already paid. There is nothing more to pay.');
    expect(liveRegionOf(el).textContent).to.equal('This order is already paid. There is nothing more to pay.');
    expect(el.matches(':state(already-paid)')).to.equal(true);
    expect(buttonOf(el).getAttribute('aria-disabled')).to.equal('true');
    await expect(el).to.be.accessible();
    // Clicking again does not mint another token.
    buttonOf(el).click();
    el.pay();
    expect((await kit.log()).tokenCalls[id]).to.equal(1);
  });

  it('says so in the page’s language', async () => {
    const id = orderId('paid409de');
    await kit.scenario(id, { alreadyPaid: true });
    const wrapper = await fixture<HTMLDivElement>(html`<div lang="de"><mesh-pay-button token-url="/kit/token" order-id=${id}></mesh-pay-button></div>`);
    const el = wrapper.querySelector('mesh-pay-button')!;
    await waitUntil(() => labelOf(el) === 'Mit Krypto bezahlen', 'German loaded', { timeout: 8000 });
    await payUntilError(el);
    await el.updateComplete;
    expect(labelOf(el)).to.equal('Bereits bezahlt');
    expect(noticeOf(el)).to.include('bereits bezahlt');
  });

  it('a 409 with any other code stays an ordinary token error', async () => {
    const id = orderId('other409');
    await kit.scenario(id, { failFirst: 1, failStatus: 409 });
    const el = await mount(id);
    expect((await payUntilError(el)).code).to.equal('MESH_PAY_TOKEN_REQUEST_FAILED');
    expect(el.matches(':state(already-paid)')).to.equal(false);
  });
});

describe('status streams that end honestly', () => {
  it('the kit’s final `expired` event tells the customer the live status stopped and how to check the order', async () => {
    const id = orderId('expired-stream');
    const el = await mount(id);
    const tx = await payUntilConfirming(el);
    await kit.emit(tx, 'pending');
    const failed = oneEvent(el, 'mesh-error');
    expect((await kit.expire(tx)).closed).to.equal(1);
    const { detail } = await failed;
    expect(detail).to.include({ code: 'MESH_PAY_STREAM_EXPIRED', retryable: false });
    expect(detail.message).to.include('pending');
    await el.updateComplete;
    expect(el.status).to.equal('error');
    expect(labelOf(el)).to.equal('Status unavailable');
    expect(noticeOf(el)).to.include('check your order confirmation');
    expect(el.matches(':state(stream-expired)')).to.equal(true);
    await expect(el).to.be.accessible();
    // No new payment for an order that may already be paid: the button stays inert.
    const connects = (await kit.log()).streamConnects.filter((c) => c.tx === tx).length;
    buttonOf(el).click();
    expect(el.status).to.equal('error');
    expect((await kit.log()).tokenCalls[id]).to.equal(1);
    expect((await kit.log()).streamConnects.filter((c) => c.tx === tx).length).to.equal(connects);
  });

  for (const status of [503, 429]) {
    it(`on ${status} the button waits the Retry-After, then follows the stream again`, async () => {
      const id = orderId(`busy${status}`);
      const el = await mount(id);
      const tx = await payUntilConfirming(el);
      await kit.emit(tx, 'pending');
      await waitUntil(() => savedPayment(id)?.lastEventId === '1', 'event 1 seen');
      const mark = events.length;
      const before = (await kit.log()).streamConnects.filter((c) => c.tx === tx).length;
      // The kit's stream cap is full: the connection drops, and both EventSource's own reconnect and
      // the button's probe (EventSource hides the status) meet the refusal.
      await kit.busy(tx, 2, '2', status);
      await kit.drop(tx);
      await kit.emit(tx, 'processing');
      await waitUntil(() => since(mark, 'mesh-status').some((e) => e.detail.status === 'processing'), 'followed again after the wait', { timeout: 9000 });
      const connects = (await kit.log()).streamConnects.filter((c) => c.tx === tx).slice(before);
      // Refused twice, then the next attempt came only after Retry-After.
      expect(connects).to.have.length(3);
      const last = connects.at(-1)!;
      const refused = connects.at(-2)!;
      expect(last.at - refused.at).to.be.at.least(1900);
      expect(last.lastEventId).to.equal('1');
      expect(since(mark, 'mesh-error')).to.have.length(0);
      expect(el.status).to.equal('confirming');
      await kit.emit(tx, 'succeeded');
      await statusBecomes(el, 'succeeded');
    });
  }
});

describe('a kit on another origin', () => {
  it('pays end to end: token request, Link, return-user route and status stream all go to the kit’s origin', async () => {
    const id = orderId('cross');
    await kit.scenario(id, { link: 'succeed' });
    const el = await mount(id, {}, `${otherOrigin}/kit/token`);
    const tx = await payUntilConfirming(el);
    const log = await kit.log();
    expect(log.tokenRequests.at(-1)!.origin).to.equal(location.origin);
    const connect = log.streamConnects.find((c) => c.tx === tx)!;
    expect(connect.origin).to.equal(location.origin);
    expect(connect.cap).to.equal('test-capability');
    await waitUntil(async () => (await kit.log()).integrations.some((i) => i.tx === tx), 'integration saved on the kit’s origin');
    await kit.emit(tx, 'succeeded');
    await statusBecomes(el, 'succeeded');
    // The saved record points at the kit's origin and is trusted on resume.
    const saved = savedPayment(id, `${otherOrigin}/kit/token`)!;
    expect(saved.statusUrl.startsWith(`${otherOrigin}/kit/status/`)).to.equal(true);
  });

  it('sends the shopper’s session cookie to a kit on another origin of the same site: token, stream and return-user route', async () => {
    const { origin: kitOrigin } = (await (await fetch('/kit/second-origin')).json()) as { origin: string };
    expect(kitOrigin).to.not.equal(location.origin);
    const shopper = `s${Date.now().toString(36)}`;
    // The kit's own session cookie, set on its origin (as the demo's shopper session is).
    await fetch(`${kitOrigin}/kit/session`, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: shopper }) });
    const id = orderId('cookie');
    await kit.scenario(id, { link: 'succeed' });
    const el = await mount(id, {}, `${kitOrigin}/kit/token`);
    const tx = await payUntilConfirming(el);
    await waitUntil(async () => (await kit.log()).integrations.some((i) => i.tx === tx), 'integration saved');
    const log = await kit.log();
    expect(log.tokenRequests.at(-1)).to.deep.equal({ origin: location.origin, cookie: `shopper=${shopper}` });
    expect(log.streamConnects.find((c) => c.tx === tx)!.cookie).to.equal(`shopper=${shopper}`);
    expect(log.integrations.find((i) => i.tx === tx)!.cookie).to.equal(`shopper=${shopper}`);
    await kit.emit(tx, 'succeeded');
    await statusBecomes(el, 'succeeded');
  });

  it('sends the shopper’s cookies: a kit that does not allow credentials is refused by the browser', async () => {
    const id = orderId('nocreds');
    const el = await mount(id, {}, `${otherOrigin}/kit/no-credentials/token`);
    expect(await payUntilError(el)).to.include({ code: 'MESH_PAY_NETWORK', retryable: true });
  });

  it('opens the status stream with credentials too', async () => {
    const id = orderId('nocreds-stream');
    await kit.scenario(id, { link: 'succeed', statusUrl: `/kit/no-credentials/status/tx-${id}-1?cap=test-capability` });
    const el = await mount(id, {}, `${otherOrigin}/kit/token`);
    expect((await payUntilError(el)).code).to.equal('MESH_PAY_STREAM_FAILED');
  });
});

describe('forms', () => {
  it('with name and required, the form is invalid until paid, then submits the transferId', async () => {
    const id = orderId('form');
    await kit.scenario(id, { link: 'succeed' });
    const form = await fixture<HTMLFormElement>(
      html`<form><input name="email" value="a@b.example" /><mesh-pay-button name="payment" required token-url="/kit/token" order-id=${id}></mesh-pay-button><button type="submit">Place order</button></form>`,
    );
    const el = form.querySelector('mesh-pay-button')!;
    await el.updateComplete;
    let submitted = 0;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      submitted += 1;
    });
    expect([...form.elements]).to.include(el); // a real form control
    expect(form.checkValidity()).to.equal(false);
    expect(el.validationMessage).to.equal('Payment required');
    expect(new FormData(form).has('payment')).to.equal(false);
    form.requestSubmit();
    expect(submitted).to.equal(0);

    const tx = await payUntilOpen(el);
    await statusBecomes(el, 'confirming');
    expect(form.checkValidity()).to.equal(false); // "transfer finished" is not paid
    await kit.emit(tx, 'succeeded');
    await statusBecomes(el, 'succeeded');
    expect(form.checkValidity()).to.equal(true);
    expect(el.validationMessage).to.equal('');
    expect(new FormData(form).get('payment')).to.equal(`tr-${tx}`);
    form.requestSubmit();
    expect(submitted).to.equal(1);
  });

  it('without required the form is valid; without name nothing is submitted; the message is localized', async () => {
    const form = await fixture<HTMLFormElement>(
      html`<form lang="fr"><mesh-pay-button token-url="/kit/token" order-id="f1"></mesh-pay-button><mesh-pay-button required token-url="/kit/token" order-id="f2"></mesh-pay-button></form>`,
    );
    const [optional, required] = [...form.querySelectorAll('mesh-pay-button')] as MeshPayButton[];
    await optional!.updateComplete;
    expect(form.checkValidity()).to.equal(false); // only because of the second, required one
    expect([...new FormData(form).keys()]).to.deep.equal([]);
    await waitUntil(() => required!.validationMessage === 'Paiement requis', 'French validation message', { timeout: 8000 });
    // Toggling required off makes the form valid again.
    required!.required = false;
    await required!.updateComplete;
    expect(form.checkValidity()).to.equal(true);
  });
});

describe('forms, disabled', () => {
  it('a disabled fieldset disables the button like any form control', async () => {
    const id = orderId('fieldset');
    const form = await fixture<HTMLFormElement>(html`<form><fieldset disabled><mesh-pay-button token-url="/kit/token" order-id=${id}></mesh-pay-button></fieldset></form>`);
    const el = form.querySelector('mesh-pay-button')!;
    await el.updateComplete;
    expect(buttonOf(el).disabled).to.equal(true);
    el.pay();
    expect(el.status).to.equal('idle');
    form.querySelector('fieldset')!.disabled = false;
    await waitUntil(() => !buttonOf(el).disabled, 'enabled with its fieldset');
    await kit.scenario(id, { link: 'idle' });
    const opened = oneEvent(el, 'mesh-open');
    el.pay();
    await opened;
    expect((await kit.log()).tokenCalls[id]).to.equal(1);
  });
});

describe('in-app browsers and Mesh’s hosted pay link', () => {
  async function inApp(id: string, userAgent: string): Promise<MeshPayButton> {
    const el = await mountInApp(userAgent, id);
    // The in-app view comes with the lazy half, on the customer's first sign of intent (a touch).
    el.dispatchEvent(new PointerEvent('pointerdown'));
    await waitUntil(() => el.shadowRoot!.querySelector('[part~="webview-pay"]'), 'in-app view rendered');
    return el;
  }

  it('offers the pay link (system browser) besides "open in your browser", and follows the payment', async () => {
    const id = orderId('paylink');
    const paymentLink = 'https://pay.meshconnect.com/p/abc?x=1';
    await kit.scenario(id, { paymentLink });
    const el = await inApp(id, IN_APP_BROWSER.iosInstagram);
    expect(el.shadowRoot!.querySelector('[part~="webview-link"]')!.textContent).to.equal('Open in your browser');
    await expect(el).to.be.accessible();
    el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="webview-pay"]')!.click();
    await waitUntil(() => el.shadowRoot!.querySelector('[part~="webview-pay-link"]'), 'pay link shown');
    const link = el.shadowRoot!.querySelector<HTMLAnchorElement>('[part~="webview-pay-link"]')!;
    expect(link.href).to.equal(paymentLink);
    expect(link.target).to.equal('_blank');
    expect(link.rel).to.equal('noopener');
    expect(link.textContent).to.equal('Open Mesh’s pay page in your browser');
    expect(openDialog()).to.equal(null);
    expect(el.status).to.equal('open');
    await expect(el).to.be.accessible();
    const tx = `tx-${id}-1`;
    await kit.streamConnected(tx);
    await kit.emit(tx, 'pending');
    await statusBecomes(el, 'confirming');
    await kit.emit(tx, 'succeeded');
    await statusBecomes(el, 'succeeded');
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[part~="label"]')!.textContent).to.equal('Paid');
  });

  it('opens the pay link through an Android intent: in Android webviews', async () => {
    const id = orderId('paylink-android');
    await kit.scenario(id, { paymentLink: 'https://pay.meshconnect.com/p/xyz' });
    const el = await inApp(id, IN_APP_BROWSER.androidFacebook);
    el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="webview-pay"]')!.click();
    await waitUntil(() => el.shadowRoot!.querySelector('[part~="webview-pay-link"]'), 'pay link shown');
    expect(el.shadowRoot!.querySelector('[part~="webview-pay-link"]')!.getAttribute('href')).to.equal('intent://pay.meshconnect.com/p/xyz#Intent;scheme=https;end');
  });

  it('accepts only an http(s) pay link: garbage, scripts and missing links are an error, never an href', async () => {
    for (const paymentLink of ['javascript:alert(document.cookie)', 'data:text/html,<script>alert(1)</script>', 42, { href: 'https://x' }, 'not a url', `https://x.example/${'a'.repeat(5000)}`, undefined]) {
      const id = orderId('badpaylink');
      await kit.scenario(id, paymentLink === undefined ? {} : { paymentLink });
      const el = await inApp(id, IN_APP_BROWSER.iosInstagram);
      const failed = oneEvent(el, 'mesh-error');
      el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="webview-pay"]')!.click();
      const { detail } = await failed;
      expect(detail, String(paymentLink)).to.include({ code: 'MESH_PAY_TOKEN_REQUEST_FAILED', retryable: false });
      await el.updateComplete;
      expect(el.shadowRoot!.querySelector('[part~="webview-pay-link"]')).to.equal(null);
      expect(el.shadowRoot!.innerHTML).to.not.include('javascript:');
      el.remove();
    }
  });
});

describe('languages', () => {
  it('every built-in language is loaded lazily and used when the page asks for it', async () => {
    const expected: Record<string, string> = { de: 'Mit Krypto bezahlen', fr: 'Payer en crypto', es: 'Pagar con cripto', it: 'Paga in cripto', pt: 'Pagar com cripto', ja: '暗号資産で支払う', zh: '使用加密货币支付' };
    for (const [lang, label] of Object.entries(expected)) {
      const wrapper = await fixture<HTMLDivElement>(html`<div lang=${lang}><mesh-pay-button token-url="/kit/token"></mesh-pay-button></div>`);
      const el = wrapper.querySelector('mesh-pay-button')!;
      await waitUntil(() => labelOf(el) === label, `${lang} label`, { timeout: 8000 });
    }
  });

  it('a merchant can override any string, in any language', async () => {
    const wrapper = await fixture<HTMLDivElement>(html`<div lang="de"><mesh-pay-button token-url="/kit/token"></mesh-pay-button></div>`);
    const el = wrapper.querySelector('mesh-pay-button')!;
    el.strings = { pay: 'Jetzt mit USDC zahlen', announce: { preparing: 'Einen Moment…' } };
    await waitUntil(() => labelOf(el) === 'Jetzt mit USDC zahlen', 'override shown', { timeout: 8000 });
    el.strings = undefined;
    await waitUntil(() => labelOf(el) === 'Mit Krypto bezahlen', 'built-in German again', { timeout: 8000 });
  });

  it('overrides are text, never markup, and garbage overrides fall back to the built-in strings', async () => {
    const el = await mount(orderId('strings'));
    el.strings = { pay: '<img src=x onerror="window.__pwned=1">Pay' };
    await waitUntil(() => labelOf(el) === '<img src=x onerror="window.__pwned=1">Pay', 'shown as text');
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
    for (const garbage of [42, null, 'pay', [], { announce: null }, { pay: 42 }, { pay: { toString: () => 'x' } }]) {
      el.strings = garbage as never;
      await el.updateComplete;
      expect(labelOf(el), String(garbage)).to.equal('Pay with crypto');
    }
    await expect(el).to.be.accessible();
  });
});
