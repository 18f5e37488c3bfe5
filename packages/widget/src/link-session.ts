import type { LinkEventType, LinkPayload, SessionSummary, TransferFinishedPayload } from '@meshconnect/web-link-sdk';
import { toMeshPayError, type MeshPayError } from './errors.js';
import type { MeshPayEventDetailMap } from './events.js';
import { createLink } from './link-create.js';
import type { LinkDialog } from './link-dialog.js';
import { decideExit, exitError, TRANSFER_STARTED_EVENTS } from './link-exit.js';
import type { LinkSdk } from './link-loader.js';
import type { PaymentEvent, PaymentStatus } from './payment-machine.js';
import { redactTokens } from './redact.js';
import { requestLinkToken, saveIntegration, type LinkTokenResponse } from './token-client.js';

/** The element's public state a Link session reads. */
export interface LinkSessionElement {
  readonly status: PaymentStatus;
  readonly tokenUrl: string;
  readonly orderId: string | undefined;
  readonly theme: 'light' | 'dark' | 'system';
  readonly renderType: 'embedded' | 'overlay';
  readonly exposeAccessTokens: boolean;
  readonly fiatCurrency: string | undefined;
}

/** What a Link session asks the element that opened it to do. */
export interface LinkSessionHost {
  /** The nearest `lang` ('' when none). */
  lang(): string;
  /** False once the customer's attempt was abandoned (reset, new order, removed): then do nothing. */
  live(): boolean;
  go(event: PaymentEvent): void;
  emit<K extends keyof MeshPayEventDetailMap>(type: K, detail: MeshPayEventDetailMap[K]): void;
  /** This token is now the payment's (kept for Retry, resume and the saved record). */
  adopt(token: LinkTokenResponse): void;
  /** Persist the current status for a reload. */
  save(): void;
  /** Follow the token's status stream, unless already following it. */
  follow(): void;
  fail(error: MeshPayError): void;
  /** Close Link and the dialog, free the page's Link slot, focus the button. */
  teardown(): void;
  /** Forget the saved payment (a plain cancel). */
  forget(): void;
  /** The element's dialog (created when missing); `undefined` drops it (overlay mode). */
  dialog(keep: boolean): LinkDialog | undefined;
}

/**
 * One Mesh Link session of one payment attempt: the SDK's callbacks, what closing Link means, and
 * the one silent re-mint of a token that outlived Mesh's 10 minutes. Part of the lazily loaded half.
 */
export class LinkSession {
  private link: ReturnType<LinkSdk['createLink']> | undefined;
  /** Link's page said `loaded`: only then can it answer a graceful `closeRequested`. */
  private loaded = false;
  private connected = false;
  private transferStarted = false;
  /** True while we close Link ourselves: its onExit then reports nothing new. */
  private closing = false;

  constructor(
    private readonly el: LinkSessionElement,
    private readonly host: LinkSessionHost,
    private readonly sdk: LinkSdk,
  ) {}

  /** Shows Link for `token` (a re-minted token is opened with `reminted`). */
  open(token: LinkTokenResponse, reminted = false): void {
    const { el, host } = this;
    host.adopt(token);
    this.connected = false;
    this.transferStarted = false;
    const renderType = el.renderType === 'overlay' ? 'overlay' : 'embedded';
    const link = createLink(
      this.sdk,
      {
        onIntegrationConnected: (payload) => {
          if (host.live()) this.onIntegrationConnected(token, payload);
        },
        onTransferFinished: (payload) => {
          if (host.live()) this.onTransferFinished(payload);
        },
        onExit: (error, summary) => {
          if (host.live() && !this.closing && this.link === link) this.onExit(token, reminted, error, summary);
        },
        onEvent: (event) => {
          if (host.live()) this.onEvent(event);
        },
        theme: el.theme,
        language: host.lang() || 'system',
        renderType,
      },
      { token, tokenUrl: el.tokenUrl, fiatCurrency: el.fiatCurrency },
    );
    this.link = link;
    this.loaded = false;
    // `open` first: an SDK that rejects the token calls onExit inside openLink, and that is an error only while open.
    host.go('opened');
    if (renderType === 'overlay') {
      host.dialog(false);
      link.openLink(token.linkToken);
    } else {
      // Link's page starts loading (the iframe navigates) before the dialog's style and layout are worked out.
      const dialog = host.dialog(true)!;
      link.openLink(token.linkToken, dialog.iframeId);
      if (this.link === link) dialog.showLink();
    }
    if (this.link !== link) return; // the SDK refused the token: onExit already reported it
    // What the page hears about and keeps comes after Link is on its way: its listeners cost Link nothing.
    host.save();
    host.emit('mesh-open', { transactionId: token.transactionId, renderType });
  }

