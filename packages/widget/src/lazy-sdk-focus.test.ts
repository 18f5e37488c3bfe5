// Runs in its own page: the SDK is a module-level singleton, so "not loaded yet" is only true once.
import { expect, fixture, html, nextFrame, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import './mesh-pay-button.js';
import { linkSdkRequested, loadLinkSdk } from './link-loader.js';
import type { MeshPayButton } from './mesh-pay-button.component.js';
import { requested } from '../test/browser-kit.js';

describe('loading the Mesh SDK on keyboard intent', () => {
  it('starts loading when the button receives keyboard focus, without a prewarm iframe', async () => {
    const wrapper = await fixture<HTMLDivElement>(html`<div><button id="before">before</button><mesh-pay-button token-url="/kit/token"></mesh-pay-button></div>`);
    const el = wrapper.querySelector<MeshPayButton>('mesh-pay-button')!;
    await el.updateComplete;
    wrapper.querySelector<HTMLButtonElement>('#before')!.focus();
    await nextFrame();
    expect(requested('__mesh-sdk__')).to.have.length(0);
    expect(linkSdkRequested()).to.equal(false);
    await sendKeys({ press: 'Tab' });
    expect(document.activeElement).to.equal(el);
    await waitUntil(() => requested('__mesh-sdk__').length > 0, 'SDK requested after focus', { timeout: 8000 });
    expect(window.meshLinkShouldSkipPrewarm).to.equal(true);
    // The prewarm iframe would load a third-party page on every visit; it must not appear.
    const sdk = await loadLinkSdk(); // the same promise the element started
    expect(typeof sdk.createLink).to.equal('function');
    expect(document.getElementById('mesh-link-prewarm-container')).to.equal(null);
  });
});
