import { MeshPayError } from './errors.js';

/** One server status of the transfer, as the kit's status stream sends it. */
export interface TransferStatusEvent {
  transactionId: string;
  transferId: string;
  /** `pending`, `processing`, `succeeded`, `failed` (others are shown, never treated as paid). */
  status: string;
  txHash?: string;
  sourceAmount?: string;
  destinationAmount?: string;
  token?: string;
  chain?: string;
  at: string;
  /** The SSE `id:` of this event. */
  eventId: string;
}

export interface StatusStreamOptions {
  /** Resume after this event id (used after a reload; EventSource handles reconnects itself). */
  lastEventId?: string;
  onStatus: (event: TransferStatusEvent) => void;
  onError: (error: MeshPayError) => void;
}

export interface StatusStream {
  close(): void;
}

const TERMINAL = new Set(['succeeded', 'failed']);

/** Adds `lastEventId` as a query parameter: a fresh EventSource cannot set the header itself. */
export function resumeUrl(statusUrl: string, lastEventId: string | undefined, base: string): string {
  const url = new URL(statusUrl, base);
  if (lastEventId) url.searchParams.set('lastEventId', lastEventId);
  return url.href;
}

/** Parses one `status` event's data; undefined for garbage the element must not act on. */
export function parseStatusData(data: string, eventId: string): TransferStatusEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.status !== 'string') return undefined;
  const out: TransferStatusEvent = {
    transactionId: typeof v.transactionId === 'string' ? v.transactionId : '',
    transferId: typeof v.transferId === 'string' ? v.transferId : '',
    status: v.status,
    at: typeof v.at === 'string' ? v.at : '',
    eventId,
  };
  for (const key of ['txHash', 'sourceAmount', 'destinationAmount', 'token', 'chain'] as const) {
    const field = v[key];
    if (typeof field === 'string') out[key] = field;
  }
  return out;
}

/**
 * Follows the transfer's status stream. The server ends the stream after a final status; we close
 * our EventSource on it ourselves, otherwise EventSource would reconnect forever.
 */
export function openStatusStream(statusUrl: string, options: StatusStreamOptions): StatusStream {
  const source = new EventSource(resumeUrl(statusUrl, options.lastEventId, location.href));
  let closed = false;
  const close = () => {
    closed = true;
    source.close();
  };
  source.addEventListener('status', (message) => {
    const event = parseStatusData((message as MessageEvent<string>).data, (message as MessageEvent<string>).lastEventId);
    if (!event || closed) return;
    if (TERMINAL.has(event.status)) close();
    options.onStatus(event);
  });
  source.addEventListener('error', () => {
    // CONNECTING means the browser is already retrying with Last-Event-ID; only CLOSED is final
    // (HTTP error, wrong content type, expired capability).
    if (closed || source.readyState !== EventSource.CLOSED) return;
    closed = true;
    options.onError(new MeshPayError('MESH_PAY_STREAM_FAILED', 'The payment status stream could not be opened', { retryable: true }));
  });
  return { close };
}
