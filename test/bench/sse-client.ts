/**
 * A minimal Server-Sent Events client over node:http (one socket per stream, no agent pooling), so
 * 2,000 of them fit in the benchmark process and each event is timestamped the moment its bytes
 * are parsed.
 */
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';

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
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk.replace(/\r\n?/g, '\n');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = parseBlock(block);
          if (event) onEvent(event);
        }
      });
      res.on('error', () => {});
    });
  });
  req.on('error', (error) => rejectOpened(error));
  req.end();
  return { opened, close: () => req.destroy() };
}

function parseBlock(block: string): SseEvent | undefined {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined; // comment-only block (heartbeat)
  return { event, data: data.join('\n'), at: performance.now(), ...(id !== undefined ? { id } : {}) };
}
