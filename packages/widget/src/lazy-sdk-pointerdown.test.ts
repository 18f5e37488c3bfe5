// Runs in its own page: the SDK is a module-level singleton, so "not loaded yet" is only true once.
// A touch screen has no hover: the press itself is the first sign of intent, ~100 ms before its click.
import { expect, fixture, html, nextFrame, waitUntil } from '@open-wc/testing';
import './mesh-pay-button.js';
import { linkSdkRequested } from './link-loader.js';
import type { MeshPayButton } from './mesh-pay-button.component.js';
import { buttonOf, kit, orderId, requested } from '../test/browser-kit.js';

describe('a press starts loading Link', () => {
  it('fetches the SDK and the dialog half on pointerdown, and mints no token for a press that never became a click', async () => {
    const id = orderId('pressonly');
    const el = await fixture<MeshPayButton>(html`<mesh-pay-button token-url="/kit/token" order-id=${id}></mesh-pay-button>`);
    await nextFrame();
    expect(linkSdkRequested(), 'SDK asked for at render').to.equal(false);

    buttonOf(el).dispatchEvent(new PointerEvent('pointerdown', { bubbles: true, composed: true, pointerType: 'touch' }));
    await waitUntil(() => requested('__mesh-sdk__').length > 0, 'SDK requested after pointerdown', { timeout: 8000 });
    await waitUntil(() => requested('link-flow').length > 0, 'dialog half requested after pointerdown', { timeout: 8000 });
    // The finger slid off: no click. Nothing was minted and the button is still at rest.
    const log = await kit.log();
    expect(log.tokenCalls[id], 'token minted without a click').to.equal(undefined);
    expect(el.status).to.equal('idle');
  });
});