  /** True while Link is showing. */
  get showing(): boolean {
    return this.link !== undefined;
  }

  /** Closes Link ourselves (no `mesh-exit`: the caller knows why). */
  close(): void {
    const link = this.link;
    this.link = undefined;
    if (!link) return;
    this.closing = true;
    try {
      link.closeLink();
    } finally {
      this.closing = false;
    }
  }

  /** The customer asked to close (Escape, the dialog's ×): Link decides, gracefully first. */
  requestClose(dialog: LinkDialog | undefined): boolean {
    if (!this.link) return false;
    if (dialog) dialog.closeLink(this.link, this.loaded);
    else this.link.closeLink();
    return true;
  }

  private onEvent(event: LinkEventType): void {
    if (event.type === 'pageLoaded') this.loaded = true;
    if (TRANSFER_STARTED_EVENTS.has(event.type)) this.transferStarted = true;
    this.host.emit('mesh-event', this.el.exposeAccessTokens ? event : redactTokens(event));
  }

  private onIntegrationConnected(token: LinkTokenResponse, payload: LinkPayload): void {
    this.connected = true;
    // The kit stores the tokens for the next visit; the DOM only sees them when the page opts in.
    void saveIntegration(token.statusUrl, payload);
    this.host.emit('mesh-integration-connected', this.el.exposeAccessTokens ? payload : redactTokens(payload));
  }

  private onTransferFinished(payload: TransferFinishedPayload): void {
    const host = this.host;
    host.go('transferFinished');
    host.save();
    host.emit('mesh-transfer-finished', payload);
    host.follow();
  }

  private onExit(token: LinkTokenResponse, reminted: boolean, error: string | undefined, summary: SessionSummary | undefined): void {
    const { el, host } = this;
    const outcome = decideExit({
      status: el.status,
      error,
      connected: this.connected,
      transferStarted: this.transferStarted,
      tokenAgeMs: Date.now() - token.receivedAt,
      reminted,
    });
    const exit = () => host.emit('mesh-exit', { error, summary, reason: outcome === 'expired-again' ? 'error' : outcome });
    this.link = undefined;
    if (outcome === 'done') {
      // Transfer already sent (confirming) or settled: closing Link changes nothing.
      exit();
      return host.teardown();
    }
    if (outcome === 'closed-after-transfer') {
      // Link's success screen never came, but the exchange may already be sending: ask the server.
      host.teardown();
      host.go('transferFinished');
      host.save();
      exit();
      return host.follow();
    }
    if (outcome === 'token-expired') {
      exit();
      // Tokens are single-use and live 10 minutes: one silent re-mint, in the same dialog.
      host.go('remint');
      requestLinkToken(el.tokenUrl, el.orderId)
        .then((fresh) => {
          if (host.live()) this.open(fresh, true);
        })
        .catch((err: unknown) => {
          if (host.live()) host.fail(toMeshPayError(err, 'MESH_PAY_NETWORK'));
        });
      return;
    }
    const failure = exitError(outcome, error);
    if (failure) {
      exit();
      return host.fail(failure);
    }
    host.teardown();
    // A plain cancel changes the status first, so `mesh-exit` listeners already see `cancelled`.
    host.go('exit');
    host.forget();
    exit();
  }
}
