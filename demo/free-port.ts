import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Finds a free port on `host` (loopback by default) by binding port 0 and letting go of it. The demo needs its port before
 * it listens (the kit is pointed at the sandbox on the same server), so `PORT=0` is resolved here.
 * Another process could take the port in between; on this scale that race is theoretical.
 */
export async function reserveFreePort(host = '127.0.0.1'): Promise<number> {
  const probe = createServer();
  await new Promise<void>((ok, fail) => probe.once('error', fail).listen(0, host, ok));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((ok) => probe.close(() => ok()));
  return port;
}
