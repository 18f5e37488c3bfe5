import { expect, fixture, html, oneEvent, waitUntil, nextFrame } from '@open-wc/testing';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import './mesh-pay-button.js';
import type { MeshPayButton } from './mesh-pay-button.component.js';
import type { MeshPayEventDetailMap } from './events.js';
import { buttonOf, closeLink, dialogHostOf, dialogPart, errorAfterLinkLeftOpen, kit, labelOf, leaveSavedPayment, linkFrameOf, linkPageReceived, liveRegionOf, mount, IN_APP_BROWSER, mountInApp, openDialog, openDialogs, orderId, payUntilConfirming, payUntilError, payUntilOpen, recordMeshEvents, resetPage, savedPayment, saveConfirmingPayment, savedPaymentKey, shiftClockOnOpen, statusBecomes } from '../test/browser-kit.js';

const { events, since } = recordMeshEvents();

/** Closes whatever Link/dialog a test left open, so the page's single Link slot is free again. */
afterEach(resetPage);

describe('<mesh-pay-button> at rest', () => {
  it('renders an accessible, labelled button in the idle state', async () => {
    const el = await mount(orderId('idle'));
    expect(el.getAttribute('status')).to.equal('idle');
    expect(el.matches(':state(idle)')).to.equal(true);
    expect(labelOf(el)).to.equal('Pay with crypto');
    expect(buttonOf(el).getAttribute('aria-busy')).to.equal('false');
    await expect(el).to.be.accessible();
  });

  it('status is read-only: a page cannot make the button look paid', async () => {
    const el = await mount(orderId('readonly'));
    (el as { status: string }).status = 'succeeded';
    el.setAttribute('status', 'succeeded');
    await waitUntil(() => el.getAttribute('status') === 'idle', 'attribute put back');
    await el.updateComplete;
    expect(el.status).to.equal('idle');
    expect(el.matches(':state(succeeded)')).to.equal(false);
    expect(labelOf(el)).to.equal('Pay with crypto');
  });

  it('uses the label attribute and is disabled by the disabled attribute', async () => {
    const id = orderId('disabled');
    const el = await mount(id, { label: 'Pay 10 USDC', disabled: '' });
    expect(labelOf(el)).to.equal('Pay 10 USDC');
    expect(buttonOf(el).disabled).to.equal(true);
    buttonOf(el).click();
    el.pay();
    await nextFrame();
    expect(el.status).to.equal('idle');
    expect((await kit.log()).tokenCalls[id]).to.equal(undefined);
    await expect(el).to.be.accessible();
  });
});

