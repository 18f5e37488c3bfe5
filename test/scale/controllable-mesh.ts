import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startMeshSandbox, type StandaloneMeshSandbox } from '@mesh-pay/mesh-sandbox';

/**
 * Mesh as a merchant meets it on a bad day: a front on a fixed port, in front of the real local
 * sandbox, that can answer normally, answer slowly, hang without a word, slam the connection shut,
 * or not listen at all — and come back.
 */
export type MeshMood = 'up' | 'slow' | 'hang' | 'close';

export interface ControllableMesh {
  url: string;
  port: number;
  mood: MeshMood;
  /** Delay of `slow`, ms. */
  slowMs: number;
  /** Stops listening (connections are refused), keeping the port for `listen()`. */
  unplug(): Promise<void>;
  listen(): Promise<void>;
  close(): Promise<void>;
}

export async function startControllableMesh(): Promise<ControllableMesh> {
  const sandbox: StandaloneMeshSandbox = await startMeshSandbox();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name)) headers[name] = value;
    }
    const upstream = await fetch(`${sandbox.url}${req.url}`, {
      method: req.method ?? 'GET',
      headers,
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    const body = Buffer.from(await upstream.arrayBuffer());
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(body);
  };

  const mesh: ControllableMesh = {
    url: '',
    port: 0,
    mood: 'up',
    slowMs: 1000,
    async unplug() {
      const s = server;
      server = undefined;
      if (!s) return;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((ok) => s.close(() => ok()));
    },
    async listen() {
      if (server) return;
      const s = createServer((req, res) => {
        const mood = mesh.mood;
        if (mood === 'hang') return; // never answer; the socket is destroyed on unplug/close
        if (mood === 'close') {
          req.socket.destroy();
          return;
        }
        const go = () => forward(req, res).catch(() => res.destroy());
        if (mood === 'slow') setTimeout(go, mesh.slowMs);
        else go();
      });
      s.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((ok, fail) => s.once('error', fail).listen(port, '127.0.0.1', ok));
      port = (s.address() as AddressInfo).port;
      mesh.port = port;
      mesh.url = `http://127.0.0.1:${port}`;
      server = s;
    },
    async close() {
      await mesh.unplug();
      await sandbox.close();
    },
  };
  await mesh.listen();
  return mesh;
}
