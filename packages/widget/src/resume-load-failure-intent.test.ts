// Runs in its own page: once a page has the lazily loaded half, the browser never asks the network for it again.
import { expect, waitUntil } from '@open-wc/testing';
import { resetMouse, sendMouse } from '@web/test-runner-commands';
import './mesh-pay-button.js';
import type { MeshPayButton } from './mesh-pay-button.component.js';
import { kit, labelOf, lazyHalfAnswers, mountAfterFailedResume, openDialogs, orderId, statusBecomes, statusesOf } from '../test/browser-kit.js';

async function pointerOver(el: MeshPayButton): Promise<void> {
  const box = el.getBoundingClientRect();
  await sendMouse({ type: 'move', position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)] });
}

async function pointerAway(el: MeshPayButton): Promise<void> {
  const box = el.getBoundingClientRect();
  await sendMouse({ type: 'move', position: [Math.round(box.right + 40), Math.round(box.bottom + 40)] });
}

describe('a reload whose payment could not be followed, once the network comes back by itself', () => {
  after(async () => {
    await kit.breakLazyHalf(false);
    await resetMouse();
  });

  it('the next time the pointer comes near, the button follows the saved payment: it starts nothing', async () => {
    const id = orderId('resumeintent');
    const { el, tx } = await mountAfterFailedResume(id);
    const statuses = statusesOf(el);
    const errors: unknown[] = [];
    el.addEventListener('mesh-error', (event) => errors.push(event.detail));

    // Still down: the pointer's visit asks again, quietly (only a click reports a failure).
    await pointerOver(el);
    await waitUntil(() => lazyHalfAnswers().filter((status) => status === 503).length === 2, 'the lazy half was asked for again', { timeout: 8000 });
    await pointerAway(el);
    expect(el.status).to.equal('error');

    await kit.breakLazyHalf(false);
    await pointerOver(el);
    await statusBecomes(el, 'confirming');
    await kit.streamConnected(tx);
    await kit.emit(tx, 'succeeded');
    await statusBecomes(el, 'succeeded');
    await el.updateComplete;
    expect(labelOf(el)).to.equal('Paid');
    expect(statuses, 'the saved payment, followed again').to.deep.equal(['confirming', 'succeeded']);
    expect(errors, 'no error for a download the customer did not ask for').to.deep.equal([]);
    expect(openDialogs(), 'Link never opened').to.have.length(0);
    const log = await kit.log();
    expect(log.tokenCalls[id], 'nothing was minted').to.equal(undefined);
    expect(log.streamConnects.filter((c) => c.tx === tx).map((c) => c.lastEventId)).to.deep.equal(['1']);
    await expect(el).to.be.accessible();
  });
});