describe('paying', () => {
  it('walks preparing → open → confirming and only the server stream makes it succeeded', async () => {
    const id = orderId('happy');
    const el = await mount(id);
    const mark = events.length;
    const opened = oneEvent(el, 'mesh-open');
    buttonOf(el).click();
    expect(el.status).to.equal('preparing');
    await el.updateComplete;
    expect(buttonOf(el).getAttribute('aria-busy')).to.equal('true');
    expect(liveRegionOf(el).textContent).to.equal('Preparing your payment');

    const { detail: openDetail } = await opened;
    const tx = openDetail.transactionId;
    expect(openDetail.renderType).to.equal('embedded');
    expect(el.status).to.equal('open');
    expect(el.matches(':state(open)')).to.equal(true);
    const dialog = openDialog();
    expect(dialog, 'Link dialog').to.not.equal(null);
    expect(dialogHostOf(dialog!).parentElement).to.equal(document.body);
    const iframe = linkFrameOf(dialog!);
    expect(iframe.title).to.equal('Mesh Link payment');
    expect(document.getElementById(iframe.id)).to.equal(iframe);

    const finished = await oneEvent(el, 'mesh-transfer-finished');
    expect(finished.detail.transferId).to.equal('tr-1');
    expect(el.status).to.equal('confirming');
    expect(labelOf(el)).to.equal('Confirming…');
    expect(el.matches(':state(confirming)')).to.equal(true);
    expect(liveRegionOf(el).textContent).to.equal('Transfer sent. Confirming the payment');
    await expect(el).to.be.accessible();

    // The browser never learns the access token; the kit's return-user route does.
    const connected = since(mark, 'mesh-integration-connected');
    expect(connected).to.have.length(1);
    expect(JSON.stringify(connected[0]!.detail)).to.not.include('secret-access-token');
    expect(JSON.stringify(connected[0]!.detail)).to.not.include('secret-refresh-token');
    expect(JSON.stringify(since(mark, 'mesh-event'))).to.not.include('secret-');
    await waitUntil(async () => (await kit.log()).integrations.some((i) => i.tx === tx), 'integration posted to the kit');
    const saved = (await kit.log()).integrations.find((i) => i.tx === tx)!;
    expect(saved.cap).to.equal('test-capability');
    expect(JSON.stringify(saved.body)).to.include('secret-access-token');
    const sdkEvents = since(mark, 'mesh-event').map((e) => e.detail.type);
    expect(sdkEvents).to.include.members(['pageLoaded', 'integrationSelected', 'integrationConnected', 'transferCompleted']);

    // A pending status keeps it confirming; only `succeeded` from the server means paid.
    const pendingSeen = oneEvent(el, 'mesh-status');
    await kit.emit(tx, 'pending');
    expect((await pendingSeen).detail.status).to.equal('pending');
    expect(el.status).to.equal('confirming');
    const saved1 = savedPayment(id);
    expect(saved1).to.include({ status: 'confirming', transactionId: tx, lastEventId: '1' });

    const succeededSeen = oneEvent(el, 'mesh-status');
    await kit.emit(tx, 'succeeded', { txHash: '0xabc', sourceAmount: '10.000000000000000001' });
    const status = await succeededSeen;
    expect(status.detail).to.include({ status: 'succeeded', txHash: '0xabc', sourceAmount: '10.000000000000000001', transactionId: tx, eventId: '2' });
    expect(el.status).to.equal('succeeded');
    expect(el.getAttribute('status')).to.equal('succeeded');
    expect(el.matches(':state(succeeded)')).to.equal(true);
    expect(el.matches(':state(confirming)')).to.equal(false);
    expect(labelOf(el)).to.equal('Paid');
    expect(liveRegionOf(el).textContent).to.equal('Payment confirmed');
    await expect(el).to.be.accessible();

    // Closing Link now changes nothing: the payment is settled.
    const exited = oneEvent(el, 'mesh-exit');
    dialogPart(dialog!, 'close').click();
    await exited;
    expect(openDialog()).to.equal(null);
    expect(el.status).to.equal('succeeded');
    // A click on a paid button does not start another payment.
    buttonOf(el).click();
    expect(el.status).to.equal('succeeded');
    expect((await kit.log()).tokenCalls[id]).to.equal(1);
    expect(since(mark, 'mesh-error')).to.have.length(0);
    // Listeners already see the new status attribute when each event fires.
    const attrAt = (type: keyof MeshPayEventDetailMap) => since(mark, type).map((e) => e.statusAttr);
    expect(attrAt('mesh-click')).to.deep.equal(['idle']);
    expect(attrAt('mesh-open')).to.deep.equal(['open']);
    expect(attrAt('mesh-transfer-finished')).to.deep.equal(['confirming']);
    expect(attrAt('mesh-status')).to.deep.equal(['confirming', 'succeeded']);
  });
});

