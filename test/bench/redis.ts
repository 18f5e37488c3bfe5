/**
 * A throwaway redis-server for the benchmarks. Prefers the kit's own test helper (the same server
 * its Redis tests use); until that exists, starts one here: port 0 is not possible with redis, so a
 * free port is found first. AOF on, like a durable deployment.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchRedis {
  url: string;
  stop(): Promise<void>;
}

const kitHelper = fileURLToPath(new URL('../../packages/backend-kit/test/redis-server.ts', import.meta.url));

export async function startRedis(): Promise<BenchRedis> {
  if (existsSync(kitHelper)) {
    const helper = (await import(kitHelper)) as { startRedisServer?: () => Promise<unknown> };
    if (typeof helper.startRedisServer === 'function') {
      const server = (await helper.startRedisServer()) as { url?: string; port?: number; stop?: () => Promise<void>; close?: () => Promise<void> };
      const url = server.url ?? `redis://127.0.0.1:${server.port}`;
      return { url, stop: async () => void (await (server.stop ?? server.close)?.call(server)) };
    }
  }
  return startOwnRedis();
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function startOwnRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mesh-pay-bench-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error('redis-server did not start in 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
