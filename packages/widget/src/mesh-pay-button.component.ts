import { adoptStyles, LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { MeshPayEventDetailMap } from './events.js';
import { loadLinkFlow } from './payment-driver-loader.js';
import { loadLocale, nearestLang, needsLocale, stringsFor, type MeshPayStringOverrides, type MeshPayStrings } from './locales.js';
import { meshPayButtonStyles } from './mesh-pay-button.styles.js';
import { isBusy, PAYMENT_STATUSES, type PaymentStatus } from './payment-status.js';
import type { ButtonInternals, PaymentDriver } from './payment-driver.js';
import { clearPayment, loadPayment, sessionKey, trustedStatusUrl } from './payment-session.js';
import { isInAppBrowser } from './webview-detect.js';

/** Events that show the customer is about to pay (`keydown` only for Enter and Space). */
const INTENT_EVENTS = ['pointerenter', 'focusin', 'pointerdown', 'keydown'] as const;

/** `theme` values; `system` follows `prefers-color-scheme`. */
export type MeshPayTheme = 'light' | 'dark' | 'system';
/** `render-type` values: `embedded` (our dialog, CSP-safe) or `overlay` (the SDK's own popup). */
export type MeshPayRenderType = 'embedded' | 'overlay';

/**
 * @summary A drop-in pay button that opens Mesh Link and shows the payment's true, server-confirmed status.
 *
 * @tag mesh-pay-button
 *
 * @event {CustomEvent<MeshClickDetail>} mesh-click - The customer asked to pay. Cancelable: `preventDefault()` stops the flow.
 * @event {CustomEvent<MeshOpenDetail>} mesh-open - Link is showing.
 * @event {CustomEvent<LinkPayload>} mesh-integration-connected - An exchange or wallet was connected. Access tokens are redacted unless `expose-access-tokens` is set.
 * @event {CustomEvent<TransferFinishedPayload>} mesh-transfer-finished - The provider accepted the transfer; the button now shows "Confirming…". Not paid yet.
 * @event {CustomEvent<MeshExitDetail>} mesh-exit - Link closed; `detail.reason` is `cancelled`, `closed-after-transfer` (the button follows the server: the payment may still succeed), `done`, `token-expired` (re-minted silently) or `error`.
 * @event {CustomEvent<LinkEventType>} mesh-event - Every SDK `onEvent`, tokens redacted.
 * @event {CustomEvent<TransferStatusEvent>} mesh-status - Each server status from the status stream; only these set `succeeded`/`failed`.
 * @event {CustomEvent<MeshPayErrorDetail>} mesh-error - Something failed: `{code, message, retryable}`. The button offers Retry when `retryable`; `MESH_PAY_ORDER_ALREADY_PAID` shows "Already paid", `MESH_PAY_STREAM_EXPIRED` says the live status stopped.
 *
 * @slot hint - Pre-flight instructions shown in the dialog before Link opens (e.g. "enable withdrawals on your exchange").
 *
 * @csspart button - The clickable control.
 * @csspart label - The button's text.
 * @csspart spinner - The busy indicator shown while preparing, open and confirming.
 * @csspart status - The visually hidden live region announcing the status.
 * @csspart webview - The "open in your browser" notice shown inside in-app browsers.
 * @csspart webview-link - The link that leaves the in-app browser.
 * @csspart webview-pay - In an in-app browser: the button that fetches Mesh's hosted pay link for this order.
 * @csspart webview-pay-link - In an in-app browser: Mesh's hosted pay link, opened in the system browser.
 * @csspart notice - A visible explanation under the button: the order is already paid, or the live status stopped.
 *
 * @cssprop --mesh-pay-button-background - Button background.
 * @cssprop --mesh-pay-button-background-hover - Button background on hover.
 * @cssprop --mesh-pay-button-color - Button text color.
 * @cssprop --mesh-pay-button-border - Button border.
 * @cssprop --mesh-pay-button-radius - Button corner radius.
 * @cssprop --mesh-pay-button-padding - Button padding.
 * @cssprop --mesh-pay-button-font - Button font shorthand.
 * @cssprop --mesh-pay-button-font-weight - Button font weight.
 * @cssprop --mesh-pay-button-min-height - Minimum height (44px touch target by default).
 * @cssprop --mesh-pay-button-focus-ring - Focus ring color.
 * @cssprop --mesh-pay-button-success - Background once paid.
 * @cssprop --mesh-pay-button-danger - Background on error or failure.
 * @cssprop --mesh-pay-dialog-background - Link dialog background (they inherit into the dialog's shadow root: set them on `mesh-pay-dialog`, `body` or `:root`).
 * @cssprop --mesh-pay-dialog-color - Link dialog text color.
 * @cssprop --mesh-pay-dialog-radius - Link dialog corner radius.
 * @cssprop --mesh-pay-dialog-backdrop - Backdrop behind the Link dialog.
 * @cssprop --mesh-pay-dialog-accent - Background of the hint's Continue button.
 * @cssprop --mesh-pay-dialog-accent-text - Text color of the hint's Continue button.
 * @cssprop --mesh-pay-dialog-focus-ring - Focus ring color inside the dialog.
 *
 * @cssstate idle - At rest: nothing started, or a new order.
 * @cssstate preparing - Minting the link token and loading Link.
 * @cssstate open - Link is showing.
 * @cssstate confirming - The provider accepted the transfer; waiting for the server to confirm it.
 * @cssstate succeeded - The server confirmed the payment (the only way to look paid).
 * @cssstate failed - The server reported the transfer failed.
 * @cssstate cancelled - The customer closed Link before paying.
 * @cssstate error - Something failed; Retry is offered when it may help.
 * @cssstate already-paid - With `error`: the token route said the order is already paid.
 * @cssstate stream-expired - With `error`: the live status stopped before the payment settled.
 */
export class MeshPayButton extends LitElement {
  static override styles = meshPayButtonStyles;
  /** A real form control: `name` submits the transferId, `required` blocks submit until paid. */
  static formAssociated = true;
  static override shadowRootOptions: ShadowRootInit = { ...LitElement.shadowRootOptions, delegatesFocus: true };
  // The one list of properties: their types and docs are the `declare` fields below.
  static override properties = {
    tokenUrl: { attribute: 'token-url' },
    orderId: { attribute: 'order-id' },
    label: {},
    theme: { reflect: true },
    disabled: { type: Boolean, reflect: true },
    // Read-only: our own accessor below ignores writes from the page.
    status: { reflect: true, noAccessor: true },
    renderType: { attribute: 'render-type' },
    prewarm: { type: Boolean },
    exposeAccessTokens: { type: Boolean, attribute: 'expose-access-tokens' },
    hint: {},
    fiatCurrency: { attribute: 'fiat-currency' },
    name: { reflect: true },
    required: { type: Boolean, reflect: true },
    userAgent: { attribute: false },
    strings: { attribute: false },
  };

  /** URL of the kit's token route (`POST {orderId}` → `{linkToken, transactionId, statusUrl}`). Required. */
  declare tokenUrl: string;
  /** The merchant's order id sent to the token route; the server prices it. */
  declare orderId: string | undefined;
  /** Text of the idle button (default: localized "Pay with crypto"). */
  declare label: string | undefined;
  /** `light`, `dark` or `system`; applied to the button, the dialog and Link itself. */
  declare theme: MeshPayTheme;
  /** Disables the button. */
  declare disabled: boolean;
  /** `embedded` (default: Link in the button's own <dialog>) or `overlay` (the SDK's popup; needs `style-src 'unsafe-inline'`). */
  declare renderType: MeshPayRenderType;
  /** Let the SDK create its hidden prewarm iframe when it loads (off by default). */
  declare prewarm: boolean;
  /** Put access tokens into `mesh-integration-connected` and `mesh-event` details instead of "[redacted]". */
  declare exposeAccessTokens: boolean;
  /** Pre-flight steps shown before Link opens, separated by `|` (the `hint` slot is the rich alternative). */
  declare hint: string | undefined;
  /** Fiat currency Link shows amounts in: `USD`, `GBP` or `EUR` (anything else is a `MESH_PAY_INVALID_ATTRIBUTE` mesh-error). */
  declare fiatCurrency: string | undefined;
  /** Form field name: once `succeeded`, the element's form value is the transferId. */
  declare name: string | undefined;
  /** The form is invalid ("Payment required") until the payment `succeeded`. */
  declare required: boolean;
  /** Replaces any built-in string, in every language (e.g. `{confirming: 'Waiting for the blockchain…'}`). */
  declare strings: MeshPayStringOverrides | undefined;
  /** User agent used for in-app browser detection (default `navigator.userAgent`). */
  declare userAgent: string | undefined;

  #status: PaymentStatus = 'idle';
  #announcement = '';
  /** Disabled by an ancestor `<fieldset disabled>` (form-associated elements are told). */
  #formDisabled = false;
  #internals: ElementInternals | undefined;
  /** The lazily loaded half that runs payments, once asked for (intent, click or a payment to resume). */
  #driving: Promise<PaymentDriver> | undefined;
  #driver: PaymentDriver | undefined;

  constructor() {
    super();
    this.tokenUrl = '';
    this.theme = 'light';
    this.renderType = 'embedded';
    this.disabled = this.prewarm = this.exposeAccessTokens = this.required = false;
  }

  /** Read-only: the payment's status (`idle|preparing|open|confirming|succeeded|failed|cancelled|error`). */
  get status(): PaymentStatus {
    return this.#status;
  }

  set status(value: PaymentStatus) {
    // Only the payment machine sets the status. A page writing the property or the attribute must
    // not make the button look paid: put the true value back.
    if (value !== this.#status && this.isConnected) queueMicrotask(() => this.setAttribute('status', this.#status));
  }

  /** Why the form is invalid (e.g. "Payment required" while `required` and not paid). */
  get validationMessage(): string {
    return this.#internals?.validationMessage ?? '';
  }

  /** Starts a payment, exactly as a click does. Ignored while one is under way (single flight). */
  pay(): void {
    if (this.#disabled() || isBusy(this.status) || this.status === 'succeeded' || this.#driver?.notice) return;
    if (!this.#emit('mesh-click', { orderId: this.orderId }, true)) return;
    if (this.#driver) return this.#driver.pay();
    // The machine's first step (`idle` → `preparing`) shows at once; the driver takes it from there.
    this.#show('preparing');
    this.#drive().then((driver) => driver.pay(), () => undefined);
  }

  /** Back to `idle`: stops following the stream and forgets the saved payment for this order. */
  reset(): void {
    this.#withDriver((driver) => driver.reset());
  }

  /** @internal A `<fieldset disabled>` around the button disables it like any form control. */
  formDisabledCallback(disabled: boolean): void {
    this.#formDisabled = disabled;
    this.requestUpdate();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#internals ??= this.attachInternals?.();
    this.#syncStates();
    if (this.getAttribute('status') !== this.#status) this.setAttribute('status', this.#status);
    for (const type of INTENT_EVENTS) this.addEventListener(type, this.#onIntent);
    // Parsed attributes are already set here; a re-attached element picks its payment up again.
    this.#followOrder();
  }

  override disconnectedCallback(): void {
    // The driver looks at the attempt before its controllers close Link, the stream and the token request.
    this.#withDriver((driver) => this.isConnected || driver.disconnected());
    super.disconnectedCallback();
    for (const type of INTENT_EVENTS) this.removeEventListener(type, this.#onIntent);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('tokenUrl') || changed.has('orderId')) this.#followOrder();
    if (changed.has('required')) this.#syncStates();
  }

  protected override render(): TemplateResult {
    const s = this.#strings();
    if (this.#inAppBrowser()) {
      const view = { strings: s, disabled: this.#disabled(), label: this.#label(s), announcement: this.#announcement, onPay: this.#onClick };
      if (this.#driver) return this.#driver.renderWebview(view, { html, nothing });
      this.#drive().catch(() => undefined);
      return html``;
    }
    const busy = isBusy(this.status);
    const notice = this.#driver?.noticeText(s);
    return html`<button
        part="button"
        type="button"
        ?disabled=${this.#disabled()}
        aria-busy=${busy ? 'true' : 'false'}
        aria-disabled=${busy || this.status === 'succeeded' || notice ? 'true' : nothing}
        @click=${this.#onClick}
      >
        ${busy ? html`<span part="spinner" aria-hidden="true"></span>` : nothing}
        <span part="label">${this.#label(s)}</span>
      </button>
      ${notice ? html`<p part="notice">${notice}</p>` : nothing}
      <span part="status" class="visually-hidden" role="status">${this.#announcement}</span>
      <slot name="hint"></slot>`;
  }

  /**
   * The driver follows the saved payment of this (token-url, order-id). Before it is here, a record
   * whose payment the server will confirm shows `confirming` at once (the machine's `resume` from
   * idle) and sends for it; a record pointing away from the token route's origin is dropped.
   */
  #followOrder(): void {
    if (this.#driver) return this.#driver.followOrder();
    const key = this.tokenUrl && this.isConnected ? sessionKey(this.tokenUrl, this.orderId) : '';
    const saved = key ? loadPayment(key) : undefined;
    if (!saved) return;
    if (!trustedStatusUrl(saved.statusUrl, this.tokenUrl)) return clearPayment(key);
    if (saved.status === 'confirming' || saved.status === 'succeeded' || saved.status === 'failed') this.#show('confirming');
    this.#drive().catch(() => undefined);
  }

  /** Intent (pointer near, focus, press): fetch the driver and Link's code now, so a click finds them here. */
  #onIntent = (event: Event): void => {
    const key = (event as KeyboardEvent).key;
    if (event.type === 'keydown' && key !== 'Enter' && key !== ' ') return;
    if (!this.#disabled()) this.#drive().then((driver) => driver.intent(), () => undefined);
  };

  #onClick = (): void => this.pay();

  /** Loads the payment driver once; a failed download fails the payment under way, and may be retried. */
  #drive(): Promise<PaymentDriver> {
    this.#driving ??= loadLinkFlow().then(
      (flow) => {
        adoptStyles(this.renderRoot as ShadowRoot, [...(this.constructor as typeof MeshPayButton).elementStyles, flow.paymentDriverStyles]);
        const internals: ButtonInternals = {
          show: (status) => this.#show(status),
          announce: (text) => this.#announce(text),
          emit: (type, detail, cancelable) => this.#emit(type, detail, cancelable),
          strings: () => this.#strings(),
          inAppBrowser: () => this.#inAppBrowser(),
        };
        const driver = (this.#driver = new flow.PaymentDriver(this, internals));
        driver.followOrder();
        this.requestUpdate();
        return driver;
      },
      (error: unknown) => {
        this.#driving = undefined;
        if (this.status !== 'idle') {
          this.#show('error');
          this.#emit('mesh-error', { code: 'MESH_PAY_SDK_LOAD_FAILED', message: `Could not load the payment dialog: ${error}`, retryable: true });
        }
        throw error;
      },
    );
    return this.#driving;
  }

  /** Runs `task` with the driver now, or once it arrives if it is on its way (else there is nothing to do). */
  #withDriver(task: (driver: PaymentDriver) => unknown): void {
    if (this.#driver) task(this.#driver);
    else this.#driving?.then(task, () => undefined);
  }

  /** Sets, reflects and announces the status; only the payment machine decides it. */
  #show(status: PaymentStatus): void {
    const from = this.#status;
    this.#status = status;
    this.requestUpdate('status', from);
    // Reflect now, not at Lit's next render: listeners of the event that follows (and observers of
    // the attribute) must already see the new status.
    this.setAttribute('status', status);
    this.#announce(this.#strings().announce[status]);
    this.#syncStates();
  }

  #announce(text: string): void {
    this.#announcement = text;
    this.requestUpdate();
  }

  /** Custom states, the form value (the transferId, once paid) and validity (`required`). */
  #syncStates(): void {
    const internals = this.#internals;
    if (!internals) return;
    const paid = this.status === 'succeeded';
    internals.setFormValue(paid ? (this.#driver?.transferId ?? null) : null);
    if (this.required && !paid) internals.setValidity({ valueMissing: true }, this.#strings().paymentRequired, this.renderRoot?.querySelector?.('button') ?? undefined);
    else internals.setValidity({});
    const notice = this.#driver?.notice;
    for (const state of [...PAYMENT_STATUSES, 'already-paid', 'stream-expired']) {
      try {
        if (state === this.status || state === notice) internals.states.add(state);
        else internals.states.delete(state);
      } catch {
        /* engines that only accept the older `--name` form: styling by attribute still works */
      }
    }
  }

  #disabled(): boolean {
    return this.disabled || this.#formDisabled;
  }

  #inAppBrowser(): boolean {
    return isInAppBrowser(this.userAgent ?? (typeof navigator === 'undefined' ? '' : navigator.userAgent));
  }

  #strings(): MeshPayStrings {
    const lang = nearestLang(this);
    // Each language is its own chunk: English until it arrives, then a re-render in the page's language.
    if (needsLocale(lang))
      void loadLocale(lang).then(() => {
        this.requestUpdate();
        this.#syncStates();
      });
    return stringsFor(lang, this.strings);
  }

  #emit<K extends keyof MeshPayEventDetailMap>(type: K, detail: MeshPayEventDetailMap[K], cancelable = false): boolean {
    return this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable }));
  }

  #label(s: MeshPayStrings): string {
    const notice = this.#driver?.notice;
    if (this.status === 'error') return notice === 'already-paid' ? s.alreadyPaid : notice ? s.statusStopped : s.retry;
    return this.status === 'idle' || this.status === 'cancelled' ? this.label || s.pay : s[this.status];
  }
}
