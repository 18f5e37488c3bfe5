/**
 * The test suites' one reading of `text/event-stream` framing (the kit's tests, e2e, scale and
 * benchmarks each hold streams their own way, but parse them here). `readEventStream` reads a stream
 * over fetch, as an `EventSource` would, until a message satisfies `until` or the server ends it.
 */

/** A dispatched message, as `EventSource` would hand it to a listener. */
export interface SseMessage {
  event: string;
  id?: string;
  data: string;
}

/** One block between blank lines, including what `EventSource` hides: comments and `retry:`. */
export interface SseBlock {
  event?: string;
  id?: string;
  data?: string;
  retry?: string;
  /** Comment lines (`: heartbeat`), without the colon, trimmed. */
  comments: string[];
}

export function parseSseBlock(block: string): SseBlock {
  const parsed: SseBlock = { comments: [] };
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line === '') continue;
    if (line.startsWith(':')) {
      parsed.comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') parsed.event = value;
    else if (field === 'id') parsed.id = value;
    else if (field === 'data') data.push(value);
    else if (field === 'retry') parsed.retry = value;
  }
  if (data.length > 0) parsed.data = data.join('\n');
  return parsed;
}

/** What `EventSource` would dispatch for a block: nothing for a block without data (heartbeats). */
export function toSseMessage(block: SseBlock): SseMessage | undefined {
  if (block.data === undefined) return undefined;
  return { event: block.event ?? 'message', data: block.data, ...(block.id !== undefined ? { id: block.id } : {}) };
}

/** Cuts a stream into blocks as text arrives; a block is complete at its blank line. */
export class SseBlockReader {
  private buffer = '';

  push(text: string): SseBlock[] {
    this.buffer += text.replace(/\r\n?/g, '\n');
    const blocks: SseBlock[] = [];
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) !== -1) {
      blocks.push(parseSseBlock(this.buffer.slice(0, end)));
      this.buffer = this.buffer.slice(end + 2);
    }
    return blocks;
  }
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
    const blocks = new SseBlockReader();
    const reader = res.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const block of blocks.push(decoder.decode(value, { stream: true }))) {
        const message = toSseMessage(block);
        if (!message) continue;
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
