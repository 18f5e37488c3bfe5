/** The child side of child-server.ts: read config, announce the port, answer commands. */
import type { Server } from 'node:http';

type Handler = (arg: unknown) => unknown;

export function serverConfig<T>(): T {
  return JSON.parse(process.env.BENCH_SERVER_CONFIG ?? '{}') as T;
}

function gcFully(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 4; i++) gc();
}

/** Tells the parent the server is listening, then serves `memory` and the given commands. */
export function announce(server: Server, commands: Record<string, Handler> = {}, onClose?: () => Promise<void>): void {
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('server is not listening on a TCP port');
  const handlers: Record<string, Handler> = {
    memory: () => {
      gcFully();
      const { rss, heapUsed, external } = process.memoryUsage();
      return { rss, heapUsed, external };
    },
    /** CPU time (µs) this process has used so far: the parent samples it to wait for background work to finish. */
    cpu: () => {
      const { user, system } = process.cpuUsage();
      return user + system;
    },
    ...commands,
  };
  process.on('message', async (message: { id: number; name: string; arg?: unknown }) => {
    try {
      const handler = handlers[message.name];
      if (!handler) throw new Error(`unknown command ${message.name}`);
      process.send!({ id: message.id, ok: true, value: (await handler(message.arg)) ?? null });
    } catch (error) {
      process.send!({ id: message.id, ok: false, error: (error as Error).message });
    }
  });
  process.once('SIGTERM', async () => {
    server.closeAllConnections();
    server.close();
    await onClose?.().catch(() => {});
    process.exit(0);
  });
  process.send!({ ready: address.port });
}

/** `server.listen(0, '127.0.0.1')` as a promise. */
export function listen(server: Server): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
