/**
 * Everything the button needs only once the customer shows intent (or a saved payment is resumed):
 * the dialog, the token and status clients. Imported lazily next to the Mesh SDK so the script-tag
 * entry stays within its size budget.
 */
export { LinkDialog } from './link-dialog.js';
export { requestLinkToken, saveIntegration } from './token-client.js';
export { openStatusStream } from './status-stream.js';
export { redactTokens } from './redact.js';
