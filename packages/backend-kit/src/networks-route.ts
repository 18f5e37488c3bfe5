/**
 * Mesh's list of networks that support managed transfers (`GET /api/v1/transfers/managed/networks`),
 * cached: merchants' resolvers look networkIds up by name on every order, and Mesh need not hear
 * about it each time. Concurrent callers share one in-flight request; a failure is not cached.
 */
import type { RequestHandler } from 'express';
import type { MeshClient, MeshNetwork } from './mesh-client.js';

export class NetworksCache {
  private value: { networks: MeshNetwork[]; at: number } | undefined;
  private inFlight: Promise<MeshNetwork[]> | undefined;

  constructor(
    private readonly mesh: MeshClient,
    private readonly ttlMs: number,
  ) {}

  get(now: number = Date.now()): Promise<MeshNetwork[]> {
    if (this.value && now - this.value.at < this.ttlMs) return Promise.resolve(this.value.networks);
    this.inFlight ??= this.mesh
      .getNetworks()
      .then((networks) => {
        this.value = { networks, at: Date.now() };
        return networks;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}

/** `GET /networks` → `{networks: MeshNetwork[]}`. */
export function networksRoute(cache: NetworksCache, ttlMs: number): RequestHandler {
  return async (_req, res) => {
    const networks = await cache.get();
    res.set('Cache-Control', `public, max-age=${Math.floor(ttlMs / 1000)}`).json({ networks });
  };
}
