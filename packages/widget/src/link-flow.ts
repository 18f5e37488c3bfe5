/**
 * Everything the button needs only once the customer shows intent (or a saved payment is resumed):
 * the dialog, the token and status clients, and the decisions behind them. Imported lazily next to
 * the Mesh SDK so the script-tag entry stays within its size budget.
 */
import { completeEnglish } from './locales.js';
import enAfterIntent from './locales/en-after-intent.js';

completeEnglish(enAfterIntent);

export { LinkDialog, hintContent } from './link-dialog.js';
export { requestLinkToken, saveIntegration, withPaymentLink } from './token-client.js';
export { openStatusStream } from './status-stream.js';
export { redactTokens } from './redact.js';
export { createLink } from './link-create.js';
export { decideExit, exitError, TRANSFER_STARTED_EVENTS } from './link-exit.js';
export { displayFiatCurrency } from './fiat-currency.js';
export { renderWebview } from './webview-view.js';
export { LinkSession } from './link-session.js';
