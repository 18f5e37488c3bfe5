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

/** What a server status means to the payment's state machine; other statuses are shown, never acted on. */
export type StatusStep = 'serverPending' | 'serverSucceeded' | 'serverFailed';

const STEPS: ReadonlyMap<string, StatusStep> = new Map([
  ['pending', 'serverPending'],
  ['processing', 'serverPending'],
  ['succeeded', 'serverSucceeded'],
  ['failed', 'serverFailed'],
]);

/** What the kit's final `expired` event says before it closes a stream whose capability runs out. */
export interface StreamExpiredEvent {
  transactionId: string;
  /** The last status the kit knew; the payment may still change after the stream stopped. */
  status: string;
}

export interface StatusStreamOptions {
  /** Resume after this event id (used after a reload; EventSource handles reconnects itself). */
  lastEventId?: string;
  onStatus: (event: TransferStatusEvent, step: StatusStep | undefined) => void;
  onError: (error: MeshPayError) => void;
  /** The kit ended the stream for good (its capability expired): nothing more will come. */
  onExpired: (error: MeshPayError, event: StreamExpiredEvent) => void;
}

export interface StatusStream {
  close(): void;
}

/** Consecutive 503/429 answers we wait out before giving up. */
const MAX_BUSY_RETRIES = 8;
/** Longest wait we accept from a Retry-After (a misconfigured proxy must not park us for hours). */
const MAX_RETRY_AFTER_MS = 120_000;
const DEFAULT_RETRY_AFTER_MS = 5_000;

/** `Retry-After` (delay-seconds or an HTTP-date) in ms, clamped to [0, 120 s]; 5 s when absent or garbage. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  const value = header?.trim() ?? '';
  let ms: number;
  if (/^\d{1,10}$/.test(value)) ms = Number(value) * 1000;
  // An IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT"); Date.parse alone would also take "-1" or "1e9".
  else if (/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(value)) ms = Date.parse(value) - now;
  else return DEFAULT_RETRY_AFTER_MS;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
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

/** Parses the kit's final `expired` event; undefined for garbage. */
export function parseExpiredData(data: string): StreamExpiredEvent | undefined {
  try {
    const v = JSON.parse(data) as Record<string, unknown> | null;
    if (typeof v !== 'object' || v === null) return undefined;
    return { transactionId: typeof v.transactionId === 'string' ? v.transactionId : '', status: typeof v.status === 'string' ? v.status : '' };
  } catch {
    return undefined;
  }
}

/**
 * Follows the transfer's status stream. The server ends the stream after a final status; we close
 * our EventSource on it ourselves, otherwise EventSource would reconnect forever. `statusUrl` is
 * absolute (resolved against the token route); a cross-origin kit gets the shopper's cookies.
 *
 * EventSource hides the HTTP status of a refused connection, so when it gives up we ask once with
 * fetch: a 503/429 (the kit's stream cap) is waited out for its `Retry-After`, anything else is final.
 */
export function openStatusStream(statusUrl: string, options: StatusStreamOptions): StatusStream {
  let closed = false;
  let lastEventId = options.lastEventId;
  let source: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let busyRetries = 0;
  const crossOrigin = new URL(statusUrl, location.href).origin !== location.origin;
  const close = () => {
    closed = true;
    clearTimeout(timer);
    source?.close();
  };
  const fail = () => {
    if (closed) return;
    closed = true;
    options.onError(new MeshPayError('MESH_PAY_STREAM_FAILED', 'The payment status stream could not be opened', { retryable: true }));
  };
  const refused = async (url: string) => {
    const probe = new AbortController();
    let res: Response;
    try {
      res = await fetch(url, { headers: { accept: 'text/event-stream' }, credentials: crossOrigin ? 'include' : 'same-origin', signal: probe.signal, cache: 'no-store' });
    } catch {
      return fail();
    }
    probe.abort(); // only the status and headers matter; do not hold a stream slot
    if (closed) return;
    const busy = res.status === 503 || res.status === 429;
    if ((!busy && !res.ok) || busyRetries >= MAX_BUSY_RETRIES) return fail();
    busyRetries += 1;
    timer = setTimeout(connect, busy ? retryAfterMs(res.headers.get('retry-after')) : 1000);
  };
  const connect = () => {
    if (closed) return;
    const url = resumeUrl(statusUrl, lastEventId, location.href);
    const es = new EventSource(url, { withCredentials: crossOrigin });
    source = es;
    es.addEventListener('open', () => {
      busyRetries = 0;
    });
    es.addEventListener('status', (message) => {
      const data = message as MessageEvent<string>;
      const event = parseStatusData(data.data, data.lastEventId);
      if (!event || closed) return;
      if (data.lastEventId) lastEventId = data.lastEventId;
      if (TERMINAL.has(event.status)) close();
      options.onStatus(event, STEPS.get(event.status));
    });
    es.addEventListener('expired', (message) => {
      if (closed) return;
      close();
      const event = parseExpiredData((message as MessageEvent<string>).data) ?? { transactionId: '', status: '' };
      const why = `The live payment status stopped while the payment was ${event.status || 'unconfirmed'}`;
      options.onExpired(new MeshPayError('MESH_PAY_STREAM_EXPIRED', why, { retryable: false }), event);
    });
    es.addEventListener('error', () => {
      // CONNECTING means the browser is already retrying with Last-Event-ID; only CLOSED is final
      // (HTTP error, wrong content type, expired capability).
      if (closed || es.readyState !== EventSource.CLOSED) return;
      void refused(url);
    });
  };
  connect();
  return { close };
}
