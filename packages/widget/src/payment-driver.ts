import { adoptStyles, html, nothing, type TemplateResult } from 'lit';
import { toMeshPayError, type MeshPayError } from './errors.js';
import type { MeshPayEventDetailMap } from './events.js';
import { displayFiatCurrency } from './fiat-currency.js';
import { AbortableTask } from './abortable-task.js';
import { loadLinkSdk } from './link-loader.js';
import { preconnectLink } from './link-preconnect.js';
import { LinkSessionController, type LinkControllerHost } from './link-session-controller.js';
import { nearestLang, type MeshPayStrings } from './locales.js';
import type { MeshPayButton } from './mesh-pay-button.component.js';
import { paymentDriverStyles } from './payment-driver.styles.js';
import { isBusy, nextStatus, type PaymentEvent, type PaymentStatus } from './payment-machine.js';
import { clearPayment, loadPayment, savePayment, sessionKey, trustedStatusUrl } from './payment-session.js';
import type { StatusStep, TransferStatusEvent } from './status-stream.js';
import { StatusStreamController } from './status-stream-controller.js';
import { requestLinkToken, withPaymentLink, type LinkTokenResponse } from './token-client.js';
import { isInAppBrowser } from './webview-detect.js';
import { renderWebview } from './webview-view.js';

/** Why the button is inert in `error`: the order is already paid, or its live status stopped. */
export type PaymentNotice = 'already-paid' | 'stream-expired';

/** What only the element may do to itself, handed to its driver (its status is read-only to the page). */
export interface ButtonInternals {
  /** Sets, reflects and announces the status (the driver asked the payment machine first). */
  show(status: PaymentStatus): void;
  /** Says `text` through the live region. */
  announce(text: string): void;
  emit<K extends keyof MeshPayEventDetailMap>(type: K, detail: MeshPayEventDetailMap[K], cancelable?: boolean): boolean;
  strings(): MeshPayStrings;
  /** Disabled by its attribute or by a `<fieldset disabled>` around it. */
  disabled(): boolean;
}

/**
 * Everything a <mesh-pay-button> does once the customer shows intent or a saved payment is resumed
 * (part of the lazily loaded half): the payment machine beyond idle, the token request, Link, the
 * status stream, resume and errors. The element owns its properties, render and reflected state;
 * the driver decides every status after `idle` and tells the element through `ButtonInternals`.
 */
export class PaymentDriver {
  #attempt = 0;
  /** The attempt's token request, aborted with the attempt. */
  readonly #tokenTask: AbortableTask<[string, string | undefined], LinkTokenResponse>;
  /** Link's slot, dialog and session. */
  readonly #link: LinkSessionController;
  /** Follows the payment's server status (EventSource life, Last-Event-ID kept with the payment). */
  readonly #stream: StatusStreamController;
  #token: LinkTokenResponse | undefined;
  #streamBroke = false;
  #resumedKey: string | undefined;
  /**
   * The element showed `confirming` from the saved record's status alone, before this half read the
   * record, or `error` because this half failed to download (only the element shows `error` before a
   * driver exists; it may have been sent for a saved payment, which is still this half's to resume).
   */
  #unread: boolean;
  /** Why the button is inert in `error`, if it is. */
  notice: PaymentNotice | undefined;
  /** The server's transferId once it said `succeeded` (the form value). */
  transferId: string | undefined;

