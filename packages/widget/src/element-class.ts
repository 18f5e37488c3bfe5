/**
 * @mesh-pay/widget/element-class: the <mesh-pay-button> class and its types, WITHOUT registering a tag.
 *
 * For apps that own their custom element registry (scoped registries, micro-frontends, a tag name of
 * their own, tests): importing this module calls nothing, so it is free of side effects and a bundler
 * may drop it when unused. Register it yourself, once per constructor:
 * `customElements.define('acme-pay-button', class extends MeshPayButton {})`.
 */
export { MeshPayButton, type MeshPayTheme, type MeshPayRenderType } from './mesh-pay-button.component.js';
export type { MeshPayEventDetailMap, MeshPayEventName, MeshClickDetail, MeshOpenDetail, MeshExitDetail } from './events.js';
export type { MeshPayErrorCode, MeshPayErrorDetail } from './errors.js';
export type { PaymentStatus } from './payment-machine.js';
export type { TransferStatusEvent } from './status-stream.js';
