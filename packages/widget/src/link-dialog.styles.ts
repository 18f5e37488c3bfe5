/**
 * The Link dialog's shadow styles. The page's CSS reaches nothing in the shadow root, only the
 * light-DOM host and the slotted iframe: those two are pinned with `!important`, which beats the
 * page's own `!important` (for important declarations the shadow tree's win). Every visual decision
 * is a `--mesh-pay-dialog-*` property; custom properties inherit through the shadow boundary (and
 * `all` never resets them), so a page sets them on `mesh-pay-dialog`, `body` or `:root`.
 */
export const LINK_DIALOG_CSS = `
:host {
  all: initial !important;
  display: contents !important;
  /* The page's typeface suits its dialog; its sizes and resets do not. */
  font-family: inherit !important;
}
[hidden] { display: none !important; }
.dialog {
  box-sizing: border-box;
  width: min(430px, 100vw);
  height: min(710px, 100dvh);
  max-width: 100vw;
  max-height: 100dvh;
  padding: 0;
  border: none;
  border-radius: var(--mesh-pay-dialog-radius, 24px);
  background: var(--mesh-pay-dialog-background, #ffffff);
  color: var(--mesh-pay-dialog-color, #111827);
  overflow: hidden;
  overscroll-behavior: contain;
  font: inherit;
  font-size: medium;
  line-height: 1.5;
}
.dialog[data-theme='dark'] {
  background: var(--mesh-pay-dialog-background, #111827);
  color: var(--mesh-pay-dialog-color, #f9fafb);
}
.dialog::backdrop { background: var(--mesh-pay-dialog-backdrop, rgb(0 0 0 / 0.6)); }
.dialog[open] { display: flex; flex-direction: column; }
/* Focus lands on the dialog itself once our close button hides (Escape keeps working there). */
.dialog:focus { outline: none; }
/* A row of its own above Link: Link's page draws its own close button top-right, and ours must
   never sit on top of it. Ours hides once Link says it loaded, and stays the way out when it does not. */
.close {
  flex: none; align-self: flex-end; margin: 4px 4px 0 0;
  inline-size: 44px; block-size: 44px; padding: 0;
  border: none; border-radius: 50%;
  background: transparent; color: inherit; font: inherit; font-size: 24px; line-height: 1; cursor: pointer;
}
.close:focus-visible, .continue:focus-visible {
  outline: 3px solid var(--mesh-pay-dialog-focus-ring, #2563eb); outline-offset: 2px;
}
.hint { padding: 4px 24px 24px; overflow: auto; overscroll-behavior: contain; }
.hint h2 { margin: 0 0 12px; font-size: 1.25rem; }
.continue {
  margin-top: 16px; padding: 12px 20px; border: none; border-radius: 10px;
  background: var(--mesh-pay-dialog-accent, #111827); color: var(--mesh-pay-dialog-accent-text, #ffffff);
  font: inherit; font-weight: 600; cursor: pointer;
}
.dialog[data-theme='dark'] .continue {
  background: var(--mesh-pay-dialog-accent, #f9fafb); color: var(--mesh-pay-dialog-accent-text, #111827);
}
.frame { flex: 1; position: relative; min-block-size: 0; }
/* The iframe stays in the light DOM (the SDK finds it by id), so a theme's \`iframe { height: 0 }\`
   or \`* { all: revert !important }\` reaches it: every property that matters is pinned. */
::slotted(iframe) {
  all: initial !important;
  display: block !important;
  position: absolute !important;
  inset: 0 !important;
  inline-size: 100% !important;
  block-size: 100% !important;
  border: none !important;
  visibility: visible !important;
}
@media (max-width: 480px) {
  .dialog { width: 100vw; height: 100dvh; border-radius: 0; }
}
`;
