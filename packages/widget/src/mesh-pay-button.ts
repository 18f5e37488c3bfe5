import { MeshPayButton } from './mesh-pay-button.component.js';
import type { MeshPayEventDetailMap } from './events.js';

export { MeshPayButton };

/** The tag name the element registers under. */
export const MESH_PAY_BUTTON_TAG = 'mesh-pay-button';

/**
 * Registers <mesh-pay-button>. Safe to call any number of times and from several bundles: when the
 * tag is already defined it does nothing (instead of throwing like `customElements.define`).
 * Does nothing where there is no `customElements` registry (Node, SSR without a DOM shim).
 */
export function define(tagName: string = MESH_PAY_BUTTON_TAG): void {
  if (typeof customElements === 'undefined' || customElements.get(tagName)) return;
  // A subclass per extra tag: one constructor cannot be registered under two names.
  customElements.define(tagName, tagName === MESH_PAY_BUTTON_TAG ? MeshPayButton : class extends MeshPayButton {});
}

define();

declare global {
  interface HTMLElementTagNameMap {
    'mesh-pay-button': MeshPayButton;
  }
  // On the map HTMLElementEventMap, DocumentEventMap and WindowEventMap all extend: the events bubble
  // and are composed, so `document.addEventListener('mesh-status', (e) => e.detail.status)` type-checks too.
  interface GlobalEventHandlersEventMap {
    'mesh-click': CustomEvent<MeshPayEventDetailMap['mesh-click']>;
    'mesh-open': CustomEvent<MeshPayEventDetailMap['mesh-open']>;
    'mesh-integration-connected': CustomEvent<MeshPayEventDetailMap['mesh-integration-connected']>;
    'mesh-transfer-finished': CustomEvent<MeshPayEventDetailMap['mesh-transfer-finished']>;
    'mesh-exit': CustomEvent<MeshPayEventDetailMap['mesh-exit']>;
    'mesh-event': CustomEvent<MeshPayEventDetailMap['mesh-event']>;
    'mesh-status': CustomEvent<MeshPayEventDetailMap['mesh-status']>;
    'mesh-error': CustomEvent<MeshPayEventDetailMap['mesh-error']>;
  }
}
