import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { MeshPayEventDetailMap } from './events.js';
import { loadLinkFlow } from './payment-driver-loader.js';
import { localeDownload, nearestLang, stringsFor, type MeshPayStringOverrides, type MeshPayStrings } from './locales.js';
import { meshPayButtonStyles } from './mesh-pay-button.styles.js';
import { isBusy, type PaymentStatus } from './payment-status.js';
import type { ButtonInternals, PaymentDriver } from './payment-driver.js';
import { savedPaymentStatus } from './payment-session-key.js';

/**
 * Events that show the customer is about to pay. Any key: a key reaches the button only once it has
 * focus, which already fetched the driver; the driver tells a press (Space, Enter) from the rest.
 */
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
 * @csspart webview - The "open in your browser" notice shown inside in-app browsers, in place of the button, once the customer shows intent (pointer, focus or press).
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
  static override shadowRootOptions: ShadowRootInit = { mode: 'open', delegatesFocus: true };
  // The one list of properties: their types and docs are the `declare` fields below.
  static override properties = {
    tokenUrl: { attribute: 'token-url' },
    orderId: { attribute: 'order-id' },
    label: {},
    theme: { reflect: true },
    disabled: { type: Boolean, reflect: true },
    // Read-only: our own accessor below ignores writes from the page; #show reflects it.
    status: { noAccessor: true },
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
  /** User agent used for in-app browser detection, made when the customer shows intent (default `navigator.userAgent`). */
  declare userAgent: string | undefined;

  #status: PaymentStatus = 'idle';
  #announcement = '';
  /** Disabled by an ancestor `<fieldset disabled>` (form-associated elements are told). */
  #formDisabled = false;
  #internals: ElementInternals | undefined;
  /** The lazily loaded half that runs payments, once asked for (intent, click or a payment to resume). */
  #driving: Promise<PaymentDriver> | undefined;
  #driver: PaymentDriver | undefined;
  /** Settles once the driver that loads for a saved payment of this order has looked at it. */
  #resuming: Promise<unknown> | undefined;

  constructor() {
    super();
    this.tokenUrl = '';
    this.theme = 'light';
    this.renderType = 'embedded';
    this.disabled = this.prewarm = this.exposeAccessTokens = this.required = false;
    // On the element itself, for its whole life: a detached element meets no pointer or key.
    for (const type of INTENT_EVENTS) this.addEventListener(type, this.#onIntent);
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
    // A saved payment of this order may still be under way: only the driver can tell, and a click
    // must not start a second payment while the button has not yet shown the first one.
    if (this.#resuming) return void this.#resuming.then(() => this.pay());
    if (!this.#emit('mesh-click', { orderId: this.orderId }, true)) return;
    if (this.#driver) return this.#driver.pay();
    // Retry after the driver failed to load for a saved payment: that one may still settle, follow it again.
    this.#followOrder();
    if (this.status === 'confirming') return;
    // The machine's first step (`idle` → `preparing`) shows at once; the driver takes it from there.
    this.#show('preparing');
    this.#drive().then((driver) => driver.pay(), this.#loadFailed);
  }

  /** Back to `idle`: stops following the stream and forgets the saved payment for this order. */
  reset(): void {
    // Not idle without a driver: it failed to load for a saved payment, which is still there to forget.
    this.#withDriver((driver) => driver.reset(), this.status !== 'idle');
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
    // (Writing the same value back is a no-op for the status setter.)
    this.setAttribute('status', this.#status);
    // Parsed attributes are already set here; a re-attached element picks its payment up again.
    this.#followOrder();
  }

  override disconnectedCallback(): void {
    // The driver looks at the attempt before its controllers close Link, the stream and the token request.
    this.#withDriver((driver) => this.isConnected || driver.disconnected());
    super.disconnectedCallback();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('tokenUrl') || changed.has('orderId')) this.#followOrder();
    if (changed.has('required')) this.#syncStates();
  }

  protected override render(): TemplateResult {
    const driver = this.#driver;
    const busy = isBusy(this.status);
    const label = this.#label(this.#strings());
    // The states only the driver reaches (in-app browser view, notices) are its to render.
    // Written without indentation: lit ships template text verbatim, and it counts against the entry's budget.
    return html`${driver?.webview(label) ??
      html`<button part="button" type="button" ?disabled=${this.#disabled()} aria-busy=${busy} aria-disabled=${busy || this.status === 'succeeded' || !!driver?.notice} @click=${this.#onClick}>${
        busy ? html`<span part="spinner" aria-hidden="true"></span>` : nothing
      }<span part="label">${label}</span></button>`}${driver?.extras()}<span part="status" role="status">${this.#announcement}</span><slot name="hint"></slot>`;
  }

  /**
   * The driver follows the saved payment of this (token-url, order-id). Before it is here, the entry
   * only looks at the record's status: a payment the server will confirm shows `confirming` at once
   * (the machine's `resume` from idle; a paid-looking-idle button invites a second payment) and
   * sends for the driver, which reads and trusts the record and goes back to idle if it is stale.
   */
  #followOrder(): void {
    if (this.#driver) return this.#driver.followOrder();
    const saved = this.tokenUrl && this.isConnected ? savedPaymentStatus(this.tokenUrl, this.orderId) : undefined;
    if (saved === undefined) return;
    if (saved === 'confirming' || saved === 'succeeded' || saved === 'failed') this.#show('confirming');
    this.#resuming = this.#drive()
      .catch((error: unknown) => this.status === 'confirming' && this.#loadFailed(error))
      .finally(() => (this.#resuming = undefined));
  }

  /** Intent (pointer near, focus, press): fetch the driver and Link's code now, so a click finds them here. */
  #onIntent = (event: Event): void => {
    if (!this.#disabled()) this.#drive().then((driver) => driver.intent(event), () => undefined);
  };

  #onClick = (): void => this.pay();

  /** The driver did not arrive for a payment the button already shows as under way. */
  #loadFailed = (error: unknown): void => {
    this.#show('error');
    this.#emit('mesh-error', { code: 'MESH_PAY_SDK_LOAD_FAILED', message: `Could not load the payment dialog: ${error}`, retryable: true });
  };

  /** Loads the payment driver once; a failed download may be retried (a click reports it). */
  #drive(): Promise<PaymentDriver> {
    this.#driving ??= loadLinkFlow().then(
      (flow) => {
        const internals: ButtonInternals = {
          show: (status) => this.#show(status),
          announce: (text) => this.#announce(text),
          emit: (type, detail, cancelable) => this.#emit(type, detail, cancelable),
          strings: () => this.#strings(),
          disabled: () => this.#disabled(),
        };
        const driver = (this.#driver = new flow.PaymentDriver(this, internals));
        driver.followOrder();
        this.requestUpdate();
        return driver;
      },
      (error: unknown) => {
        this.#driving = undefined; // a flaky network must not poison the next attempt
        throw error;
      },
    );
    return this.#driving;
  }

  /** Runs `task` with the driver now, or once it arrives if it is on its way or `load` sends for it (else there is nothing to do). */
  #withDriver(task: (driver: PaymentDriver) => unknown, load?: boolean): void {
    if (this.#driver) task(this.#driver);
    else (load ? this.#drive() : this.#driving)?.then(task, () => undefined);
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

  /** Custom states and validity (`required`); the driver adds the form value and its notices. */
  #syncStates(): void {
    const internals = this.#internals;
    if (!internals) return;
    if (this.required && this.status !== 'succeeded') internals.setValidity({ valueMissing: true }, this.#strings().paymentRequired, this.renderRoot?.querySelector?.('button') ?? undefined);
    else internals.setValidity({});
    try {
      // One status at a time; the driver puts back the notice it shows.
      internals.states.clear();
      internals.states.add(this.status);
    } catch {
      /* no custom states here, or only the older `--name` form: styling by attribute still works */
    }
    this.#driver?.syncStates(internals);
  }

  #disabled(): boolean {
    return this.disabled || this.#formDisabled;
  }

  #strings(): MeshPayStrings {
    const lang = nearestLang(this);
    // Each language is its own chunk: English until it arrives, then a re-render in the page's language.
    void localeDownload(lang)?.then(() => {
      this.requestUpdate();
      this.#syncStates();
    });
    return stringsFor(lang, this.strings);
  }

  #emit<K extends keyof MeshPayEventDetailMap>(type: K, detail: MeshPayEventDetailMap[K], cancelable?: boolean): boolean {
    return this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable }));
  }

  #label(s: MeshPayStrings): string {
    if (this.status === 'error') return this.#driver?.noticeLabel(s) ?? s.retry;
    return this.status === 'idle' || this.status === 'cancelled' ? this.label || s.pay : s[this.status];
  }
}