describe('failing, retrying and cancelling', () => {
  it('a cancelled mesh-click stops the flow before any token is minted', async () => {
    const id = orderId('cancelclick');
    const el = await mount(id);
    el.addEventListener('mesh-click', (event) => event.preventDefault(), { once: true });
    const clicked = oneEvent(el, 'mesh-click');
    buttonOf(el).click();
    const { detail } = await clicked;
    expect(detail.orderId).to.equal(id);
    expect(el.status).to.equal('idle');
    expect((await kit.log()).tokenCalls[id]).to.equal(undefined);
  });

  it('a double click mints exactly one token (single flight)', async () => {
    const id = orderId('double');
    await kit.scenario(id, { link: 'idle' });
    const el = await mount(id);
    const mark = events.length;
    const opened = oneEvent(el, 'mesh-open');
    buttonOf(el).click();
    buttonOf(el).click();
    buttonOf(el).dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));
    el.pay();
    await opened;
    buttonOf(el).click();
    expect((await kit.log()).tokenCalls[id]).to.equal(1);
    expect(since(mark, 'mesh-click')).to.have.length(1);
  });

  it('a failing token route shows Retry, fires mesh-error, and Retry mints a fresh token', async () => {
    const id = orderId('tokenfail');
    await kit.scenario(id, { failFirst: 1, failStatus: 502, link: 'idle' });
    const el = await mount(id);
    const detail = await payUntilError(el);
    expect(detail.code).to.equal('MESH_PAY_TOKEN_REQUEST_FAILED');
    expect(detail.retryable).to.equal(true);
    expect(detail.message).to.include('502');
    expect(detail.message).to.include('MESH_PAY_MESH_UNAVAILABLE');
    expect(el.status).to.equal('error');
    expect(el.matches(':state(error)')).to.equal(true);
    await el.updateComplete;
    expect(labelOf(el)).to.equal('Retry');
    expect(liveRegionOf(el).textContent).to.equal('Something went wrong. You can retry');
    expect(openDialog()).to.equal(null);
    await expect(el).to.be.accessible();

    expect(await payUntilOpen(el)).to.equal(`tx-${id}-2`);
    expect((await kit.log()).tokenCalls[id]).to.equal(2);
  });

  it('a 4xx from the token route is reported as not retryable', async () => {
    const id = orderId('token400');
    await kit.scenario(id, { failFirst: 5, failStatus: 400 });
    const el = await mount(id);
    const detail = await payUntilError(el);
    expect(detail).to.include({ code: 'MESH_PAY_TOKEN_REQUEST_FAILED', retryable: false });
  });

  it('an unreachable token route is a retryable MESH_PAY_NETWORK error', async () => {
    const el = await fixture<MeshPayButton>(html`<mesh-pay-button token-url="http://127.0.0.1:9/nothing-listens"></mesh-pay-button>`);
    const detail = await payUntilError(el);
    expect(detail).to.include({ code: 'MESH_PAY_NETWORK', retryable: true });
    expect(el.status).to.equal('error');
  });

  it('without token-url it reports MESH_PAY_CONFIG_INVALID, not retryable', async () => {
    const el = await fixture<MeshPayButton>(html`<mesh-pay-button></mesh-pay-button>`);
    const detail = await payUntilError(el);
    expect(detail).to.include({ code: 'MESH_PAY_CONFIG_INVALID', retryable: false });
    expect(el.status).to.equal('error');
  });

  it('a Link error past the token’s 10-minute lifetime, before anything was connected, is re-minted once, silently, in the same dialog', async () => {
    const id = orderId('expired');
    await kit.scenario(id, { links: ['broken', 'idle'] });
    const el = await mount(id);
    const mark = events.length;
    // The customer left Link open for 11 minutes before it failed (Mesh's tokens live 10).
    const restore = shiftClockOnOpen(el, 11 * 60_000, 1);
    try {
      buttonOf(el).click();
      await waitUntil(() => since(mark, 'mesh-open').length === 2, 'Link opened a second time', { timeout: 8000 });
    } finally {
      restore();
    }
    expect(el.status).to.equal('open');
    expect((await kit.log()).tokenCalls[id]).to.equal(2);
    const exits = since(mark, 'mesh-exit').map((e) => e.detail);
    expect(exits.map((e) => [e.error, e.reason])).to.deep.equal([['Integration unavailable', 'token-expired']]);
    expect(since(mark, 'mesh-error')).to.have.length(0);
    await linkPageReceived(`tx-${id}-2`, 'meshSDKSpecs');
  });

  it('an expired-looking failure right after a re-mint becomes a retryable error, not a loop', async () => {
    const id = orderId('expired2');
    await kit.scenario(id, { links: ['broken'] });
    const el = await mount(id);
    // Link is left open past the token's lifetime, and again past the fresh token's.
    expect(await errorAfterLinkLeftOpen(el, 2)).to.include({ code: 'MESH_PAY_LINK_TOKEN_EXPIRED', retryable: true });
    expect(el.status).to.equal('error');
    expect((await kit.log()).tokenCalls[id]).to.equal(2);
    expect(openDialog()).to.equal(null);
  });

  it('an error from a fresh Link is MESH_PAY_LINK_FAILED with Retry, never a silent re-mint', async () => {
    const id = orderId('broken');
    await kit.scenario(id, { links: ['broken', 'idle'] });
    const el = await mount(id);
    const mark = events.length;
    const detail = await payUntilError(el);
    expect(detail).to.include({ code: 'MESH_PAY_LINK_FAILED', message: 'Integration unavailable', retryable: true });
    expect(since(mark, 'mesh-exit')[0]!.detail.reason).to.equal('error');
    expect((await kit.log()).tokenCalls[id]).to.equal(1);
    await el.updateComplete;
    expect(labelOf(el)).to.equal('Retry');
    expect(await payUntilOpen(el)).to.equal(`tx-${id}-2`);
  });

  it('closing Link without paying is cancelled, and paying again works', async () => {
    const id = orderId('exit');
    await kit.scenario(id, { links: ['exit', 'idle'] });
    const el = await mount(id);
    const exited = oneEvent(el, 'mesh-exit');
    buttonOf(el).click();
    const { detail } = await exited;
    expect(detail.error).to.equal(undefined);
    expect(detail.reason).to.equal('cancelled');
    expect(detail.summary).to.deep.include({ page: 'home' });
    expect(events.filter((e) => e.type === 'mesh-exit').at(-1)!.statusAttr).to.equal('cancelled');
    expect(el.status).to.equal('cancelled');
    expect(el.matches(':state(cancelled)')).to.equal(true);
    await el.updateComplete;
    expect(labelOf(el)).to.equal('Pay with crypto');
    expect(liveRegionOf(el).textContent).to.equal('Payment cancelled');
    expect(openDialog()).to.equal(null);
    expect(sessionStorage.getItem(savedPaymentKey(id))).to.equal(null);
    expect(await payUntilOpen(el)).to.equal(`tx-${id}-2`);
  });

  it('a server `failed` ends in failed; Retry mints a new token', async () => {
    const id = orderId('srvfail');
    await kit.scenario(id, { links: ['succeed', 'idle'] });
    const el = await mount(id);
    const tx = await payUntilOpen(el);
    await statusBecomes(el, 'confirming');
    await kit.emit(tx, 'failed');
    await statusBecomes(el, 'failed');
    await el.updateComplete;
    expect(labelOf(el)).to.equal('Payment failed. Retry');
    expect(el.matches(':state(failed)')).to.equal(true);
    await expect(el).to.be.accessible();
    const open = openDialog();
    if (open) dialogPart(open, 'close').click();
    await waitUntil(() => openDialog() === null, 'dialog closed');
    expect(await payUntilOpen(el)).to.equal(`tx-${id}-2`);
  });

  it('a status stream that cannot open is MESH_PAY_STREAM_FAILED; Retry follows the stream again without a new token', async () => {
    const id = orderId('streamfail');
    await kit.scenario(id, { link: 'succeed' });
    const el = await mount(id);
    el.addEventListener('mesh-open', (event) => void kit.forbid(event.detail.transactionId), { once: true });
    const opened = oneEvent(el, 'mesh-open');
    const failed = oneEvent(el, 'mesh-error');
    buttonOf(el).click();
    const tx = (await opened).detail.transactionId;
    const { detail } = await failed;
    expect(detail).to.include({ code: 'MESH_PAY_STREAM_FAILED', retryable: true });
    expect(el.status).to.equal('error');
    await kit.forbid(tx, false);
    await kit.emit(tx, 'succeeded');
    buttonOf(el).click();
    await statusBecomes(el, 'succeeded');
    expect((await kit.log()).tokenCalls[id]).to.equal(1);
  });
});

