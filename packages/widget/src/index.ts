/**
 * @mesh-pay/widget: <mesh-pay-button> and the pieces it is built from.
 *
 * Importing this module registers <mesh-pay-button> (through `define()`, which is a no-op when the tag
 * is already defined or when there is no `customElements` registry). Nothing else runs at import:
 * no `window`/`document` access, no SDK download (Mesh's SDK is imported on the first intent).
 */
export { MeshPayButton, define, MESH_PAY_BUTTON_TAG } from './mesh-pay-button.js';
export type { MeshPayTheme, MeshPayRenderType } from './mesh-pay-button.component.js';
// The SDK's payload types are event details too (the framework typings in dist/types import them from here).
export type { LinkPayload, TransferFinishedPayload, LinkEventType, SessionSummary } from '@meshconnect/web-link-sdk';
export type { MeshPayEventDetailMap, MeshPayEventName, MeshClickDetail, MeshOpenDetail, MeshExitDetail } from './events.js';
export { MeshPayError, type MeshPayErrorCode, type MeshPayErrorDetail } from './errors.js';
export { PAYMENT_STATUSES, transition, nextStatus, isBusy, InvalidTransitionError, type PaymentStatus, type PaymentEvent } from './payment-machine.js';
export type { TransferStatusEvent, StreamExpiredEvent } from './status-stream.js';
export type { MeshExitReason } from './link-exit.js';
export { MESH_FIAT_CURRENCIES, type MeshFiatCurrency } from './fiat-currency.js';
export { observeCreateLink, type MeshLinkOptions } from './link-create.js';
export type { LinkTokenResponse } from './token-client.js';
export { LOCALES, LOCALE_LOADERS, loadLocale, stringsFor, type MeshPayStrings, type MeshPayStringOverrides } from './locales.js';
export { isInAppBrowser } from './webview-detect.js';
export { redactTokens } from './redact.js';
