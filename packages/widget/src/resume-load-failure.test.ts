// Runs in its own page, and no story here may load the lazily loaded half before its last step: once
// a page has it, the browser's module map never asks the network again.
import { expect, oneEvent } from '@open-wc/testing';
import './mesh-pay-button.js';
import { buttonOf, kit, labelOf, lazyHalfAnswers, liveRegionOf, mountAfterFailedResume, orderId, statusBecomes, statusesOf } from '../test/browser-kit.js';

describe('a reload with a payment under way, when the button cannot download the rest of itself', () => {
  after(async () => {
    await kit.breakLazyHalf(false);
  });

  it('says so and offers Retry instead of looking paid or idle', async () => {
    const id = orderId('resumedown');
    const { el, tx, error } = await mountAfterFailedResume(id);
    expect(error).to.include({ code: 'MESH_PAY_SDK_LOAD_FAILED', retryable: true });
    expect(lazyHalfAnswers(), 'the lazy half was asked for and refused').to.include(503);
    expect(el.status).to.equal('error');
    expect(el.getAttribute('status')).to.equal('error');
    expect(el.matches(':state(error)')).to.equal(true);
    await el.updateComplete;
    expect(labelOf(el)).to.equal('Retry');
    expect(buttonOf(el).disabled).to.equal(false);
    expect(buttonOf(el).getAttribute('aria-busy')).to.equal('false');
    expect(liveRegionOf(el).textContent).to.not.equal('');
    const log = await kit.log();
    expect(log.tokenCalls[id], 'nothing was minted').to.equal(undefined);
    expect(log.streamConnects.filter((c) => c.tx === tx), 'nobody could follow the payment').to.have.length(0);
    await expect(el).to.be.accessible();
  });

  it('Retry goes back to the saved payment, however often the download fails, and never mints a second one', async () => {
    const id = orderId('resumeretry');
    const { el, tx } = await mountAfterFailedResume(id);

    // Still down: Retry says "Confirming…" again (the payment may settle), then the same typed error.
    const statuses = statusesOf(el);
    const again = oneEvent(el, 'mesh-error');
    buttonOf(el).click();
    expect((await again).detail).to.include({ code: 'MESH_PAY_SDK_LOAD_FAILED', retryable: true });
    expect(statuses, 'the saved payment, not a new one').to.deep.equal(['confirming', 'error']);

    // The network is back: Retry follows the saved payment where its stream stopped, until the server says paid.
    await kit.breakLazyHalf(false);
    buttonOf(el).click();
    await kit.streamConnected(tx);
    expect(el.status).to.equal('confirming');
    await kit.emit(tx, 'succeeded');
    await statusBecomes(el, 'succeeded');
    await el.updateComplete;
    expect(statuses, 'never "Preparing…": no payment was started').to.deep.equal(['confirming', 'error', 'confirming', 'succeeded']);
    expect(labelOf(el)).to.equal('Paid');
    const log = await kit.log();
    expect(log.tokenCalls[id], 'the token route was never called for this order').to.equal(undefined);
    expect(log.streamConnects.filter((c) => c.tx === tx).map((c) => c.lastEventId)).to.deep.equal(['1']);
    await expect(el).to.be.accessible();
  });
});