describe('privacy and return users', () => {
  it('exposes access tokens in events only with expose-access-tokens', async () => {
    const id = orderId('expose');
    const el = await mount(id, { 'expose-access-tokens': '' });
    const connected = oneEvent(el, 'mesh-integration-connected');
    buttonOf(el).click();
    const { detail } = await connected;
    expect(detail.accessToken?.accountTokens[0]?.accessToken).to.equal('secret-access-token');
    await statusBecomes(el, 'confirming');
  });

  it('passes the kit’s saved access tokens to Link for a return user', async () => {
    const id = orderId('return');
    const accessTokens = [{ accountId: 'acc-1', accountName: 'Main', accessToken: 'saved-token', brokerType: 'coinbase', brokerName: 'Coinbase' }];
    await kit.scenario(id, { link: 'idle', accessTokens });
    const el = await mount(id);
    const tx = await payUntilOpen(el);
    const page = await linkPageReceived(tx, 'frontAccessTokens');
    expect(page.received.find((m) => m.type === 'frontAccessTokens')!.payload).to.deep.equal(accessTokens);
  });
});

describe('reload', () => {
  it('resumes a confirming payment from sessionStorage, without repeats, and shows the true state', async () => {
    const id = orderId('reload');
    const tx = await saveConfirmingPayment(id);
    await kit.emit(tx, 'processing');
    const mark = events.length;
    const el = await mount(id);
    // The entry only saw that a record exists and sent for the lazy half, which reads it.
    await statusBecomes(el, 'confirming');
    await waitUntil(() => since(mark, 'mesh-status').length === 1, 'the missed event arrives');
    expect(since(mark, 'mesh-status')[0]!.detail.status).to.equal('processing');
    const connect = (await kit.log()).streamConnects.filter((c) => c.tx === tx);
    expect(connect.map((c) => c.lastEventId)).to.deep.equal(['1']);
    await kit.emit(tx, 'succeeded');
    await statusBecomes(el, 'succeeded');
    expect(since(mark, 'mesh-status')).to.have.length(2);
    expect(savedPayment(id)).to.include({ status: 'succeeded', lastEventId: '3' });

    // Another reload: a saved "succeeded" is only a hint. The button asks the server (the stream sends
    // its current status at once) before it says "Paid" again.
    el.remove();
    const again = await mount(id);
    await statusBecomes(again, 'succeeded');
    const connects = (await kit.log()).streamConnects.filter((c) => c.tx === tx);
    expect(connects.map((c) => c.lastEventId)).to.deep.equal(['1', null]);
  });

  it('a click before the reloaded button has read its saved payment does not start a second one', async () => {
    const id = orderId('reloadclick');
    const tx = await saveConfirmingPayment(id);
    const mark = events.length;
    const el = document.createElement('mesh-pay-button');
    el.tokenUrl = '/kit/token';
    el.orderId = id;
    const wrapper = await fixture<HTMLDivElement>(html`<div></div>`);
    wrapper.append(el); // the check for a saved payment runs here, and sends for the lazy half
    el.pay(); // the shopper clicks at once, whether or not that half has arrived yet
    await statusBecomes(el, 'confirming');
    await kit.emit(tx, 'succeeded');
    await statusBecomes(el, 'succeeded');
    expect((await kit.log()).tokenCalls[id], 'no new payment was minted').to.equal(undefined);
    expect(since(mark, 'mesh-click'), 'the click met a payment under way').to.have.length(0);
  });

  it('a page left while Link was open learns from the server whether a transfer was sent', async () => {
    const id = orderId('reloadopen');
    const tx = `tx-${id}-1`;
    leaveSavedPayment(id, tx, { status: 'open' });
    const el = await mount(id);
    expect(el.status).to.equal('idle');
    await kit.streamConnected(tx);
    await kit.emit(tx, 'pending');
    await statusBecomes(el, 'confirming');
    await kit.emit(tx, 'succeeded');
    await statusBecomes(el, 'succeeded');
  });

  it('a dropped status stream reconnects with Last-Event-ID and misses nothing', async () => {
    const id = orderId('drop');
    const el = await mount(id);
    const mark = events.length;
    const tx = await payUntilConfirming(el);
    await kit.emit(tx, 'pending');
    await waitUntil(() => since(mark, 'mesh-status').length === 1, 'pending seen');
    expect((await kit.drop(tx)).dropped).to.equal(1);
    await kit.emit(tx, 'processing');
    await waitUntil(async () => (await kit.log()).streamConnects.filter((c) => c.tx === tx).length === 2, 'reconnected', { timeout: 8000 });
    await waitUntil(() => since(mark, 'mesh-status').length === 2, 'missed event delivered');
    await kit.emit(tx, 'succeeded');
    await statusBecomes(el, 'succeeded');
    const connects = (await kit.log()).streamConnects.filter((c) => c.tx === tx);
    expect(connects.map((c) => c.lastEventId)).to.deep.equal([null, '1']);
    expect(since(mark, 'mesh-status').map((e) => e.detail.status)).to.deep.equal(['pending', 'processing', 'succeeded']);
    expect(since(mark, 'mesh-error')).to.have.length(0);
  });

  it('a button moved in the DOM while confirming keeps following the payment', async () => {
    const id = orderId('move');
    const el = await mount(id);
    const tx = await payUntilConfirming(el);
    await kit.emit(tx, 'pending');
    await waitUntil(() => savedPayment(id)?.lastEventId === '1', 'event 1 saved');
    const parent = el.parentElement!;
    el.remove();
    expect(openDialog()).to.equal(null);
    await kit.emit(tx, 'succeeded');
    parent.append(el);
    await statusBecomes(el, 'succeeded');
    const connects = (await kit.log()).streamConnects.filter((c) => c.tx === tx);
    expect(connects.map((c) => c.lastEventId)).to.deep.equal([null, '1']);
  });

  it('a new order-id starts over at idle', async () => {
    const id = orderId('order1');
    const el = await mount(id);
    const tx = await payUntilOpen(el);
    await statusBecomes(el, 'confirming');
    await kit.emit(tx, 'succeeded');
    await statusBecomes(el, 'succeeded');
    const open = openDialog();
    if (open) dialogPart(open, 'close').click();
    el.orderId = orderId('order2');
    await el.updateComplete;
    expect(el.status).to.equal('idle');
    expect(labelOf(el)).to.equal('Pay with crypto');
    // …and the first order shows as paid again when it comes back, once the server confirmed it.
    el.orderId = id;
    await el.updateComplete;
    expect(el.status).to.equal('confirming');
    await statusBecomes(el, 'succeeded');
  });

  it('a saved payment pointing at another origin shows Confirming… only until the driver reads it', async () => {
    const id = orderId('reloadforeign');
    sessionStorage.setItem(savedPaymentKey(id), JSON.stringify({ statusUrl: 'https://evil.example/status/tx?cap=x', transactionId: 'tx', status: 'succeeded' }));
    const el = await mount(id);
    await statusBecomes(el, 'idle');
    expect(labelOf(el)).to.equal('Pay with crypto');
    expect(sessionStorage.getItem(savedPaymentKey(id)), 'the untrusted record is dropped').to.equal(null);
    expect((await kit.log()).streamConnects.some((c) => c.tx === 'tx'), 'no stream followed').to.equal(false);
  });

  it('ignores a tampered sessionStorage record', async () => {
    const id = orderId('tamper');
    sessionStorage.setItem(savedPaymentKey(id), JSON.stringify({ statusUrl: 42, status: 'succeeded' }));
    const el = await mount(id);
    await statusBecomes(el, 'idle');
    expect(labelOf(el)).to.equal('Pay with crypto');
  });

  it('garbage in the saved record leaves the button idle', async () => {
    for (const raw of ['{not json', 'null', '"confirming"', '[]', JSON.stringify({ status: 'x'.repeat(100_000) }), JSON.stringify({ status: '<img src=x onerror=alert(1)>' })]) {
      const id = orderId('garbage');
      sessionStorage.setItem(savedPaymentKey(id), raw);
      const el = await mount(id);
      await statusBecomes(el, 'idle');
      expect(labelOf(el), raw.slice(0, 40)).to.equal('Pay with crypto');
      el.remove();
    }
  });
});