  constructor(
    private readonly el: MeshPayButton,
    private readonly internals: ButtonInternals,
  ) {
    this.#unread = el.status === 'confirming' || el.status === 'error';
    // The looks of a payment under way, next to the element's resting styles.
    adoptStyles(el.renderRoot as ShadowRoot, [...(el.constructor as typeof MeshPayButton).elementStyles, paymentDriverStyles]);
    this.#tokenTask = new AbortableTask(el, ([tokenUrl, orderId], { signal }) => requestLinkToken(tokenUrl, orderId, signal));
    this.#link = new LinkSessionController(el, this.#linkHost());
    this.#stream = new StatusStreamController(el, {
      key: () => (el.tokenUrl ? this.#key() : undefined),
      onStatus: (event, step) => this.#onStatus(event, step),
      onExpired: (error) => this.#onStreamExpired(error),
      onError: (error) => this.#onStreamError(error),
    });
  }

  /**
   * Intent (pointer near, focus, press): fetch Link's code now, so a click finds it here. A press (a
   * primary-button pointerdown, or Space, whose click comes at key-up) also gets Link's dialog and the
   * page's fetch ready before its click. Not Enter: it clicks in its own task, and the token request
   * must not wait for the dialog (the attempt makes it while the request travels).
   */
  intent(event?: Event): void {
    if (this.#inAppBrowser()) return;
    // Failures are reported when the customer actually clicks.
    loadLinkSdk({ prewarm: this.el.prewarm }).catch(() => undefined);
    const press = event?.type === 'pointerdown' ? (event as PointerEvent).button === 0 : (event as KeyboardEvent | undefined)?.key === ' ';
    if (press && !this.notice) void this.#link.prepare();
  }

  /** A payment the customer asked for (the element checked it may start and fired `mesh-click`). */
  pay(): void {
    if (this.el.status === 'error' && this.#streamBroke && this.#token) {
      this.#streamBroke = false;
      this.#go('resume');
      this.#stream.follow(this.#token.statusUrl, this.#saved()?.lastEventId);
      return;
    }
    // A new attempt is a new transaction: stop following any earlier one (e.g. resumed after reload).
    this.#stream.stop();
    this.#abandon();
    void this.#run(this.#attempt); // goes `start` itself, right after the token request leaves
  }

  /** Back to `idle`: closes Link, stops following the stream and forgets the saved payment for this order. */
  reset(): void {
    this.#abandon();
    this.#link.teardown(false);
    this.#stream.stop();
    this.#forgetOrder();
    if (this.el.tokenUrl) clearPayment(this.#key());
    this.#go('reset');
  }

  /**
   * Removed mid-flow (SPA navigation), called before the controllers close Link (freeing the page's
   * Link slot), the stream and the token request: the attempt is abandoned. A confirming payment
   * stays confirming and is followed again on re-attach (sessionStorage).
   */
  disconnected(): void {
    this.#resumedKey = undefined;
    const status = this.el.status;
    if (status !== 'preparing' && status !== 'open' && !this.#link.active) return;
    this.#abandon();
    this.#go('exit');
  }

  /** Follows the saved payment of the current (token-url, order-id), once per key. */
  followOrder(): void {
    if (!this.el.tokenUrl || !this.el.isConnected) return;
    const key = this.#key();
    if (key === this.#resumedKey) return;
    if (this.#resumedKey !== undefined) {
      // A different order: whatever the old one was doing is not this order's state.
      if (isBusy(this.el.status) && this.el.status !== 'confirming') return;
      this.#abandon();
      this.#stream.stop();
      this.#forgetOrder();
      this.#go('reset');
    }
    this.#resumedKey = key;
    this.#resume(key);
    // A record that leads to no stream (malformed, pointing elsewhere, stale) does not keep the
    // element's early "Confirming…": idle again, so the customer may pay.
    if (this.#unread && !this.#stream.following && this.el.status === 'confirming') this.#go('reset');
    this.#unread = false;
  }

  /**
   * In an in-app browser (Link's iframe breaks there), what the element shows in place of its
   * button; undefined elsewhere. Detected here, on intent, rather than in the element's entry.
   */
  webview(label: string): TemplateResult | undefined {
    if (!this.#inAppBrowser()) return undefined;
    return renderWebview(
      {
        strings: this.internals.strings(),
        status: this.el.status,
        disabled: this.internals.disabled(),
        label,
        notice: this.notice,
        paymentLink: this.#token?.paymentLink,
        pageUrl: location.href,
        userAgent: this.#userAgent(),
        onPay: () => this.el.pay(),
      },
    );
  }

  /** What the element shows under its button in states only the driver reaches: a notice. */
  extras(): TemplateResult | typeof nothing {
    const notice = this.noticeText(this.internals.strings());
    return notice ? html`<p part="notice">${notice}</p>` : nothing;
  }

  /** The button's text in `error` when a notice explains it; undefined for a plain error (Retry). */
  noticeLabel(s: MeshPayStrings): string | undefined {
    return this.notice && (this.notice === 'already-paid' ? s.alreadyPaid : s.statusStopped);
  }

  noticeText(s: MeshPayStrings): string | undefined {
    return this.notice && (this.notice === 'already-paid' ? s.alreadyPaidNotice : s.statusStoppedNotice);
  }

  /** After the element set its status state: the form value (the transferId, once paid) and the notice's state. */
  syncStates(internals: ElementInternals): void {
    internals.setFormValue(this.el.status === 'succeeded' ? (this.transferId ?? null) : null);
    try {
      if (this.notice) internals.states.add(this.notice);
    } catch {
      /* see the element's own states */
    }
  }

  #forgetOrder(): void {
    this.#token = undefined;
    this.#streamBroke = false;
    this.notice = undefined;
  }

  /** Ends the current attempt: its callbacks do nothing from now on and its token request is aborted. */
  #abandon(): void {
    this.#attempt += 1;
    this.#tokenTask.abort();
  }

  async #run(attempt: number): Promise<void> {
    try {
      const webview = this.#inAppBrowser();
      const sdkLoad = webview ? undefined : loadLinkSdk({ prewarm: this.el.prewarm });
      sdkLoad?.catch(() => undefined);
      displayFiatCurrency(this.el.fiatCurrency);
      const tokenRequest = this.#tokenTask.run(this.el.tokenUrl, this.el.orderId);
      // "Preparing…" (status, announcement, custom states: ~0.4 ms) once the request is on its way.
      this.#go('start');
      // Link's origin is known the moment the token is: open the connection while the SDK builds its iframe.
      tokenRequest.then((token) => preconnectLink(token.linkToken), () => undefined);
      if (webview) {
        // Link's iframe would break here; Mesh's hosted pay page works in the system browser. Offer
        // it and follow this payment's server status meanwhile.
        const token = withPaymentLink(await tokenRequest);
        if (attempt !== this.#attempt) return;
        this.#token = token;
        this.#go('opened');
        this.#save();
        return this.#stream.follow(token.statusUrl, undefined);
      }
      await this.#link.open(() => attempt === this.#attempt, tokenRequest, sdkLoad!);
    } catch (err) {
      if (attempt !== this.#attempt) return;
      this.#go('start'); // a failure before the request left (e.g. a bad fiat-currency) still starts, then fails
      this.#fail(toMeshPayError(err, 'MESH_PAY_NETWORK'));
    }
  }

  /** What the Link controller and its sessions may do to the element. */
  #linkHost(): LinkControllerHost {
    return {
      lang: () => nearestLang(this.el),
      go: (event) => this.#go(event),
      emit: (type, detail) => this.internals.emit(type, detail),
      adopt: (token) => (this.#token = token),
      save: () => this.#save(),
      follow: () => {
        if (!this.#stream.following && this.#token) this.#stream.follow(this.#token.statusUrl, this.#saved()?.lastEventId);
      },
      fail: (error) => this.#fail(error),
      forget: () => this.el.tokenUrl && clearPayment(this.#key()),
      strings: () => this.internals.strings(),
      theme: () => resolvedTheme(this.el.theme),
      hasHint: () => Boolean(this.el.hint?.trim()) || this.el.querySelector(':scope > [slot="hint"]') !== null,
      abortToken: () => this.#tokenTask.abort(),
    };
  }

  #onStreamError(error: MeshPayError): void {
    const status = this.el.status;
    // The stream's code never arrived: only an idle button has nothing to say about it.
    const quiet = error.code === 'MESH_PAY_SDK_LOAD_FAILED' ? status === 'idle' : status === 'idle' || status === 'cancelled';
    if (quiet) {
      // A resumed record whose capability expired: nothing to show.
      if (error.code !== 'MESH_PAY_SDK_LOAD_FAILED' && this.el.tokenUrl) clearPayment(this.#key());
      return;
    }
    this.#streamBroke = true;
    this.#fail(error);
  }

  #onStatus(event: TransferStatusEvent, step: StatusStep | undefined): void {
    const saved = this.#saved();
    if (step === 'serverSucceeded') this.transferId = event.transferId;
    if (step) this.#go(step);
    if (saved) savePayment(this.#key(), { ...saved, status: this.el.status });
    this.internals.emit('mesh-status', event);
  }

  /**
   * The kit stopped the live status (its capability expired) and said so. Reconnecting would only
   * meet 403s, and a new payment could pay twice: tell the customer how to learn the outcome instead.
   */
  #onStreamExpired(error: MeshPayError): void {
    if (this.el.status === 'idle' || this.el.status === 'cancelled') return;
    this.notice = 'stream-expired';
    this.#fail(error);
  }

  /**
   * After a reload: a saved record is only a hint of which payment to ask about. Even a saved
   * `succeeded` is confirmed by the server's stream (its current status arrives at once) before
   * the button says "Paid"; a record pointing at another origin than the token route is dropped.
   * The element only knew that a record exists (it sent for this half at once because of it).
   */
  #resume(key: string): void {
    const saved = loadPayment(key);
    if (!saved) return;
    const statusUrl = trustedStatusUrl(saved.statusUrl, this.el.tokenUrl);
    if (!statusUrl) return clearPayment(key);
    const status = this.el.status;
    // `error` from before this half arrived (see #unread): a payment that may still settle is followed
    // again, never left to a Retry that would start a second one. (`open` is only ever followed quietly, from rest.)
    const failedToLoad = status === 'error' && this.#unread && saved.status !== 'open';
    if (status !== 'idle' && status !== 'cancelled' && status !== 'confirming' && !failedToLoad) return;
    // Re-attached while confirming: pick the stream up where it stopped.
    if (status === 'confirming' && this.#stream.following) return;
    this.#token ??= { linkToken: '', transactionId: saved.transactionId, statusUrl, environment: 'sandbox', receivedAt: 0 };
    const settled = saved.status === 'succeeded' || saved.status === 'failed';
    // `open`: Link was showing when the page went away. Only the server knows whether a transfer
    // was sent, so follow the stream quietly; a `pending` moves us to confirming.
    if (!settled && saved.status !== 'confirming' && saved.status !== 'open') return clearPayment(key);
    if (saved.status !== 'open') this.#go('resume');
    // A settled stream sends nothing after its last id: ask for the current status instead.
    this.#stream.follow(statusUrl, settled ? undefined : saved.lastEventId);
  }

  #fail(error: MeshPayError): void {
    if (error.code === 'MESH_PAY_ORDER_ALREADY_PAID') this.notice = 'already-paid';
    this.#link.teardown(true);
    this.#go('fail');
    const notice = this.noticeText(this.internals.strings());
    if (notice) this.internals.announce(notice);
    this.internals.emit('mesh-error', error.toDetail());
  }

  #userAgent(): string {
    return this.el.userAgent ?? navigator.userAgent;
  }

  #inAppBrowser(): boolean {
    return isInAppBrowser(this.#userAgent());
  }

  #key(): string {
    return sessionKey(this.el.tokenUrl, this.el.orderId);
  }

  #saved() {
    return this.el.tokenUrl ? loadPayment(this.#key()) : undefined;
  }

  #save(): void {
    const token = this.#token;
    if (!token || !this.el.tokenUrl) return;
    const previous = this.#saved();
    savePayment(this.#key(), {
      statusUrl: token.statusUrl,
      transactionId: token.transactionId,
      status: this.el.status,
      ...(previous?.transactionId === token.transactionId && previous.lastEventId ? { lastEventId: previous.lastEventId } : {}),
    });
  }

  /** Every status after `idle` comes from the payment machine; a step it does not allow is ignored. */
  #go(event: PaymentEvent): void {
    const to = nextStatus(this.el.status, event);
    if (to !== undefined) this.internals.show(to);
  }
}

/** `theme`, with `system` resolved from `prefers-color-scheme`. */
function resolvedTheme(theme: MeshPayButton['theme']): 'light' | 'dark' {
  if (theme === 'dark') return 'dark';
  if (theme === 'system' && typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches) return 'dark';
  return 'light';
}
