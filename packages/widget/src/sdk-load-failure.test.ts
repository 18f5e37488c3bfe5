// Runs in its own page: the SDK import is a module-level singleton.
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import './mesh-pay-button.js';
import type { MeshPayButton } from './mesh-pay-button.component.js';
import { buttonOf, labelOf } from '../test/browser-kit.js';

async function breakSdk(broken: boolean): Promise<void> {
  await fetch('/kit/sdk', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ broken }) });
}

describe('when the Mesh SDK cannot be downloaded', () => {
  after(() => breakSdk(false));

  it('reports MESH_PAY_SDK_LOAD_FAILED and offers Retry', async () => {
    await breakSdk(true);
    const el = await fixture<MeshPayButton>(html`<mesh-pay-button token-url="/kit/token" order-id="sdk-down-1"></mesh-pay-button>`);
    const failed = oneEvent(el, 'mesh-error');
    buttonOf(el).click();
    const { detail } = await failed;
    expect(detail).to.include({ code: 'MESH_PAY_SDK_LOAD_FAILED', retryable: true });
    expect(el.status).to.equal('error');
    await el.updateComplete;
    expect(labelOf(el)).to.equal('Retry');

    // The CDN is back: Retry loads the SDK and Link opens.
    await breakSdk(false);
    const outcome = Promise.race([oneEvent(el, 'mesh-open').then(() => 'open'), oneEvent(el, 'mesh-error').then((e) => `error ${e.detail.code}`)]);
    buttonOf(el).click();
    expect(await outcome).to.equal('open');
  });
});
