import type { LinkEventType, LinkPayload, SessionSummary, TransferFinishedPayload } from '@meshconnect/web-link-sdk';
import type { MeshPayErrorDetail } from './errors.js';
import type { MeshExitReason } from './link-exit.js';
import type { TransferStatusEvent } from './status-stream.js';

/** `mesh-click` (cancelable): the customer asked to pay. */
export interface MeshClickDetail {
  orderId: string | undefined;
}

/** `mesh-open`: Link is showing for this transaction. */
export interface MeshOpenDetail {
  transactionId: string;
  renderType: 'embedded' | 'overlay';
}

/** `mesh-exit`: Link closed; `error` is Link's error message, if any; `reason` says what it means. */
export interface MeshExitDetail {
  error: string | undefined;
  summary: SessionSummary | undefined;
  reason: MeshExitReason;
}

/** The detail type of each DOM event the button fires. */
export interface MeshPayEventDetailMap {
  'mesh-click': MeshClickDetail;
  'mesh-open': MeshOpenDetail;
  /** Access/refresh tokens are "[redacted]" unless `expose-access-tokens` is set. */
  'mesh-integration-connected': LinkPayload;
  /** The provider accepted the transfer. Not paid yet: wait for `mesh-status` `succeeded`. */
  'mesh-transfer-finished': TransferFinishedPayload;
  'mesh-exit': MeshExitDetail;
  /** Every SDK `onEvent` (tokens redacted as above). */
  'mesh-event': LinkEventType;
  /** Each server status from the stream. */
  'mesh-status': TransferStatusEvent;
  'mesh-error': MeshPayErrorDetail;
}

export type MeshPayEventName = keyof MeshPayEventDetailMap;
