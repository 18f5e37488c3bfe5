// Runs in its own page: the lazily loaded half (driver, English after intent) is not here yet, as
// after a real reload.
import { expect, fixture, html } from '@open-wc/testing';
import './mesh-pay-button.js';
import type { MeshPayButton } from './mesh-pay-button.component.js';
import { buttonOf, kit, labelOf, liveRegionOf, orderId, statusBecomes } from '../test/browser-kit.js';

// Resource Timing lists every module fetch, served or from the HTTP cache (the test files share a browser).
const requested = (part: string) => performance.getEntriesByType('resource').filter((e) => e.name.includes(part));

describe('a reload with a payment under way', () => {
  it('the first frame already says Confirming…, before the payment driver has arrived', async () => {
    const id = orderId('reloadframe');
    const tx = `tx-${id}-1`;
    await kit.emit(tx, 'pending');
    sessionStorage.setItem(`mesh-pay:/kit/token#${id}`, JSON.stringify({ statusUrl: `/kit/status/${tx}?cap=test-capability`, transactionId: tx, lastEventId: '1', status: 'confirming' }));
    expect(requested('payment-driver.ts'), 'no driver before the button meets the record').to.have.length(0);
    const el = document.createElement('mesh-pay-button') as MeshPayButton;
    el.tokenUrl = '/kit/token';
    el.orderId = id;
    const wrapper = await fixture<HTMLDivElement>(html`<div></div>`);
    // The first thing the shadow root ever shows, recorded as it is rendered.
    let firstLabel: string | undefined;
    let firstBusy: string | null | undefined;
    const observer = new MutationObserver(() => {
      if (firstLabel !== undefined || !el.shadowRoot?.querySelector('[part~="label"]')) return;
      firstLabel = labelOf(el);
      firstBusy = buttonOf(el).getAttribute('aria-busy');
    });
    wrapper.append(el);
    // Before any render: status, attribute and custom state already say a payment is under way.
    expect(el.status).to.equal('confirming');
    expect(el.getAttribute('status')).to.equal('confirming');
    expect(el.matches(':state(confirming)')).to.equal(true);
    observer.observe(el.shadowRoot!, { childList: true, subtree: true, characterData: true });
    await el.updateComplete;
    observer.disconnect();
    expect(firstLabel, 'never "Pay with crypto"').to.equal('Confirming…');
    expect(firstBusy).to.equal('true');
    expect(liveRegionOf(el).textContent).to.equal('Transfer sent. Confirming the payment');
    // The driver takes over the same payment: the server's word settles it, and nothing new is minted.
    await kit.emit(tx, 'succeeded');
    await statusBecomes(el, 'succeeded');
    expect(labelOf(el)).to.equal('Paid');
    expect((await kit.log()).tokenCalls[id], 'no new payment was minted').to.equal(undefined);
    await expect(el).to.be.accessible();
  });
});
