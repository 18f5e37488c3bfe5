/**
 * A minimal Server-Sent Events client over node:http (one socket per stream, no agent pooling), so
 * 2,000 of them fit in the benchmark process and each event is timestamped the moment its bytes
 * are parsed.
 */
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { SseBlockReader, toSseMessage } from '../support/sse.js';

export interface SseEvent {
  event: string;
  id?: string;
  data: string;
  /** performance.now() when the event's last line arrived. */
  at: number;
}

export interface SseStream {
  /** Resolves with the HTTP status once response headers arrive. */
  opened: Promise<number>;
  close(): void;
}

export function openSse(url: string, onEvent: (event: SseEvent) => void, headers: Record<string, string> = {}): SseStream {
  let rejectOpened: (error: Error) => void = () => {};
  const req = request(url, { agent: false, headers: { accept: 'text/event-stream', ...headers } });
  const opened = new Promise<number>((resolve, reject) => {
    rejectOpened = reject;
    req.on('response', (res) => {
      resolve(res.statusCode ?? 0);
      res.setEncoding('utf8');
      const blocks = new SseBlockReader();
      res.on('data', (chunk: string) => {
        for (const block of blocks.push(chunk)) {
          const message = toSseMessage(block); // undefined for a comment-only block (heartbeat)
          if (message) onEvent({ ...message, at: performance.now() });
        }
      });
      res.on('error', () => {});
    });
  });
  req.on('error', (error) => rejectOpened(error));
  req.end();
  return { opened, close: () => req.destroy() };
}