describe('look and language', () => {
  it('is themed by custom properties and the dark theme, and passes the theme to Link', async () => {
    const id = orderId('theme');
    await kit.scenario(id, { link: 'idle' });
    const light = await mount(orderId('light'));
    const dark = await mount(id, { theme: 'dark' });
    const custom = await fixture<MeshPayButton>(
      html`<mesh-pay-button token-url="/kit/token" style="--mesh-pay-button-background: rgb(1, 2, 3); --mesh-pay-button-radius: 3px; --mesh-pay-button-color: rgb(255, 255, 250)"></mesh-pay-button>`,
    );
    const bg = (el: MeshPayButton) => getComputedStyle(buttonOf(el)).backgroundColor;
    expect(bg(light)).to.equal('rgb(17, 24, 39)');
    expect(bg(dark)).to.equal('rgb(249, 250, 251)');
    expect(getComputedStyle(buttonOf(dark)).color).to.equal('rgb(17, 24, 39)');
    expect(bg(custom)).to.equal('rgb(1, 2, 3)');
    expect(getComputedStyle(buttonOf(custom)).color).to.equal('rgb(255, 255, 250)');
    expect(getComputedStyle(buttonOf(custom)).borderTopLeftRadius).to.equal('3px');
    // Changing a property later restyles the button (after its short colour transition).
    const restyled = oneEvent(buttonOf(light), 'transitionend');
    light.style.setProperty('--mesh-pay-button-background', 'rgb(4, 5, 6)');
    await restyled;
    expect(bg(light)).to.equal('rgb(4, 5, 6)');
    await expect(dark).to.be.accessible();

    const opened = oneEvent(dark, 'mesh-open');
    buttonOf(dark).click();
    const tx = (await opened).detail.transactionId;
    expect(openDialog()!.dataset.theme).to.equal('dark');
    const page = await linkPageReceived(tx, 'meshSDKSpecs');
    expect(new URLSearchParams(page.search).get('th')).to.equal('dark');
    expect(new URLSearchParams(page.search).get('rt')).to.equal('embedded');
  });

  it('a payment under way brings its own looks: a spinner while busy, the success colour once paid, the danger colour on error', async () => {
    // These styles arrive with the lazily loaded half, after the resting button rendered without them.
    const id = orderId('looks');
    const el = await mount(id);
    el.style.setProperty('--mesh-pay-button-success', 'rgb(0, 128, 1)');
    const tx = await payUntilOpen(el);
    await el.updateComplete;
    const spinner = el.shadowRoot!.querySelector('[part~="spinner"]')!;
    expect(getComputedStyle(spinner).animationName).to.equal('spin');
    expect(getComputedStyle(spinner).borderTopStyle).to.equal('solid');
    await statusBecomes(el, 'confirming');
    await kit.streamConnected(tx);
    await kit.emit(tx, 'succeeded');
    await statusBecomes(el, 'succeeded');
    // After the button's short colour transition.
    const bg = (button: MeshPayButton) => getComputedStyle(buttonOf(button)).backgroundColor;
    await waitUntil(() => bg(el) === 'rgb(0, 128, 1)', `success colour, still ${bg(el)}`);
    expect(el.shadowRoot!.querySelector('[part~="spinner"]')).to.equal(null);
    el.reset(); // frees the page's one Link slot for the next button

    const failingId = orderId('looks-error');
    await kit.scenario(failingId, { failFirst: 1, failStatus: 502 });
    const failing = await mount(failingId);
    await payUntilError(failing);
    await waitUntil(() => bg(failing) === 'rgb(185, 28, 28)', `danger colour, still ${bg(failing)}`);
    await expect(failing).to.be.accessible();
  });

  it('theme="system" follows the OS colour scheme, for the button and the dialog', async () => {
    const id = orderId('system');
    await kit.scenario(id, { link: 'idle' });
    await emulateMedia({ colorScheme: 'dark' });
    try {
      const el = await mount(id, { theme: 'system' });
      expect(getComputedStyle(buttonOf(el)).backgroundColor).to.equal('rgb(249, 250, 251)');
      const opened = oneEvent(el, 'mesh-open');
      buttonOf(el).click();
      const tx = (await opened).detail.transactionId;
      expect(openDialog()!.dataset.theme).to.equal('dark');
      const page = await linkPageReceived(tx, 'meshSDKSpecs');
      expect(new URLSearchParams(page.search).get('th')).to.equal('system');
    } finally {
      await emulateMedia({ colorScheme: 'light' });
    }
  });

  it('shows a visible focus ring when reached by keyboard, on ::part(button)', async () => {
    const wrapper = await fixture<HTMLDivElement>(html`<div><button id="before">before</button><mesh-pay-button token-url="/kit/token"></mesh-pay-button></div>`);
    const el = wrapper.querySelector('mesh-pay-button')!;
    await el.updateComplete;
    wrapper.querySelector<HTMLButtonElement>('#before')!.focus();
    await sendKeys({ press: 'Tab' });
    expect(document.activeElement).to.equal(el);
    expect(el.shadowRoot!.activeElement).to.equal(buttonOf(el));
    expect(buttonOf(el).matches(':focus-visible')).to.equal(true);
    const ring = getComputedStyle(buttonOf(el));
    expect(ring.outlineStyle).to.equal('solid');
    expect(ring.outlineWidth).to.equal('3px');
    expect(buttonOf(el).getAttribute('part')).to.equal('button');
  });

  it('speaks German under lang="de" and tells Link the language', async () => {
    const id = orderId('de');
    await kit.scenario(id, { link: 'succeed' });
    const wrapper = await fixture<HTMLDivElement>(html`<div lang="de-AT"><mesh-pay-button token-url="/kit/token" order-id=${id}></mesh-pay-button></div>`);
    const el = wrapper.querySelector('mesh-pay-button')!;
    // German is its own small chunk, fetched because the page asked for it.
    await waitUntil(() => labelOf(el) === 'Mit Krypto bezahlen', 'German label', { timeout: 8000 });
    const tx = await payUntilOpen(el);
    await statusBecomes(el, 'confirming');
    await el.updateComplete;
    expect(labelOf(el)).to.equal('Wird bestätigt…');
    expect(linkFrameOf(openDialog()!).title).to.equal('Mesh-Link-Zahlung');
    const page = await linkPageReceived(tx, 'meshSDKSpecs');
    expect(new URLSearchParams(page.search).get('lng')).to.equal('de-AT');
  });
});

