/**
 * A browser-like `text/event-stream` client over fetch that stays open and can be watched: the
 * scale stories hold hundreds of these at once and need to know when each one is connected, what
 * it received, and when the server ended it.
 */
import { SseBlockReader, toSseMessage, type SseMessage } from '../support/sse.js';

export type StreamMessage = SseMessage;

export interface OpenStream {
  /** Resolves once the server answered 200 and sent its first bytes (`retry:`), i.e. it is subscribed or about to be. */
  opened: Promise<void>;
  /**
   * Resolves once the kit has subscribed and read the history: it sends the current status, or a
   * `: waiting` comment when there is none yet. Nothing published after this can be missed.
   */
  live: Promise<void>;
  /** Resolves when the server ends the stream (or it errors, or `close()` is called). */
  ended: Promise<void>;
  messages: StreamMessage[];
  /** Set when the server ended the stream by itself. */
  endedByServer: boolean;
  /** Resolves with the first message matching `match`, or rejects at the deadline. */
  next(match: (m: StreamMessage) => boolean, timeoutMs: number): Promise<StreamMessage>;
  close(): void;
}

export function openStream(url: string, headers: Record<string, string> = {}): OpenStream {
  const controller = new AbortController();
  const messages: StreamMessage[] = [];
  const waiters = new Set<() => void>();
  let markOpened!: () => void;
  let failOpen!: (err: unknown) => void;
  const opened = new Promise<void>((ok, fail) => {
    markOpened = ok;
    failOpen = fail;
  });
  opened.catch(() => {});
  let markLive!: () => void;
  let failLive!: (err: unknown) => void;
  const live = new Promise<void>((ok, fail) => {
    markLive = ok;
    failLive = fail;
  });
  live.catch(() => {});
  const stream: OpenStream = {
    opened,
    live,
    ended: Promise.resolve(),
    messages,
    endedByServer: false,
    next(match, timeoutMs) {
      return new Promise((ok, fail) => {
        const check = () => {
          const found = messages.find(match);
          if (found) {
            cleanup();
            ok(found);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          fail(new Error(`no matching event on ${url} within ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };

  stream.ended = (async () => {
    try {
      const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
      if (res.status !== 200 || !res.body) {
        failOpen(new Error(`${url} answered ${res.status}`));
        return;
      }
      const decoder = new TextDecoder();
      const blocks = new SseBlockReader();
      const reader = res.body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          stream.endedByServer = true;
          return;
        }
        markOpened();
        for (const block of blocks.push(decoder.decode(value, { stream: true }))) {
          if (block.comments.some((comment) => comment.startsWith('waiting'))) markLive();
          const message = toSseMessage(block);
          if (!message) continue;
          messages.push(message);
          markLive();
          for (const waiter of [...waiters]) waiter();
        }
      }
    } catch (err) {
      failOpen(err);
    } finally {
      failOpen(new Error(`${url} ended before it opened`));
      // A stream the server ended before it subscribed (e.g. the store failed) must not be awaited forever.
      failLive(new Error(`${url} ended before it was live (the server ended it: ${stream.endedByServer})`));
    }
  })();
  return stream;
}

/** The `data` of an `event: status` message. */
export interface StatusData {
  transactionId: string;
  transferId: string;
  status: string;
  txHash?: string;
  sourceAmount?: string;
}

export const statusOf = (m: StreamMessage): StatusData => JSON.parse(m.data) as StatusData;
