// Runs in its own page: the story needs the lazily loaded half to fail first, and once a page has it the
// browser's module map never asks the network again.
import { expect } from '@open-wc/testing';
import './mesh-pay-button.js';
import { savedPaymentStatus } from './payment-session-key.js';
import { kit, labelOf, mount, mountAfterFailedResume, orderId, resetPage, statusBecomes } from '../test/browser-kit.js';

describe('reset() on a button whose saved payment it could not load', () => {
  after(async () => {
    await kit.breakLazyHalf(false);
  });

  it('fetches what it needs, forgets the saved payment and shows idle, so the next visit starts afresh', async () => {
    const id = orderId('resumereset');
    const { el } = await mountAfterFailedResume(id);
    expect(el.status).to.equal('error');

    // The merchant moves on (a new cart, say) once the network is back.
    await kit.breakLazyHalf(false);
    el.reset();
    await statusBecomes(el, 'idle');
    await el.updateComplete;
    expect(labelOf(el)).to.equal('Pay with crypto');
    expect(savedPaymentStatus('/kit/token', id), 'the saved payment is forgotten').to.equal(undefined);
    expect((await kit.log()).tokenCalls[id], 'nothing was minted').to.equal(undefined);

    // A reload of the same order: nothing to resume.
    resetPage();
    const again = await mount(id);
    expect(again.status).to.equal('idle');
    await expect(again).to.be.accessible();
  });
});
