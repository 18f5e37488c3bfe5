import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { toMeshPayError, type MeshPayError } from './errors.js';
import { loadLinkFlow } from './payment-driver-loader.js';
import { loadPayment, savePayment } from './payment-session.js';
import type { StatusStep, StatusStream, TransferStatusEvent } from './status-stream.js';

/** What the stream tells the element, and where its place in the stream is kept across reloads. */
export interface StatusStreamCallbacks {
  /** The sessionStorage key of the payment being followed (undefined: nothing to persist). */
  key(): string | undefined;
  /** A server status (its event id is already saved with the payment); the element moves its state machine. */
  onStatus(event: TransferStatusEvent, step: StatusStep | undefined): void;
  /** The kit ended the stream for good (its capability expired). */
  onExpired(error: MeshPayError): void;
  /** The stream could not be opened or followed (or its code could not be loaded). */
  onError(error: MeshPayError): void;
}

const TERMINAL = new Set(['succeeded', 'failed']);

/**
 * Follows one payment's status stream for a Lit element: one EventSource at a time, closed when the
 * element leaves the page (it is picked up again on re-attach, from the saved Last-Event-ID), and each
 * event's id saved with the payment so a reload resumes where the stream stopped. The stream client
 * itself is in the lazily loaded half; a stream asked for and dropped before it arrived never opens.
 */
export class StatusStreamController implements ReactiveController {
  #stream: StatusStream | undefined;
  /** Invalidates a stream that is still loading when another one (or none) is wanted. */
  #generation = 0;
  #following = false;

  constructor(
    host: ReactiveControllerHost,
    private readonly callbacks: StatusStreamCallbacks,
  ) {
    host.addController(this);
  }

  /** True from `follow()` until the stream ends (final status, expiry, failure) or `stop()`. */
  get following(): boolean {
    return this.#following;
  }

  /** Follows `statusUrl` from `lastEventId` (the current status first when absent), replacing any stream. */
  follow(statusUrl: string, lastEventId: string | undefined): void {
    this.stop();
    this.#following = true;
    const generation = this.#generation;
    const live = () => generation === this.#generation;
    loadLinkFlow().then(
      (flow) => {
        if (!live()) return;
        this.#stream = flow.openStatusStream(statusUrl, {
          ...(lastEventId ? { lastEventId } : {}),
          onStatus: (event, step) => {
            if (TERMINAL.has(event.status)) this.#ended();
            this.#remember(event.eventId);
            this.callbacks.onStatus(event, step);
          },
          onExpired: (error) => {
            this.#ended();
            this.callbacks.onExpired(error);
          },
          onError: (error) => {
            this.#ended();
            this.callbacks.onError(error);
          },
        });
      },
      (error: unknown) => {
        if (!live()) return;
        this.#ended();
        this.callbacks.onError(toMeshPayError(error, 'MESH_PAY_SDK_LOAD_FAILED'));
      },
    );
  }

  /** Closes the stream (or forgets the one still loading). */
  stop(): void {
    this.#generation += 1;
    this.#following = false;
    this.#stream?.close();
    this.#stream = undefined;
  }

  /** An element removed from the page holds no connection open. */
  hostDisconnected(): void {
    this.stop();
  }

  #ended(): void {
    this.#stream = undefined;
    this.#following = false;
  }

  /** Saves the id with the payment's record, so a reload asks the kit for what came after it. */
  #remember(eventId: string): void {
    const key = this.callbacks.key();
    const saved = key === undefined ? undefined : loadPayment(key);
    if (key !== undefined && saved && eventId) savePayment(key, { ...saved, lastEventId: eventId });
  }
}
