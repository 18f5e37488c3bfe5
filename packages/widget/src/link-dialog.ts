import { LINK_DIALOG_CSS } from './link-dialog.styles.js';
import { lockPageScroll } from './page-scroll-lock.js';

/**
 * The native <dialog> that hosts Link in embedded mode, built to survive any theme. Only the iframe
 * stays in the LIGHT DOM, a child of the `<mesh-pay-dialog>` host, because the SDK finds it with
 * `document.getElementById`; the dialog, our close button, the hint and its Continue live in the
 * host's shadow root, where the page's CSS cannot reach them, and the iframe is slotted into the
 * dialog (a slotted child renders inside the top-layer dialog and stays findable by id). Styles are a
 * constructable stylesheet adopted by that shadow root: no <style> element, no `style=""`, so a
 * strict `style-src 'self'` allows them.
 */

let sheet: CSSStyleSheet | undefined;

/** The dialog's stylesheet, created on first use (never at import: the module loads lazily, and Node imports it). */
function dialogStyles(): CSSStyleSheet {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(LINK_DIALOG_CSS);
  }
  return sheet;
}

/** The light-DOM host's tag; never registered (a plain element is enough to host a shadow root). */
const LINK_DIALOG_TAG = 'mesh-pay-dialog';

let counter = 0;

export interface LinkDialogOptions {
  label: string;
  iframeTitle: string;
  closeLabel: string;
  theme: 'light' | 'dark';
  /** Escape or the close button: the owner decides (ask Link to close, or cancel the hint). */
  onCloseRequested: () => void;
}

export interface HintContent {
  title: string;
  continueLabel: string;
  /** Steps from the `hint` attribute. */
  steps: readonly string[];
  /** Copies of the nodes slotted into `hint`. */
  nodes: readonly Node[];
}

/** The hint step's content from the element: its `hint` steps (split at `|`) and copies of its `slot="hint"` children. */
export function hintContent(host: Element & { hint?: string | undefined }, title: string, continueLabel: string): HintContent {
  const steps = (host.hint ?? '')
    .split('|')
    .map((step) => step.trim())
    .filter(Boolean);
  const nodes = [...host.querySelectorAll(':scope > [slot="hint"]')].map((node) => {
    const copy = node.cloneNode(true) as Element;
    copy.removeAttribute('slot');
    return copy;
  });
  return { title, continueLabel, steps, nodes };
}

export class LinkDialog {
  /** The light-DOM host appended to <body>: the iframe's parent, the shadow root's host. */
  readonly host: HTMLElement;
  /** The <dialog> inside the host's shadow root. */
  readonly element: HTMLDialogElement;
  readonly iframe: HTMLIFrameElement;
  readonly iframeId: string;
  private readonly shadow: ShadowRoot;
  private readonly closeButton: HTMLButtonElement;
  private readonly hint: HTMLElement;
  private readonly frame: HTMLElement;
  private hintDone: ((proceed: boolean) => void) | undefined;
  private closing = false;
  private closeRequests = 0;
  private releaseScroll: (() => void) | undefined;
  private readonly onCancel = (event: Event) => {
    // Escape: Link (or the hint) decides how to close, the dialog must not vanish under it.
    event.preventDefault();
    this.options.onCloseRequested();
  };
  /**
   * Link's page tells its parent `loaded` once it can take over (it draws its own close button) and
   * `close`/`done` when it goes away. Only messages from our own iframe's window count.
   */
  private readonly onMessage = (event: MessageEvent) => {
    if (event.source === null || event.source !== this.iframe.contentWindow) return;
    const type = (event.data as { type?: unknown } | null)?.type;
    if (type === 'loaded') this.linkLoaded(true);
    else if (type === 'close' || type === 'done') this.linkLoaded(false);
  };

