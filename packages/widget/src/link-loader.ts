import { MeshPayError } from './errors.js';

/** The part of `@meshconnect/web-link-sdk` the button uses. */
export type LinkSdk = typeof import('@meshconnect/web-link-sdk');

declare global {
  interface Window {
    /** Read by the Mesh SDK when it is imported: true skips its hidden prewarm iframe. */
    meshLinkShouldSkipPrewarm?: boolean;
  }
}

let sdk: Promise<LinkSdk> | undefined;

/**
 * Imports the Mesh SDK once, on intent only (pointer enter, focus, click): importing it touches
 * `window` and, unless told otherwise, adds a prewarm iframe to a third-party origin, which a
 * merchant should not pay for on every page view.
 */
export function loadLinkSdk(options: { prewarm?: boolean } = {}): Promise<LinkSdk> {
  if (!sdk) {
    if (!options.prewarm && window.meshLinkShouldSkipPrewarm === undefined) window.meshLinkShouldSkipPrewarm = true;
    sdk = import('@meshconnect/web-link-sdk').catch((cause: unknown) => {
      sdk = undefined; // a flaky network must not poison every later attempt
      throw new MeshPayError('MESH_PAY_SDK_LOAD_FAILED', 'Could not load the Mesh Link SDK', { retryable: true, cause });
    });
  }
  return sdk;
}

/** True once the SDK import has been asked for (for tests and diagnostics). */
export function linkSdkRequested(): boolean {
  return sdk !== undefined;
}

let queue: Promise<void> = Promise.resolve();

/**
 * The SDK keeps its state in module variables, so only one Link session may run per page.
 * Buttons queue here; the returned function releases the slot for the next one.
 */
export function acquireLinkSession(): Promise<() => void> {
  let release!: () => void;
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const turn = queue.then(() => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  });
  queue = queue.then(() => mine);
  return turn;
}
