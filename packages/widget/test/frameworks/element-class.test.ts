// A page that owns its custom element registry: it imports the class from `@mesh-pay/widget/element-class`,
// which registers nothing, and defines it under a tag of its own.
import { expect, waitUntil } from '@open-wc/testing';
import { MeshPayButton } from '@mesh-pay/widget/element-class';

describe('@mesh-pay/widget/element-class', () => {
  it('registers no tag on import, and the class works under the tag the page chooses', async () => {
    expect(customElements.get('mesh-pay-button'), 'nothing registered by the import').to.equal(undefined);
    customElements.define('acme-pay-button', class extends MeshPayButton {});
    expect(customElements.get('mesh-pay-button')).to.equal(undefined);

    document.body.insertAdjacentHTML('beforeend', '<acme-pay-button token-url="/kit/token" order-id="acme-1" label="Pay Acme"></acme-pay-button>');
    const el = document.querySelector('acme-pay-button')!;
    expect(el).to.be.instanceOf(MeshPayButton);
    const button = el as MeshPayButton;
    await button.updateComplete;
    expect(button.status).to.equal('idle');
    const label = () => button.shadowRoot?.querySelector('[part~="label"]')?.textContent?.trim();
    await waitUntil(() => label() === 'Pay Acme', 'the renamed element renders its label', { timeout: 15000 });
    el.remove();
  });
});
