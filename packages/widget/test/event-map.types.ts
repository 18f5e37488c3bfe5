// A type test, checked by `npm run typecheck` (not run): the button's events are typed wherever they
// can be heard, on the element, on the document (they bubble and are composed) and on the window.
// Every `@ts-expect-error` below must stay an error, or the typecheck fails.
import type { MeshPayButton } from '../src/mesh-pay-button.js';
import type { MeshPayErrorCode } from '../src/errors.js';
import type { MeshExitReason } from '../src/link-exit.js';

document.addEventListener('mesh-status', (e) => {
  const status: string = e.detail.status;
  const transferId: string = e.detail.transferId;
  const resumeFrom: string = e.detail.eventId;
  // @ts-expect-error a misspelled field of the status event does not exist
  void e.detail.statuz;
  void [status, transferId, resumeFrom];
});

window.addEventListener('mesh-error', (e) => {
  const code: MeshPayErrorCode = e.detail.code;
  const retryable: boolean = e.detail.retryable;
  // @ts-expect-error the error detail's code is a known code, not any number
  const wrong: number = e.detail.code;
  void [code, retryable, wrong];
});

declare const button: MeshPayButton;
button.addEventListener('mesh-exit', (e) => {
  const reason: MeshExitReason = e.detail.reason;
  void reason;
});
button.addEventListener('mesh-click', (e) => {
  e.preventDefault();
  const orderId: string | undefined = e.detail.orderId;
  void orderId;
});

// @ts-expect-error a misspelled event name has no detail
document.addEventListener('mesh-statuz', (e) => void e.detail);
