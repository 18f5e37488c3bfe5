/**
 * Reads a `text/event-stream` over fetch, as an `EventSource` would, until a message satisfies
 * `until` or the server ends the stream. Used to await a status change instead of sleeping.
 */

export interface SseMessage {
  event: string;
  id?: string;
  data: string;
}

export async function readEventStream(
  url: string,
  until: (message: SseMessage) => boolean,
  { timeoutMs = 20_000, headers = {} }: { timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<SseMessage[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no matching event from ${url} within ${timeoutMs} ms`)), timeoutMs);
  const seen: SseMessage[] = [];
  try {
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
    if (!res.ok || !res.body) throw new Error(`${url} answered ${res.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = res.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message: SseMessage = { event: 'message', data: '' };
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':') || line === '') continue;
          const colon = line.indexOf(':');
          const field = colon === -1 ? line : line.slice(0, colon);
          const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') message.event = value;
          else if (field === 'id') message.id = value;
          else if (field === 'data') data.push(value);
        }
        if (data.length === 0) continue;
        message.data = data.join('\n');
        seen.push(message);
        if (until(message)) {
          controller.abort();
          return seen;
        }
      }
    }
    return seen;
  } catch (err) {
    if (controller.signal.aborted && seen.length > 0 && until(seen.at(-1)!)) return seen;
    throw controller.signal.reason instanceof Error && controller.signal.aborted ? controller.signal.reason : err;
  } finally {
    clearTimeout(timer);
  }
}
