// The page-weight baseline: a pay button that imports Mesh's SDK up front, as the SDK's README shows,
// written with lit like ours. Bundled by test/bench/page-weight.ts; never served.
import { createLink } from '@meshconnect/web-link-sdk';
import { LitElement, html } from 'lit';

class EagerPayButton extends LitElement {
  static properties = { linkToken: { attribute: 'link-token' } };

  render() {
    return html`<button @click=${() => createLink({ onIntegrationConnected() {} }).openLink(this.linkToken)}>Pay with crypto</button>`;
  }
}

customElements.define('eager-pay-button', EagerPayButton);
