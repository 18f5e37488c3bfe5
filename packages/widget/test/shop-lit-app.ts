// A shop's own front end, built with its own copy of Lit (bundled by the test as a merchant's build
// would): one element rendered from a Lit template, so this copy creates its `lit-html` policy too.
import { LitElement, html } from 'lit';

export class ShopGreeting extends LitElement {
  override render() {
    return html`<p part="greeting">Welcome back</p>`;
  }
}
customElements.define('shop-greeting', ShopGreeting);
