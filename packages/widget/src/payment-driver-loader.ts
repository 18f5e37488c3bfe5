/** The lazily loaded half of the button: the payment driver, the dialog, the token and status clients. */
export type LinkFlow = typeof import('./link-flow.js');

/**
 * Imports the button's lazy half. The browser's module map makes it one download for every button
 * on the page, and a failed download is tried again on the next call. In the entry, so it rejects
 * with the browser's own error: the typed `MESH_PAY_SDK_LOAD_FAILED` is made where it is reported.
 */
export function loadLinkFlow(): Promise<LinkFlow> {
  return import('./link-flow.js');
}
