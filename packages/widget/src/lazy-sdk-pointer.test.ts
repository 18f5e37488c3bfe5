// Runs in its own page: the SDK is a module-level singleton, so "not loaded yet" is only true once.
import { expect, fixture, html, nextFrame, waitUntil } from '@open-wc/testing';
import './mesh-pay-button.js';
import { linkSdkRequested, loadLinkSdk } from './link-loader.js';
import type { MeshPayButton } from './mesh-pay-button.component.js';
import { requested } from '../test/browser-kit.js';

describe('loading the Mesh SDK on intent', () => {
  it('fetches nothing of Link before the pointer comes near, then loads it without prewarming', async () => {
    const el = await fixture<MeshPayButton>(html`<mesh-pay-button token-url="/kit/token"></mesh-pay-button>`);
    await nextFrame();
    await nextFrame();
    expect(requested('__mesh-sdk__'), 'SDK requested at render').to.have.length(0);
    expect(linkSdkRequested()).to.equal(false);
    expect(requested('link-flow'), 'dialog half requested at render').to.have.length(0);
    expect(window.meshLinkShouldSkipPrewarm).to.equal(undefined);

    el.dispatchEvent(new PointerEvent('pointerenter'));
    await waitUntil(() => requested('__mesh-sdk__').length > 0, 'SDK requested after pointerenter', { timeout: 8000 });
    expect(window.meshLinkShouldSkipPrewarm).to.equal(true);
    await waitUntil(() => requested('link-flow').length > 0, 'dialog half requested after pointerenter');
    // The SDK module really ran (it registers nothing global we could see otherwise): no prewarm iframe.
    const sdk = await loadLinkSdk(); // the same promise the element started
    expect(typeof sdk.createLink).to.equal('function');
    expect(document.getElementById('mesh-link-prewarm-container')).to.equal(null);
  });
});
