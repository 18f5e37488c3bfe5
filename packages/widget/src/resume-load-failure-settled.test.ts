// Runs in its own page: once a page has the lazily loaded half, the browser never asks the network for it again.
import { expect, oneEvent } from '@open-wc/testing';
import './mesh-pay-button.js';
import { buttonOf, kit, labelOf, mount, orderId, saveConfirmingPayment, statusBecomes } from '../test/browser-kit.js';

describe('a reload whose saved payment can no longer settle, when the button could not download the rest of itself', () => {
  after(async () => {
    await kit.breakLazyHalf(false);
  });

  it('Retry learns so (the server failed it, or the record is not one to trust), and the customer may pay again', async () => {
    // Two orders on the page: one whose transfer the server already failed, one whose record points
    // at a status stream on someone else's origin (sessionStorage is writable by any script).
    const failedId = orderId('resumefailed');
    const failedTx = await saveConfirmingPayment(failedId, { status: 'failed' });
    await kit.emit(failedTx, 'failed');
    const staleId = orderId('resumestale');
    const staleKey = `mesh-pay:/kit/token#${staleId}`;
    await saveConfirmingPayment(staleId, { statusUrl: 'https://attacker.example/status/tx?cap=x' });
    await kit.breakLazyHalf(true);
    const failedEl = await mount(failedId);
    const staleEl = await mount(staleId);
    // Until the button has heard the server, neither looks payable.
    expect(failedEl.status).to.be.oneOf(['confirming', 'error']);
    expect(staleEl.status).to.be.oneOf(['confirming', 'error']);
    await statusBecomes(failedEl, 'error');
    await statusBecomes(staleEl, 'error');

    await kit.breakLazyHalf(false);
    buttonOf(failedEl).click();
    await statusBecomes(failedEl, 'failed');
    await failedEl.updateComplete;
    expect(labelOf(failedEl)).to.equal('Payment failed. Retry');
    buttonOf(staleEl).click();
    await statusBecomes(staleEl, 'idle');
    await staleEl.updateComplete;
    expect(labelOf(staleEl)).to.equal('Pay with crypto');
    expect(sessionStorage.getItem(staleKey), 'the untrusted record is dropped').to.equal(null);
    const log = await kit.log();
    expect(log.streamConnects.some((c) => c.tx === failedTx), 'the failed payment was asked about').to.equal(true);
    expect(log.tokenCalls[failedId]).to.equal(undefined);
    expect(log.tokenCalls[staleId]).to.equal(undefined);
    await failedEl.updateComplete;
    await staleEl.updateComplete;
    await expect(failedEl).to.be.accessible();
    await expect(staleEl).to.be.accessible();

    // Now a click pays: a new payment for each order, and Link opens.
    for (const [id, el] of [[failedId, failedEl], [staleId, staleEl]] as const) {
      await kit.scenario(id, { link: 'idle' });
      const opened = oneEvent(el, 'mesh-open');
      buttonOf(el).click();
      await opened;
      expect((await kit.log()).tokenCalls[id], `one new payment for ${id}`).to.equal(1);
      el.reset();
    }
  });
});