describe('keyboard only', () => {
  it('Enter opens Link, Escape asks Link to close, focus comes back to the button', async () => {
    const id = orderId('keys');
    await kit.scenario(id, { link: 'idle' });
    const el = await mount(id);
    el.focus();
    const opened = oneEvent(el, 'mesh-open');
    await sendKeys({ press: 'Enter' });
    const tx = (await opened).detail.transactionId;
    await linkPageReceived(tx, 'meshSDKSpecs');
    const dialog = openDialog()!;
    expect(dialog.matches(':focus-within'), 'focus moved into the dialog').to.equal(true);
    expect(dialog.getAttribute('aria-label')).to.equal('Pay with Mesh');
    await expect(dialog).to.be.accessible();
    await expect(el).to.be.accessible();
    const exited = oneEvent(el, 'mesh-exit');
    await sendKeys({ press: 'Escape' });
    await exited;
    await linkPageReceived(tx, 'closeRequested');
    await statusBecomes(el, 'cancelled');
    expect(openDialog()).to.equal(null);
    expect(document.activeElement).to.equal(el);
    expect(el.shadowRoot!.activeElement).to.equal(buttonOf(el));
  });

  it('Space starts a payment too', async () => {
    const id = orderId('space');
    await kit.scenario(id, { link: 'idle' });
    const el = await mount(id);
    el.focus();
    const opened = oneEvent(el, 'mesh-open');
    await sendKeys({ press: 'Space' });
    await opened;
    expect(el.status).to.equal('open');
  });
});

