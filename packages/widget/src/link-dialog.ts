/**
 * The native <dialog> that hosts Link in embedded mode. It lives in the LIGHT DOM because the SDK
 * finds its iframe with `document.getElementById`. It injects no <style> element: its CSS is a
 * constructable stylesheet adopted by the document, which a strict `style-src 'self'` allows.
 */

const DIALOG_CSS = `
.mesh-pay-dialog {
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
  font: inherit;
}
.mesh-pay-dialog[data-theme='dark'] {
  background: var(--mesh-pay-dialog-background, #111827);
  color: var(--mesh-pay-dialog-color, #f9fafb);
}
.mesh-pay-dialog::backdrop { background: var(--mesh-pay-dialog-backdrop, rgb(0 0 0 / 0.6)); }
.mesh-pay-dialog[open] { display: flex; flex-direction: column; }
/* A row of its own above Link: Link's page draws its own close button top-right, and ours must
   never sit on top of it. Ours stays as the way out when Link fails to load. */
.mesh-pay-dialog__close {
  flex: none; align-self: flex-end; margin: 4px 4px 0 0;
  inline-size: 44px; block-size: 44px;
  border: none; border-radius: 50%;
  background: transparent; color: inherit; font-size: 24px; line-height: 1; cursor: pointer;
}
.mesh-pay-dialog__close:focus-visible, .mesh-pay-dialog__continue:focus-visible {
  outline: 3px solid var(--mesh-pay-dialog-focus-ring, #2563eb); outline-offset: 2px;
}
.mesh-pay-dialog__hint { padding: 4px 24px 24px; overflow: auto; }
.mesh-pay-dialog__hint[hidden], .mesh-pay-dialog__frame[hidden] { display: none; }
.mesh-pay-dialog__hint h2 { margin: 0 0 12px; font-size: 1.25rem; }
.mesh-pay-dialog__continue {
  margin-top: 16px; padding: 12px 20px; border: none; border-radius: 10px;
  background: var(--mesh-pay-dialog-accent, #111827); color: var(--mesh-pay-dialog-accent-text, #ffffff);
  font: inherit; font-weight: 600; cursor: pointer;
}
.mesh-pay-dialog[data-theme='dark'] .mesh-pay-dialog__continue {
  background: var(--mesh-pay-dialog-accent, #f9fafb); color: var(--mesh-pay-dialog-accent-text, #111827);
}
.mesh-pay-dialog__frame { flex: 1; inline-size: 100%; border: none; }
@media (max-width: 480px) {
  .mesh-pay-dialog { width: 100vw; height: 100dvh; border-radius: 0; }
}
`;

let sheet: CSSStyleSheet | undefined;

/** Adopts the dialog's stylesheet into the document once (created lazily: never at import). */
function adoptDialogStyles(): void {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(DIALOG_CSS);
  }
  if (!document.adoptedStyleSheets.includes(sheet)) {
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }
}

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
  readonly element: HTMLDialogElement;
  readonly iframe: HTMLIFrameElement;
  readonly iframeId: string;
  private readonly hint: HTMLElement;
  private hintDone: ((proceed: boolean) => void) | undefined;
  private closing = false;
  private closeRequests = 0;
  private readonly onCancel = (event: Event) => {
    // Escape: Link (or the hint) decides how to close, the dialog must not vanish under it.
    event.preventDefault();
    this.options.onCloseRequested();
  };

  constructor(private readonly options: LinkDialogOptions) {
    adoptDialogStyles();
    counter += 1;
    this.iframeId = `mesh-pay-link-frame-${counter}`;
    const dialog = document.createElement('dialog');
    dialog.className = 'mesh-pay-dialog';
    dialog.dataset.theme = options.theme;
    dialog.setAttribute('aria-label', options.label);

    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'mesh-pay-dialog__close';
    close.setAttribute('aria-label', options.closeLabel);
    close.textContent = '×';
    close.addEventListener('click', () => options.onCloseRequested());

    this.hint = document.createElement('section');
    this.hint.className = 'mesh-pay-dialog__hint';
    this.hint.hidden = true;

    const iframe = document.createElement('iframe');
    iframe.className = 'mesh-pay-dialog__frame';
    iframe.id = this.iframeId;
    iframe.title = options.iframeTitle;
    iframe.hidden = true;

    dialog.append(close, this.hint, iframe);
    dialog.addEventListener('cancel', this.onCancel);
    // Chromium may close a modal itself after repeated Escape presses without user activation.
    dialog.addEventListener('close', () => {
      if (!this.closing) options.onCloseRequested();
    });
    this.element = dialog;
    this.iframe = iframe;
  }

  private show(): void {
    if (!this.element.isConnected) document.body.append(this.element);
    if (!this.element.open) this.element.showModal();
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
    proceed.className = 'mesh-pay-dialog__continue';
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
    this.iframe.hidden = false;
    // showModal() focuses the close button: Escape and Tab (into Link) work from there.
    this.show();
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

  /** Closes and removes the dialog; focus goes back to `returnFocusTo`. */
  close(returnFocusTo?: HTMLElement): void {
    this.closing = true;
    this.finishHint(false);
    this.element.removeEventListener('cancel', this.onCancel);
    if (this.element.open) this.element.close();
    this.iframe.removeAttribute('src');
    this.element.remove();
    returnFocusTo?.focus();
  }
}
