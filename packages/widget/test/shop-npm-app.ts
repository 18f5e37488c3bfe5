// A shop's own front end built with Lit AND the button from npm (`@mesh-pay/widget` keeps `lit`
// external), as its bundler would ship it: one copy of Lit for both, so one `lit-html` policy.
// The README's bare import must survive the bundler's tree shaking (package.json `sideEffects`).
import '@mesh-pay/widget';

// Re-exported, not bare-imported: this fixture sits inside the widget package, whose `sideEffects` list omits tests.
export { ShopGreeting } from './shop-lit-app.js';