describe('pre-flight hint', () => {
  it('shows the hint steps and slotted content in the dialog before Link opens', async () => {
    const id = orderId('hint');
    await kit.scenario(id, { link: 'idle' });
    const el = await fixture<MeshPayButton>(html`<mesh-pay-button token-url="/kit/token" order-id=${id} hint="Allow withdrawals on your exchange | Wait out any new-address cooldown">
      <p slot="hint">Coinbase: Settings → API → enable <b>transfer</b>.</p>
    </mesh-pay-button>`);
    const mark = events.length;
    buttonOf(el).click();
    await waitUntil(() => openDialog() !== null, 'hint dialog');
    const dialog = openDialog()!;
    const steps = [...dialog.querySelectorAll('li')].map((li) => li.textContent);
    expect(steps).to.deep.equal(['Allow withdrawals on your exchange', 'Wait out any new-address cooldown']);
    expect(dialog.textContent).to.include('Coinbase: Settings → API → enable transfer.');
    expect(el.status).to.equal('preparing');
    expect(since(mark, 'mesh-open')).to.have.length(0);
    const proceed = dialogPart(dialog, 'continue');
    expect((dialog.getRootNode() as ShadowRoot).activeElement).to.equal(proceed);
    await expect(dialog).to.be.accessible();
    const opened = oneEvent(el, 'mesh-open');
    await sendKeys({ press: 'Enter' });
    await opened;
    expect(openDialog()).to.equal(dialog);
    expect(linkFrameOf(dialog).checkVisibility(), 'the Link iframe shows').to.equal(true);
  });

  it('closing the hint cancels without opening Link', async () => {
    const id = orderId('hintclose');
    const el = await mount(id, { hint: 'Enable withdrawals' });
    buttonOf(el).click();
    await waitUntil(() => openDialog() !== null, 'hint dialog');
    await sendKeys({ press: 'Escape' });
    await statusBecomes(el, 'cancelled');
    expect(openDialog()).to.equal(null);
    expect(document.activeElement).to.equal(el);
  });
});

