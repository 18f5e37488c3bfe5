/** The lazily loaded half of the button: the payment driver, the dialog, the token and status clients. */
export type LinkFlow = typeof import('./link-flow.js');

let flow: Promise<LinkFlow> | undefined;

/**
 * Imports the button's lazy half once; a failed download may be retried. In the entry, so it rejects
 * with the browser's own error: the typed `MESH_PAY_SDK_LOAD_FAILED` is made where it is reported.
 */
export function loadLinkFlow(): Promise<LinkFlow> {
  flow ??= import('./link-flow.js').catch((cause: unknown) => {
    flow = undefined;
    throw cause;
  });
  return flow;
}
