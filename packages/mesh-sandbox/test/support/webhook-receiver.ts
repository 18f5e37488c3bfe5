/**
 * A merchant's webhook endpoint for tests: a bare node:http server that keeps the exact bytes it
 * received and answers what the test tells it to (a status, or never).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  raw: Buffer;
  text: string;
  headers: IncomingHttpHeaders;
  json: Record<string, unknown>;
  answered: number | 'hang';
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  close(): Promise<void>;
}

/** `answer(n, body)` decides the answer to the n-th request (0-based): an HTTP status or 'hang'. */
export async function startWebhookReceiver(answer: (n: number, json: Record<string, unknown>) => number | 'hang' = () => 200): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = raw.toString('utf8');
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // kept as raw text; the test will say what is wrong
      }
      const decision = answer(received.length, json);
      received.push({ raw, text, headers: req.headers, json, answered: decision });
      if (decision === 'hang') return; // never answers: the sender must time out
      res.writeHead(decision, { 'Content-Type': 'text/plain' }).end(decision < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mesh/webhook`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
