/** `startMeshSandbox`: the sandbox on its own HTTP server, for merchants' own tests. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { createMeshSandbox, type MeshSandbox, type MeshSandboxOptions } from './sandbox.js';

export interface StandaloneMeshSandbox extends MeshSandbox {
  /** Base URL to use as the Mesh API URL, e.g. `http://127.0.0.1:54321`. */
  url: string;
  server: Server;
}

/** Listens on 127.0.0.1 (`port` 0, the default, picks a free one); `close()` also stops the server. */
export async function startMeshSandbox(options: MeshSandboxOptions & { port?: number; host?: string } = {}): Promise<StandaloneMeshSandbox> {
  const { port = 0, host = '127.0.0.1', ...rest } = options;
  const sandbox = createMeshSandbox(rest);
  const app = express();
  app.disable('x-powered-by');
  app.use(sandbox.router);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host}:${address.port}`;
  return {
    ...sandbox,
    url,
    server,
    async close() {
      await sandbox.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
