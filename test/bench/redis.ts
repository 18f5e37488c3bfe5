/**
 * A throwaway redis-server for the benchmarks: the kit's own test helper (free port, private temp
 * dir, AOF with fsync on every write: the durable setting a payment deployment would run).
 */
import { startRedisServer } from '../../packages/backend-kit/test/redis-server.js';

export interface BenchRedis {
  url: string;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<BenchRedis> {
  const server = await startRedisServer({ args: ['--maxclients', '10000'] });
  return { url: server.url, stop: () => server.stop() };
}
