/**
 * A throwaway PostgreSQL for the benchmarks: the kit's own test helper (a private cluster initdb'd in
 * a temp dir, on a free port, with the durable defaults fsync=on and synchronous_commit=on that a
 * payment deployment would run).
 */
import { startPostgresServer } from '../../packages/backend-kit/test/postgres-server.js';

export interface BenchPostgres {
  url: string;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<BenchPostgres> {
  const server = await startPostgresServer();
  const url = await server.createDatabase('bench');
  return { url, stop: () => server.stop() };
}