  constructor(private readonly options: LinkDialogOptions) {
    counter += 1;
    this.iframeId = `mesh-pay-link-frame-${counter}`;
    const host = document.createElement(LINK_DIALOG_TAG);
    this.shadow = host.attachShadow({ mode: 'open' });
    this.shadow.adoptedStyleSheets = [dialogStyles()];

    const dialog = document.createElement('dialog');
    dialog.className = 'dialog';
    dialog.part.add('dialog');
    dialog.dataset.theme = options.theme;
    dialog.setAttribute('aria-label', options.label);
    // Focusable itself, so focus has somewhere to go (and Escape still reaches it) once our close button hides.
    dialog.tabIndex = -1;

    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'close';
    close.part.add('close');
    close.setAttribute('aria-label', options.closeLabel);
    close.textContent = '×';
    close.addEventListener('click', () => options.onCloseRequested());

    this.hint = document.createElement('section');
    this.hint.className = 'hint';
    this.hint.part.add('hint');
    this.hint.hidden = true;

    this.frame = document.createElement('div');
    this.frame.className = 'frame';
    this.frame.hidden = true;
    this.frame.append(document.createElement('slot'));

    const iframe = document.createElement('iframe');
    iframe.id = this.iframeId;
    iframe.title = options.iframeTitle;
    host.append(iframe);

    dialog.append(close, this.hint, this.frame);
    this.shadow.append(dialog);
    dialog.addEventListener('cancel', this.onCancel);
    // Chromium may close a modal itself after repeated Escape presses without user activation.
    dialog.addEventListener('close', () => {
      if (!this.closing) options.onCloseRequested();
    });
    window.addEventListener('message', this.onMessage);
    this.host = host;
    this.element = dialog;
    this.closeButton = close;
    this.iframe = iframe;
  }

  private show(): void {
    if (!this.host.isConnected) document.body.append(this.host);
    if (!this.element.open) this.element.showModal();
    this.releaseScroll ??= lockPageScroll(this.host);
  }

  /** Link took over (its own close button shows) or went away (ours is the way out again). */
  private linkLoaded(loaded: boolean): void {
    if (this.frame.hidden) return;
    const hadFocus = this.shadow.activeElement === this.closeButton;
    this.closeButton.hidden = loaded;
    // Never leave focus on a hidden button: the dialog itself takes it, where Escape still asks Link to close.
    if (loaded && hadFocus) this.element.focus();
  }

  /** Shows the pre-flight hint; resolves true on Continue, false when closed instead. */
  showHint(content: HintContent): Promise<boolean> {
    const title = document.createElement('h2');
    title.textContent = content.title;
    const body: Node[] = [title];
    if (content.steps.length > 0) {
      const list = document.createElement('ol');
      for (const step of content.steps) {
        const item = document.createElement('li');
        item.textContent = step;
        list.append(item);
      }
      body.push(list);
    }
    body.push(...content.nodes);
    const proceed = document.createElement('button');
    proceed.type = 'button';
    proceed.className = 'continue';
    proceed.part.add('continue');
    proceed.textContent = content.continueLabel;
    body.push(proceed);
    this.hint.replaceChildren(...body);
    this.hint.hidden = false;
    this.show();
    proceed.focus();
    return new Promise((resolve) => {
      this.hintDone = resolve;
      proceed.addEventListener('click', () => this.finishHint(true), { once: true });
    });
  }

  /** Ends the hint step (false = the customer closed it). */
  finishHint(proceed: boolean): boolean {
    const done = this.hintDone;
    if (!done) return false;
    this.hintDone = undefined;
    this.hint.hidden = true;
    this.hint.replaceChildren();
    done(proceed);
    return true;
  }

  /** True while the hint step is showing. */
  get hintShowing(): boolean {
    return this.hintDone !== undefined;
  }

  /** Shows the (empty) iframe the SDK will point at Link; returns its id for `openLink`. */
  showLink(): string {
    // A new Link page (first open or a re-mint): ours is the way out until it says it loaded.
    this.closeButton.hidden = false;
    this.frame.hidden = false;
    // showModal() focuses the close button; after the hint, Continue is gone: focus the close button
    // too, so Escape and Tab (into Link) work from there.
    const wasOpen = this.element.open;
    this.show();
    if (wasOpen && !this.shadow.activeElement && document.activeElement !== this.iframe) this.closeButton.focus();
    return this.iframeId;
  }

  /**
   * The customer asked to close while Link shows. First ask Link to close gracefully (it may confirm
   * with the customer); insist the second time, when Link has not loaded yet (nobody there to answer)
   * or when the browser already closed the dialog.
   */
  closeLink(link: { closeLink(): void; closeLinkRequested(): void }, linkLoaded: boolean): void {
    this.closeRequests += 1;
    if (this.closeRequests === 1 && linkLoaded && this.element.open) link.closeLinkRequested();
    else link.closeLink();
  }

  /** Closes and removes the dialog, gives the page its scroll back; focus goes back to `returnFocusTo`. */
  close(returnFocusTo?: HTMLElement): void {
    this.closing = true;
    this.finishHint(false);
    this.element.removeEventListener('cancel', this.onCancel);
    window.removeEventListener('message', this.onMessage);
    if (this.element.open) this.element.close();
    this.iframe.removeAttribute('src');
    this.host.remove();
    this.releaseScroll?.();
    this.releaseScroll = undefined;
    // The page's scroll position is the customer's: returning focus must not move it.
    returnFocusTo?.focus({ preventScroll: true });
  }
}
