/**
 * Everything the button needs only once the customer shows intent (or a saved payment is resumed):
 * the payment driver (token request, Link, status stream, the payment machine beyond idle), the
 * dialog and the English strings of those states. Imported lazily next to the Mesh SDK so the
 * script-tag entry stays within its size budget.
 */
import { completeEnglish } from './locales.js';
import enAfterIntent from './locales/en-after-intent.js';

completeEnglish(enAfterIntent);

export { PaymentDriver } from './payment-driver.js';
export { paymentDriverStyles } from './payment-driver.styles.js';
export { openStatusStream } from './status-stream.js';
