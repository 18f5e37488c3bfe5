// Runs in its own page: the SDK is a module-level singleton, so "not loaded yet" is only true once.
import { expect, fixture, html, nextFrame, waitUntil } from '@open-wc/testing';
import './mesh-pay-button.js';
import { linkSdkRequested } from './link-loader.js';
import type { MeshPayButton } from './mesh-pay-button.component.js';
import { buttonOf, kit, orderId, requested } from '../test/browser-kit.js';

const key = (el: Element, name: string) => el.dispatchEvent(new KeyboardEvent('keydown', { key: name, bubbles: true, composed: true }));

describe('a keyboard press starts loading Link', () => {
  // Focus reaches the button before any key, and fetches Link's code by itself (lazy-sdk-focus): here
  // a key arrives alone, so only the key can have asked.
  it('fetches the SDK on a key press without minting a token, and Tab or a letter never mints one either', async () => {
    const id = orderId('keypress');
    const el = await fixture<MeshPayButton>(html`<mesh-pay-button token-url="/kit/token" order-id=${id}></mesh-pay-button>`);
    await nextFrame();
    expect(linkSdkRequested(), 'SDK asked for before any intent').to.equal(false);

    key(buttonOf(el), 'Enter');
    // The press loads the button's lazy half, which asks for the SDK at once.
    await waitUntil(() => linkSdkRequested(), 'SDK asked for on Enter', { timeout: 8000 });
    await waitUntil(() => requested('__mesh-sdk__').length > 0, 'SDK requested after Enter', { timeout: 8000 });
    key(buttonOf(el), 'Tab');
    key(buttonOf(el), 'a');
    await nextFrame();
    expect((await kit.log()).tokenCalls[id], 'token minted on a key alone').to.equal(undefined);
    expect(el.status).to.equal('idle');
  });
});
