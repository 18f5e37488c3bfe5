import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { hintContent, LinkDialog } from './link-dialog.js';
import { acquireLinkSession, type LinkSdk } from './link-loader.js';
import { LinkSession, type LinkSessionElement, type LinkSessionHost } from './link-session.js';
import type { MeshPayStrings } from './locales.js';
import { nextStatus } from './payment-machine.js';
import { warmUpFetch, type LinkTokenResponse } from './token-client.js';

/** What the Link session controller asks of its element, besides what one Link session asks. */
export interface LinkControllerHost extends Omit<LinkSessionHost, 'live' | 'teardown' | 'dialog'> {
  strings(): MeshPayStrings;
  /** The dialog's theme (`system` already resolved). */
  theme(): 'light' | 'dark';
  hasHint(): boolean;
  /** The customer backed out before Link: stop the token request. */
  abortToken(): void;
}

/**
 * Link for one element, as a Lit reactive controller (part of the lazily loaded half): the page's one
 * Link slot, the dialog (pre-flight hint, then Link), one `LinkSession` per attempt, what the
 * dialog's close button means, and tearing all of it down.
 */
export class LinkSessionController implements ReactiveController {
  #dialog: LinkDialog | undefined;
  /** The dialog a press made ahead of its click (closed, in the page), and the look it was made with. */
  #prepared: { dialog: LinkDialog; look: string } | undefined;
  #session: LinkSession | undefined;
  #release: (() => void) | undefined;
  /** A press's preparation, waiting for the press's own frame. */
  #preparing: Promise<void> | undefined;

  constructor(
    private readonly el: LinkSessionElement & HTMLElement & ReactiveControllerHost,
    private readonly host: LinkControllerHost,
  ) {
    el.addController(this);
  }

  /** True while this element holds the Link slot, a dialog or a session (a prepared dialog is not a flow). */
  get active(): boolean {
    return Boolean(this.#session || this.#dialog || this.#release);
  }

  /**
   * A press (pointerdown, Space) comes ~100 ms before its click: make Link's dialog now, closed and
   * in the page. Putting its iframe into the document makes the iframe's browsing context
   * (about:blank), the costliest step between the token's answer and `openLink` (~8 ms); here it
   * overlaps the press instead, and so does readying the page's fetch for the token request.
   * Nothing is shown and nothing is minted; the dialog waits for the click (or the next press) and
   * goes with `teardown()`. The work waits for the frame that shows the press (the pointerdown's own
   * task stays short: the button reacts at once); resolves once done or found unneeded.
   */
  prepare(): Promise<void> {
    this.#preparing ??= new Promise<void>((resolve) =>
      requestAnimationFrame(() =>
        setTimeout(() => {
          this.#preparing = undefined;
          // Only a click that starts a payment opens Link. An attempt under way (the click came
          // first) has its dialog already; a removed button needs none.
          if (this.el.isConnected && !this.active && nextStatus(this.el.status, 'start')) {
            if (this.el.tokenUrl) void warmUpFetch(this.el.tokenUrl);
            this.#ready();
          }
          resolve();
        }),
      ),
    );
    return this.#preparing;
  }

  /** Makes sure a dialog with the element's current look is in the page, closed (none for a bare overlay). */
  #ready(): void {
    if (this.el.renderType === 'overlay' && !this.host.hasHint()) return; // the SDK's own popup, no dialog of ours
    const look = this.#look();
    if (this.#prepared?.look === look && this.#prepared.dialog.host.isConnected) return;
    this.#prepared?.dialog.close();
    const dialog = this.#createDialog();
    document.body.append(dialog.host);
    this.#prepared = { dialog, look };
  }

  /**
   * Waits for the page's Link slot, shows the hint (when there is one) while the token and the SDK
   * arrive, then opens Link. `live()` turns false when the attempt is abandoned: then nothing more happens.
   * Called right after the token request left: a dialog no press prepared is made now, while the
   * token is on its way (Enter clicks in its own keydown's task, with no time before the request).
   */
  async open(live: () => boolean, token: Promise<LinkTokenResponse>, sdk: Promise<LinkSdk>): Promise<void> {
    this.#ready();
    const release = await acquireLinkSession();
    if (!live()) return release();
    this.#release = release;
    if (this.host.hasHint()) {
      const dialog = (this.#dialog = this.#takeDialog());
      const s = this.host.strings();
      const proceed = await dialog.showHint(hintContent(this.el, s.hintTitle, s.continue));
      if (!live()) return;
      if (!proceed) {
        this.host.abortToken();
        this.teardown(true);
        this.host.go('exit');
        this.host.emit('mesh-exit', { error: undefined, summary: undefined, reason: 'cancelled' });
        return;
      }
    }
    const minted = await token;
    const loaded = await sdk;
    if (!live()) return;
    this.#session = new LinkSession(
      this.el,
      {
        ...this.host,
        live,
        teardown: () => this.teardown(true),
        dialog: (keep) => {
          if (keep) return (this.#dialog ??= this.#takeDialog());
          this.#dialog?.close();
          return (this.#dialog = undefined);
        },
      },
      loaded,
    );
    this.#session.open(minted);
  }

  /** An element removed mid-flow (SPA navigation) closes Link and frees the page's Link slot. */
  hostDisconnected(): void {
    this.teardown(false);
  }

  /** Closes Link and the dialog (and a prepared one), frees the page's Link slot, returns focus to the button when asked. */
  teardown(returnFocus: boolean): void {
    this.#session?.close();
    this.#session = undefined;
    const dialog = this.#dialog;
    this.#dialog = undefined;
    dialog?.close(returnFocus && this.el.isConnected ? this.el : undefined);
    this.#prepared?.dialog.close();
    this.#prepared = undefined;
    this.#release?.();
    this.#release = undefined;
  }

  /**
   * The dialog a press prepared, when it still has the element's look; else a new one. Either way it
   * is in the page when returned: the SDK finds the iframe it is given by id.
   */
  #takeDialog(): LinkDialog {
    const prepared = this.#prepared;
    this.#prepared = undefined;
    let dialog = prepared?.dialog;
    if (prepared && prepared.look !== this.#look()) {
      prepared.dialog.close(); // the theme or the language changed since the press
      dialog = undefined;
    }
    dialog ??= this.#createDialog();
    if (!dialog.host.isConnected) document.body.append(dialog.host);
    return dialog;
  }

  /** What a dialog is made with: a prepared one is only used while this is unchanged. */
  #look(): string {
    const s = this.host.strings();
    return JSON.stringify([this.host.theme(), s.dialogLabel, s.iframeTitle, s.close]);
  }

  #createDialog(): LinkDialog {
    const s = this.host.strings();
    return new LinkDialog({
      label: s.dialogLabel,
      iframeTitle: s.iframeTitle,
      closeLabel: s.close,
      theme: this.host.theme(),
      onCloseRequested: () => this.#onCloseRequested(),
    });
  }

  /** Our close button or Escape: end the hint, ask Link to close, or (once it is paid or confirming) just close. */
  #onCloseRequested(): void {
    const dialog = this.#dialog;
    if (dialog?.hintShowing) {
      dialog.finishHint(false);
      return;
    }
    const settled = this.el.status === 'confirming' || this.el.status === 'succeeded' || this.el.status === 'failed';
    if (!this.#session?.requestClose(dialog) && settled) this.teardown(true);
  }
}