describe('one Link per page and render types', () => {
  it('a second button waits until the first Link session is over', async () => {
    const a = orderId('queue-a');
    const b = orderId('queue-b');
    await kit.scenario(a, { link: 'idle' });
    await kit.scenario(b, { link: 'idle' });
    const wrapper = await fixture<HTMLDivElement>(html`<div>
      <mesh-pay-button token-url="/kit/token" order-id=${a}></mesh-pay-button>
      <mesh-pay-button token-url="/kit/token" order-id=${b}></mesh-pay-button>
    </div>`);
    const [first, second] = [...wrapper.querySelectorAll('mesh-pay-button')] as [MeshPayButton, MeshPayButton];
    const firstOpen = oneEvent(first, 'mesh-open');
    buttonOf(first).click();
    await firstOpen;
    buttonOf(second).click();
    await waitUntil(async () => (await kit.log()).tokenCalls[b] === 1, 'second token minted');
    expect(second.status).to.equal('preparing');
    const secondOpen = oneEvent(second, 'mesh-open');
    closeLink();
    await secondOpen;
    expect(first.status).to.equal('cancelled');
    expect(second.status).to.equal('open');
    expect(openDialogs()).to.have.length(1);
  });

  it('removing a button while Link is open closes Link and frees the slot for the next one', async () => {
    const a = orderId('removed');
    const b = orderId('next');
    await kit.scenario(a, { link: 'idle' });
    await kit.scenario(b, { link: 'idle' });
    const first = await mount(a);
    const opened = oneEvent(first, 'mesh-open');
    buttonOf(first).click();
    await opened;
    first.remove();
    expect(openDialog()).to.equal(null);
    expect(first.status).to.equal('cancelled');
    const second = await mount(b);
    const secondOpen = oneEvent(second, 'mesh-open');
    buttonOf(second).click();
    await secondOpen;
    expect(second.status).to.equal('open');
  });

  it('render-type="overlay" keeps the SDK’s own overlay', async () => {
    const id = orderId('overlay');
    await kit.scenario(id, { link: 'exit' });
    const el = await mount(id, { 'render-type': 'overlay' });
    const opened = oneEvent(el, 'mesh-open');
    const exited = oneEvent(el, 'mesh-exit');
    buttonOf(el).click();
    expect((await opened).detail.renderType).to.equal('overlay');
    expect(document.getElementById('mesh-link-popup__iframe')).to.not.equal(null);
    expect(openDialog()).to.equal(null);
    await exited;
    await statusBecomes(el, 'cancelled');
    expect(document.getElementById('mesh-link-popup__iframe')).to.equal(null);
  });
});

describe('in-app browsers', () => {
  it('offers "Open in your browser" instead of a Link that would break', async () => {
    const id = orderId('webview');
    const el = await mountInApp(IN_APP_BROWSER.iosInstagram, id);
    // Detection is part of the lazy half: until the customer shows intent, the page has the plain button.
    expect(el.shadowRoot!.querySelector('[part~="button"]')).to.not.equal(null);
    el.dispatchEvent(new PointerEvent('pointerenter'));
    await waitUntil(() => el.shadowRoot!.querySelector('[part~="webview-link"]'), 'in-app view rendered');
    const link = el.shadowRoot!.querySelector<HTMLAnchorElement>('[part~="webview-link"]')!;
    expect(link.textContent).to.equal('Open in your browser');
    expect(link.href).to.equal(location.href);
    expect(link.target).to.equal('_blank');
    expect(el.shadowRoot!.querySelector('[part~="button"]')).to.equal(null);
    expect((await kit.log()).tokenCalls[id]).to.equal(undefined);
    await expect(el).to.be.accessible();
  });

  it('uses an Android intent: URL in Android webviews', async () => {
    const el = await mountInApp(IN_APP_BROWSER.androidFacebook);
    el.focus(); // keyboard intent
    await waitUntil(() => el.shadowRoot!.querySelector('[part~="webview-link"]'), 'in-app view rendered');
    const href = el.shadowRoot!.querySelector<HTMLAnchorElement>('[part~="webview-link"]')!.getAttribute('href')!;
    expect(href.startsWith(`intent://${location.host}`)).to.equal(true);
    expect(href).to.include('scheme=http;end');
  });
});

describe('registration', () => {
  it('define() is idempotent and custom tags get their own class', async () => {
    const { define, MeshPayButton: Ctor } = await import('./mesh-pay-button.js');
    define();
    define();
    define('acme-pay-button');
    define('acme-pay-button');
    expect(customElements.get('mesh-pay-button')).to.equal(Ctor);
    const custom = customElements.get('acme-pay-button')!;
    expect(new custom()).to.be.instanceOf(Ctor);
  });
});
