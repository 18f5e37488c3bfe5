/**
 * The wire contract between the kit (`@mesh-pay/backend-kit`) and the button (`@mesh-pay/widget`),
 * declared once. Types only: nothing here exists at run time, so importing it can never pull server
 * code into the button's bundle. The kit, the button and the button's test fake kit all build or
 * read these shapes, so renaming a field on one side alone does not compile.
 */

/** Mesh's environments (`environment` of the token response). */
export type MeshEnvironment = 'sandbox' | 'production';

/**
 * A saved exchange connection handed back to Link so a return user skips signing in (the
 * `accessTokens` item of `createLink` in `@meshconnect/web-link-sdk`).
 */
export interface IntegrationAccessToken {
  accountId: string;
  accountName: string;
  accessToken: string;
  brokerType: string;
  brokerName: string;
}

/** `200` body of `POST <token-url>`. */
export interface LinkTokenResponse {
  linkToken: string;
  transactionId: string;
  /** The status stream: a path (resolved against the token route, not the page) or an absolute URL. */
  statusUrl: string;
  environment: MeshEnvironment;
  /** Present for a return user with saved connections. */
  accessTokens?: IntegrationAccessToken[];
  /** Mesh's hosted pay page, when the kit asked Mesh for one (`generatePayLink`). */
  paymentLink?: string;
}

/** Transfer statuses; only `succeeded` means paid. Others may appear and are shown, never acted on. */
/**
 * Lower-cased as the kit stores them (Mesh may send `Pending`, `Succeeded`…). Refund statuses are
 * shown, never credited or un-credited; anything else Mesh adds is shown as sent.
 */
export type TransferStatus = 'pending' | 'processing' | 'succeeded' | 'failed' | 'refundpending' | 'refundsucceeded' | (string & {});

/** Data of one `event: status` on the status stream (its SSE `id:` is a per-transaction sequence). */
export interface StatusEvent {
  transactionId: string;
  transferId: string;
  status: TransferStatus;
  txHash?: string;
  sourceAmount?: string;
  destinationAmount?: string;
  token?: string;
  chain?: string;
  /** ISO 8601 time the kit recorded the change. */
  at: string;
}

/** Data of the final `event: expired`, sent just before the kit closes a stream whose capability runs out. */
export interface StreamExpiredEvent {
  transactionId: string;
  /** The last status the kit knew (`null`: none yet); the payment may still change after the stream stopped. */
  status: TransferStatus | null;
}

/** The SSE event names of the status stream. */
export type StatusStreamEventName = 'status' | 'expired';

/** Every `code` of the kit's `application/problem+json` answers (RFC 9457). */
export type ProblemCode =
  | 'MESH_PAY_INVALID_REQUEST'
  | 'MESH_PAY_ORDER_NOT_FOUND'
  | 'MESH_PAY_MESH_UNAVAILABLE'
  | 'MESH_PAY_MESH_REFUSED'
  | 'MESH_PAY_MESH_TIMEOUT'
  | 'MESH_PAY_SIGNATURE_INVALID'
  | 'MESH_PAY_PAYLOAD_TOO_LARGE'
  | 'MESH_PAY_INVALID_EVENT'
  | 'MESH_PAY_CAPABILITY_INVALID'
  | 'MESH_PAY_CAPABILITY_EXPIRED'
  | 'MESH_PAY_TRANSACTION_NOT_FOUND'
  | 'MESH_PAY_SOURCE_FORBIDDEN'
  | 'MESH_PAY_RATE_LIMITED'
  | 'MESH_PAY_ORDER_ALREADY_PAID'
  | 'MESH_PAY_TOO_MANY_STREAMS'
  | 'MESH_PAY_BUSY'
  | 'MESH_PAY_CONFIG_INVALID'
  /** The operator API's (kit.inbox / mesh-pay CLI): no browser route answers it. */
  | 'MESH_PAY_INBOX_EVENT_NOT_FOUND'
  | 'MESH_PAY_INTERNAL';

/** An `application/problem+json` body as the kit sends it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
}
