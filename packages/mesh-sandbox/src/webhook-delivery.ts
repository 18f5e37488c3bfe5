/**
 * At-least-once delivery of signed transfer webhooks, the way Mesh delivers them: each attempt
 * gets a new `Id` and `SentTimestamp` and keeps the event's `EventId`; a non-2xx answer, a network
 * error or no answer within the timeout (Mesh waits 200 ms) is retried with exponential backoff;
 * a configurable share of delivered events is sent again (spontaneous duplicates). Every attempt
 * is recorded for tests.
 */
import { randomUUID } from 'node:crypto';
import { SIGNATURE_HEADER, signWebhook } from './webhook-sign.js';
import { unixSeconds } from './transfers.js';
import { transferWebhookBody, type TransferEvent } from './webhook-payload.js';

/** One delivery attempt. */
export interface WebhookDelivery {
  readonly eventId: string;
  /** The attempt's own id (`Id` in the body). */
  readonly id: string;
  readonly transferId: string;
  readonly status: TransferEvent['status'];
  /** 1 for the first try of a send, 2… for retries. */
  readonly attempt: number;
  /** True when this send was a spontaneous duplicate of an already delivered event. */
  readonly duplicate: boolean;
  /** Unix seconds, as in the body. */
  readonly sentTimestamp: number;
  readonly url: string;
  /** The receiver's HTTP status, when it answered. */
  readonly httpStatus?: number;
  /** Why the attempt failed without an answer (network error, timeout). */
  readonly error?: string;
  readonly delivered: boolean;
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  /** Longest wait between two tries. */
  maxDelayMs: number;
  timeoutMs: number;
}

export interface DispatcherOptions {
  url: () => string | undefined;
  secret: string | undefined;
  retry: RetryPolicy;
  duplicateRate: number;
  random: () => number;
  now: () => number;
}

const CLOSED = Symbol('closed');

export class WebhookDispatcher {
  readonly #deliveries: WebhookDelivery[] = [];
  readonly #timers = new Map<NodeJS.Timeout, () => void>();
  readonly #abort = new AbortController();
  #busy = 0;
  #waiters: (() => void)[] = [];
  #closed = false;

  constructor(private readonly options: DispatcherOptions) {}

  deliveries(): WebhookDelivery[] {
    return [...this.#deliveries];
  }

  /** Whether webhooks go anywhere (a URL and a secret are configured). */
  enabled(): boolean {
    return Boolean(this.options.secret && this.options.url());
  }

  /**
   * Runs `work` after `delayMs`; counted as pending work for {@link idle} from now until `work`
   * settles. Cancelled by {@link close}.
   */
  later(delayMs: number, work: () => Promise<void> | void): void {
    void this.#track(
      (async () => {
        if ((await this.#sleep(delayMs)) === CLOSED) return;
        await work();
      })(),
    );
  }

  /** Delivers one event (retries, maybe a duplicate). Resolves when done or given up. */
  send(event: TransferEvent): Promise<void> {
    return this.#track(this.#send(event));
  }

  /** Resolves once nothing is scheduled or in flight. */
  idle(): Promise<void> {
    if (this.#busy === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Cancels timers and in-flight requests; pending work resolves without further attempts. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#abort.abort();
    for (const [timer, wake] of this.#timers) {
      clearTimeout(timer);
      wake();
    }
    this.#timers.clear();
    await this.idle();
  }

  async #send(event: TransferEvent): Promise<void> {
    const delivered = await this.#sendWithRetries(event, false);
    if (delivered && this.options.random() < this.options.duplicateRate) {
      await this.#sendWithRetries(event, true);
    }
  }

  async #sendWithRetries(event: TransferEvent, duplicate: boolean): Promise<boolean> {
    const { attempts, baseDelayMs } = this.options.retry;
    for (let attempt = 1; attempt <= Math.max(1, attempts); attempt++) {
      if (this.#closed) return false;
      if (await this.#attempt(event, attempt, duplicate)) return true;
      if (attempt < attempts) {
        const delay = Math.min(this.options.retry.maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
        if ((await this.#sleep(delay)) === CLOSED) return false;
      }
    }
    return false;
  }

  async #attempt(event: TransferEvent, attempt: number, duplicate: boolean): Promise<boolean> {
    const url = this.options.url();
    const secret = this.options.secret;
    if (!url || !secret) return false;
    const id = randomUUID();
    const sentTimestamp = unixSeconds(this.options.now());
    const body = Buffer.from(transferWebhookBody(event, { id, sentTimestamp }), 'utf8');
    const base = {
      eventId: event.eventId,
      id,
      transferId: event.transfer.id,
      status: event.status,
      attempt,
      duplicate,
      sentTimestamp,
      url,
    };
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          [SIGNATURE_HEADER]: signWebhook(secret, body),
          'User-Agent': 'mesh-sandbox-webhooks/1',
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.options.retry.timeoutMs)]),
      });
      // Drain so the connection is reused; the content does not matter.
      await response.arrayBuffer().catch(() => undefined);
      const delivered = response.status >= 200 && response.status < 300;
      this.#deliveries.push({ ...base, httpStatus: response.status, delivered });
      return delivered;
    } catch (error) {
      const e = error as Error;
      const reason = e.name === 'TimeoutError' ? `timeout after ${this.options.retry.timeoutMs} ms` : e.message;
      this.#deliveries.push({ ...base, error: reason, delivered: false });
      return false;
    }
  }

  #sleep(ms: number): Promise<void | typeof CLOSED> {
    if (this.#closed) return Promise.resolve(CLOSED);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.set(timer, () => resolve(CLOSED));
    });
  }

  async #track<T>(work: Promise<T>): Promise<T> {
    this.#busy++;
    try {
      return await work;
    } finally {
      this.#busy--;
      if (this.#busy === 0) {
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const w of waiters) w();
      }
    }
  }
}
