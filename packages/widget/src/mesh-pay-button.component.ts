import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { LinkEventType, LinkPayload, TransferFinishedPayload } from '@meshconnect/web-link-sdk';
import { toMeshPayError, type MeshPayError } from './errors.js';
import type { MeshPayEventDetailMap } from './events.js';
import { loadLinkFlow, loadLinkSdk, type LinkFlow } from './link-loader.js';
import type { LinkControllerHost, LinkSessionController } from './link-session-controller.js';
import { loadLocale, nearestLang, needsLocale, stringsFor, type MeshPayStringOverrides, type MeshPayStrings } from './locales.js';
import { meshPayButtonStyles } from './mesh-pay-button.styles.js';
import { isBusy, nextStatus, PAYMENT_STATUSES, type PaymentEvent, type PaymentStatus } from './payment-machine.js';
import { clearPayment, loadPayment, savePayment, sessionKey, trustedStatusUrl } from './payment-session.js';
import type { StatusStep, TransferStatusEvent } from './status-stream.js';
import { StatusStreamController } from './status-stream-controller.js';
import type { AbortableTask } from './abortable-task.js';
import type { LinkTokenResponse } from './token-client.js';
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
 * @attr name - Form field name: once `succeeded`, the element's form value is the transferId.
 * @attr required - The form is invalid ("Payment required") until the payment `succeeded`.
 * @attr fiat-currency - Currency Link shows amounts in: `USD`, `GBP` or `EUR` (anything else is a `MESH_PAY_INVALID_ATTRIBUTE` mesh-error).
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
 * @cssprop --mesh-pay-dialog-background - Link dialog background (the dialog is `dialog.mesh-pay-dialog` in the light DOM: set these on it or an ancestor).
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
  static override properties = {
    tokenUrl: { type: String, attribute: 'token-url' },
    orderId: { type: String, attribute: 'order-id' },
    label: { type: String },
    theme: { type: String, reflect: true },
    disabled: { type: Boolean, reflect: true },
    // Read-only: our own accessor below ignores writes from the page.
    status: { type: String, reflect: true, noAccessor: true },
    renderType: { type: String, attribute: 'render-type' },
    prewarm: { type: Boolean },
    exposeAccessTokens: { type: Boolean, attribute: 'expose-access-tokens' },
    hint: { type: String },
    fiatCurrency: { type: String, attribute: 'fiat-currency' },
    name: { type: String, reflect: true },
    required: { type: Boolean, reflect: true },
    userAgent: { attribute: false },
    strings: { attribute: false },
    announcement: { state: true },
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
  /** Fiat currency Link shows amounts in: `USD`, `GBP` or `EUR` (Mesh's documented values). */
  declare fiatCurrency: string | undefined;
  /** Form field name; the form value is the transferId once `succeeded`. */
  declare name: string | undefined;
  /** When set, the element's form is invalid until the payment `succeeded`. */
  declare required: boolean;
  /** Replaces any built-in string, in every language (e.g. `{confirming: 'Waiting for the blockchain…'}`). */
  declare strings: MeshPayStringOverrides | undefined;
  /** User agent used for in-app browser detection (default `navigator.userAgent`). */
  declare userAgent: string | undefined;
  declare private announcement: string;

  #status: PaymentStatus = 'idle';
  /** Disabled by an ancestor `<fieldset disabled>` (form-associated elements are told). */
  #formDisabled = false;
  #internals: ElementInternals | undefined;
  /** Increments per attempt so callbacks of an abandoned attempt do nothing. */
  #attempt = 0;
  /** The attempt's token request, aborted with the attempt (made with the lazily loaded half). */
  #tokenTask: AbortableTask<[string, string | undefined], LinkTokenResponse> | undefined;
  /** Link's slot, dialog and session (made with the lazily loaded half). */
  #link: LinkSessionController | undefined;
  /** Follows the payment's server status (EventSource life, Last-Event-ID kept with the payment). */
  #statusStream = new StatusStreamController(this, {
    key: () => (this.tokenUrl ? this.#key() : undefined),
    onStatus: (event, step) => this.#onStatus(event, step),
    onExpired: (error) => this.#onStreamExpired(error),
    onError: (error) => this.#onStreamError(error),
  });
  #token: LinkTokenResponse | undefined;
  #streamBroke = false;
  #resumedKey: string | undefined;
  /** The lazily loaded half, once here (the in-app-browser view renders from it). */
  #flow: LinkFlow | undefined;
  /** The server's transferId once it said `succeeded` (the form value). */
  #transferId: string | undefined;
  /** Why the button is inert in `error`: the order is already paid, or its live status stopped. */
  #notice: 'already-paid' | 'stream-expired' | undefined;

  constructor() {
    super();
    this.tokenUrl = '';
    this.orderId = undefined;
    this.label = undefined;
    this.theme = 'light';
    this.disabled = false;
    this.renderType = 'embedded';
    this.prewarm = false;
    this.exposeAccessTokens = false;
    this.hint = undefined;
    this.fiatCurrency = undefined;
    this.name = undefined;
    this.required = false;
    this.userAgent = undefined;
    this.strings = undefined;
    this.announcement = '';
  }

  /** Read-only: the payment's status (`idle|preparing|open|confirming|succeeded|failed|cancelled|error`). */
  get status(): PaymentStatus {
    return this.#status;
  }

  set status(value: PaymentStatus) {
    // Only the state machine sets the status. A page writing the property or the attribute must not
    // make the button look paid: put the true value back.
    if (value !== this.#status && this.isConnected) queueMicrotask(() => this.setAttribute('status', this.#status));
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.#internals && typeof this.attachInternals === 'function') this.#internals = this.attachInternals();
    this.#syncStates();
    if (this.getAttribute('status') !== this.#status) this.setAttribute('status', this.#status);
    for (const type of INTENT_EVENTS) this.addEventListener(type, this.#onIntent);
    // Parsed attributes are already set here; a re-attached element picks its payment up again.
    this.#maybeResume();
  }

  override disconnectedCallback(): void {
    // Removed mid-flow (SPA navigation): the controllers close Link (freeing the page's Link slot), the
    // stream and the token request; the attempt is abandoned. A confirming payment stays confirming
    // and is followed again on re-attach (sessionStorage).
    const midFlow = this.status === 'preparing' || this.status === 'open' || this.#link?.active;
    super.disconnectedCallback();
    for (const type of INTENT_EVENTS) this.removeEventListener(type, this.#onIntent);
    this.#resumedKey = undefined;
    if (midFlow) {
      this.#abandon();
      if (this.status === 'preparing' || this.status === 'open') this.#go('exit');
    }
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('tokenUrl') || changed.has('orderId')) this.#maybeResume();
    if (changed.has('required')) this.#syncStates();
  }

  /** Follows the saved payment of the current (token-url, order-id), once per key. */
  #maybeResume(): void {
    if (!this.tokenUrl || !this.isConnected) return;
    const key = sessionKey(this.tokenUrl, this.orderId);
    if (key === this.#resumedKey) return;
    if (this.#resumedKey !== undefined) {
      // A different order: whatever the old one was doing is not this order's state.
      if (isBusy(this.status) && this.status !== 'confirming') return;
      this.#abandon();
      this.#statusStream.stop();
      this.#token = undefined;
      this.#streamBroke = false;
      this.#notice = undefined;
      this.#go('reset');
    }
    this.#resumedKey = key;
    this.#resume(key);
  }

  /** Starts a payment, exactly as a click does. Ignored while one is under way (single flight). */
  pay(): void {
    if (this.#disabled() || isBusy(this.status) || this.status === 'succeeded' || this.#notice) return;
    if (!this.#emit('mesh-click', { orderId: this.orderId }, true)) return;
    if (this.status === 'error' && this.#streamBroke && this.#token) {
      this.#streamBroke = false;
      this.#go('resume');
      this.#statusStream.follow(this.#token.statusUrl, this.#saved()?.lastEventId);
      return;
    }
    // A new attempt is a new transaction: stop following any earlier one (e.g. resumed after reload).
    this.#statusStream.stop();
    this.#go('start');
    this.#abandon();
    void this.#run(this.#attempt);
  }

  /** Back to `idle`: stops following the stream and forgets the saved payment for this order. */
  reset(): void {
    this.#abandon();
    this.#link?.teardown(false);
    this.#reset();
  }

  #reset(): void {
    this.#statusStream.stop();
    this.#token = undefined;
    this.#streamBroke = false;
    this.#notice = undefined;
    if (this.tokenUrl) clearPayment(sessionKey(this.tokenUrl, this.orderId));
    this.#go('reset');
  }

  /** Ends the current attempt: its callbacks do nothing from now on and its token request is aborted. */
  #abandon(): void {
    this.#attempt += 1;
    this.#tokenTask?.abort();
  }

  /**
   * Intent (pointer near, focus, press): fetch Link's code now, so a click finds it here. A press
   * (pointerdown, Enter/Space) comes ~100 ms before its click; the token is still minted only on
   * the click, so a press that is dragged away mints nothing.
   */
  #onIntent = (event: Event): void => {
    if (event.type === 'keydown' && (event as KeyboardEvent).key !== 'Enter' && (event as KeyboardEvent).key !== ' ') return;
    if (this.#disabled() || this.#inAppBrowser()) return;
    // Failures are reported when the customer actually clicks.
    loadLinkSdk({ prewarm: this.prewarm }).catch(() => undefined);
    // A press (Space, or a primary-button pointerdown): its click follows, make Link's dialog meanwhile.
    // Not Enter: it clicks in its own task, and the token request must not wait for the dialog.
    const press = event.type.endsWith('down') && !(event as PointerEvent).button && (event as KeyboardEvent).key !== 'Enter';
    loadLinkFlow().then((flow) => {
      this.#flow = flow;
      if (press) void this.#linkSession(flow).prepare();
    }, () => undefined);
  };

  #onClick = (): void => this.pay();

  /** @internal A `<fieldset disabled>` around the button disables it like any form control. */
  formDisabledCallback(disabled: boolean): void {
    this.#formDisabled = disabled;
    this.requestUpdate();
  }

  #disabled(): boolean {
    return this.disabled || this.#formDisabled;
  }

  /** Why the form is invalid (e.g. "Payment required" while `required` and not paid). */
  get validationMessage(): string {
    return this.#internals?.validationMessage ?? '';
  }

  #linkSession(flow: LinkFlow): LinkSessionController {
    return (this.#link ??= new flow.LinkSessionController(this, this.#linkHost()));
  }

  async #run(attempt: number): Promise<void> {
    try {
      const webview = this.#inAppBrowser();
      const sdkLoad = webview ? undefined : loadLinkSdk({ prewarm: this.prewarm });
      sdkLoad?.catch(() => undefined);
      // Intent has usually loaded the lazy half: then nothing is awaited and the token request leaves
      // in the click's own task, before Lit renders "Preparing…".
      const flow = this.#flow ?? (this.#flow = await loadLinkFlow());
      if (attempt !== this.#attempt) return;
      flow.displayFiatCurrency(this.fiatCurrency);
      this.#tokenTask ??= new flow.AbortableTask(this, ([tokenUrl, orderId], { signal }) => flow.requestLinkToken(tokenUrl, orderId, signal));
      const tokenRequest = this.#tokenTask.run(this.tokenUrl, this.orderId);
      // Link's origin is known the moment the token is: open the connection while the SDK builds its iframe.
      tokenRequest.then((token) => flow.preconnectLink(token.linkToken), () => undefined);
      if (webview) {
        // Link's iframe would break here; Mesh's hosted pay page works in the system browser. Offer
        // it and follow this payment's server status meanwhile.
        const token = flow.withPaymentLink(await tokenRequest);
        if (attempt !== this.#attempt) return;
        this.#token = token;
        this.#go('opened');
        this.#save();
        return this.#statusStream.follow(token.statusUrl, undefined);
      }
      await this.#linkSession(flow).open(() => attempt === this.#attempt, tokenRequest, sdkLoad!);
    } catch (err) {
      if (attempt === this.#attempt) this.#fail(toMeshPayError(err, 'MESH_PAY_NETWORK'));
    }
  }

  /** What the lazily loaded Link controller and its sessions may do to this element. */
  #linkHost(): LinkControllerHost {
    return {
      lang: () => nearestLang(this),
      go: (event) => this.#go(event),
      emit: (type, detail) => this.#emit(type, detail),
      adopt: (token) => (this.#token = token),
      save: () => this.#save(),
      follow: () => {
        if (!this.#statusStream.following && this.#token) this.#statusStream.follow(this.#token.statusUrl, this.#saved()?.lastEventId);
      },
      fail: (error) => this.#fail(error),
      forget: () => this.tokenUrl && clearPayment(this.#key()),
      strings: () => this.#strings(),
      theme: () => this.#resolvedTheme(),
      hasHint: () => Boolean(this.hint?.trim()) || this.querySelector(':scope > [slot="hint"]') !== null,
      abortToken: () => this.#tokenTask?.abort(),
    };
  }

  #onStreamError(error: MeshPayError): void {
    // The stream's code never arrived: only an idle button has nothing to say about it.
    const quiet = error.code === 'MESH_PAY_SDK_LOAD_FAILED' ? this.status === 'idle' : this.status === 'idle' || this.status === 'cancelled';
    if (quiet) {
      // A resumed record whose capability expired: nothing to show.
      if (error.code !== 'MESH_PAY_SDK_LOAD_FAILED' && this.tokenUrl) clearPayment(this.#key());
      return;
    }
    this.#streamBroke = true;
    this.#fail(error);
  }

  #onStatus(event: TransferStatusEvent, step: StatusStep | undefined): void {
    const saved = this.#saved();
    if (step === 'serverSucceeded') this.#transferId = event.transferId;
    if (step && nextStatus(this.status, step)) this.#go(step);
    if (saved) savePayment(this.#key(), { ...saved, status: this.status });
    this.#emit('mesh-status', event);
  }

  /**
   * The kit stopped the live status (its capability expired) and said so. Reconnecting would only
   * meet 403s, and a new payment could pay twice: tell the customer how to learn the outcome instead.
   */
  #onStreamExpired(error: MeshPayError): void {
    if (this.status === 'idle' || this.status === 'cancelled') return;
    this.#notice = 'stream-expired';
    this.#fail(error);
  }

  /**
   * After a reload: a saved record is only a hint of which payment to ask about. Even a saved
   * `succeeded` is confirmed by the server's stream (its current status arrives at once) before
   * the button says "Paid"; a record pointing at another origin than the token route is dropped.
   */
  #resume(key: string): void {
    const saved = loadPayment(key);
    if (!saved) return;
    const statusUrl = trustedStatusUrl(saved.statusUrl, this.tokenUrl);
    if (!statusUrl) return clearPayment(key);
    if (this.status === 'confirming') {
      // Re-attached while confirming: pick the stream up where it stopped.
      if (!this.#statusStream.following) this.#statusStream.follow(statusUrl, saved.lastEventId);
      return;
    }
    if (this.status !== 'idle' && this.status !== 'cancelled') return;
    this.#token = { linkToken: '', transactionId: saved.transactionId, statusUrl, environment: 'sandbox', receivedAt: 0 };
    if (saved.status === 'succeeded' || saved.status === 'failed' || saved.status === 'confirming') {
      this.#go('resume');
      // A settled stream sends nothing after its last id: ask for the current status instead.
      return this.#statusStream.follow(statusUrl, saved.status === 'confirming' ? saved.lastEventId : undefined);
    }
    // `open`: Link was showing when the page went away. Only the server knows whether a transfer
    // was sent, so follow the stream quietly; a `pending` moves us to confirming.
    if (saved.status !== 'open') return clearPayment(key);
    this.#statusStream.follow(statusUrl, saved.lastEventId);
  }

  #fail(error: MeshPayError): void {
    if (error.code === 'MESH_PAY_ORDER_ALREADY_PAID') this.#notice = 'already-paid';
    this.#link?.teardown(true);
    if (nextStatus(this.status, 'fail')) this.#go('fail');
    if (this.#notice) this.announcement = this.#noticeText(this.#strings())!;
    this.#emit('mesh-error', error.toDetail());
  }

  #noticeText(s: MeshPayStrings): string | undefined {
    return this.#notice && (this.#notice === 'already-paid' ? s.alreadyPaidNotice : s.statusStoppedNotice);
  }

  #resolvedTheme(): 'light' | 'dark' {
    if (this.theme === 'dark') return 'dark';
    if (this.theme === 'system' && typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches) return 'dark';
    return 'light';
  }

  #inAppBrowser(): boolean {
    const ua = this.userAgent ?? (typeof navigator === 'undefined' ? '' : navigator.userAgent);
    return isInAppBrowser(ua);
  }

  #key(): string {
    return sessionKey(this.tokenUrl, this.orderId);
  }

  #saved() {
    return this.tokenUrl ? loadPayment(this.#key()) : undefined;
  }

  #save(): void {
    const token = this.#token;
    if (!token || !this.tokenUrl) return;
    const previous = this.#saved();
    savePayment(this.#key(), {
      statusUrl: token.statusUrl,
      transactionId: token.transactionId,
      status: this.status,
      ...(previous?.transactionId === token.transactionId && previous.lastEventId ? { lastEventId: previous.lastEventId } : {}),
    });
  }

  #go(event: PaymentEvent): void {
    const to = nextStatus(this.status, event);
    if (to === undefined) return;
    const from = this.#status;
    this.#status = to;
    this.requestUpdate('status', from);
    // Reflect now, not at Lit's next render: listeners of the event that follows (and observers of
    // the attribute) must already see the new status.
    this.setAttribute('status', to);
    this.announcement = this.#strings().announce[to];
    this.#syncStates();
  }

  #syncStates(): void {
    const internals = this.#internals;
    if (!internals) return;
    const paid = this.status === 'succeeded';
    // Only a server-confirmed payment fills the form field; `required` blocks submit until then.
    internals.setFormValue(paid ? (this.#transferId ?? null) : null);
    if (this.required && !paid) internals.setValidity({ valueMissing: true }, this.#strings().paymentRequired, this.renderRoot?.querySelector?.('button') ?? undefined);
    else internals.setValidity({});
    for (const state of [...PAYMENT_STATUSES, 'already-paid', 'stream-expired']) {
      try {
        if (state === this.status || state === this.#notice) internals.states.add(state);
        else internals.states.delete(state);
      } catch {
        /* engines that only accept the older `--name` form: styling by attribute still works */
      }
    }
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
    switch (this.status) {
      case 'idle':
      case 'cancelled':
        return this.label || s.pay;
      case 'preparing':
        return s.preparing;
      case 'open':
        return s.open;
      case 'confirming':
        return s.confirming;
      case 'succeeded':
        return s.succeeded;
      case 'failed':
        return s.failed;
      case 'error':
        return this.#notice === 'already-paid' ? s.alreadyPaid : this.#notice ? s.statusStopped : s.retry;
    }
  }

  protected override render(): TemplateResult {
    const s = this.#strings();
    const busy = isBusy(this.status);
    if (this.#inAppBrowser()) {
      const flow = this.#flow;
      if (!flow) {
        void loadLinkFlow().then((loaded) => {
          this.#flow = loaded;
          this.requestUpdate();
        });
        return html``;
      }
      return flow.renderWebview({
        strings: s,
        status: this.status,
        disabled: this.#disabled(),
        label: this.#label(s),
        notice: this.#noticeText(s),
        announcement: this.announcement,
        paymentLink: this.#token?.paymentLink,
        pageUrl: location.href,
        userAgent: this.userAgent ?? navigator.userAgent,
        onPay: this.#onClick,
      }, { html, nothing });
    }
    const inert = busy || this.status === 'succeeded' || this.#notice !== undefined;
    return html`<button
        part="button"
        type="button"
        ?disabled=${this.#disabled()}
        aria-busy=${busy ? 'true' : 'false'}
        aria-disabled=${inert ? 'true' : nothing}
        @click=${this.#onClick}
      >
        ${busy ? html`<span part="spinner" aria-hidden="true"></span>` : nothing}
        <span part="label">${this.#label(s)}</span>
      </button>
      ${this.#notice ? html`<p part="notice">${this.#noticeText(s)}</p>` : nothing}
      <span part="status" class="visually-hidden" role="status">${this.announcement}</span>
      <slot name="hint"></slot>`;
  }
}
