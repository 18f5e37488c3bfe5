/**
 * Link tokens the sandbox minted. Like Mesh's, each is single-use and short-lived: the Link page's
 * first load consumes it; a second load, or a load after the TTL, is `LINK_TOKEN_EXPIRED`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { LinkTokenRequest } from './link-token.js';

export interface LinkTokenRecord {
  /** The random part of the Link page URL. */
  readonly id: string;
  readonly request: LinkTokenRequest;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** Set when the page loaded; the page proves it is that load with this key. */
  sessionKey?: string;
  consumedAt?: number;
  /** Set when the session was ended as expired (the `expired` scenario). */
  expired?: boolean;
}

export type ConsumeResult =
  | { ok: true; record: LinkTokenRecord }
  | { ok: false; reason: 'unknown' | 'used' | 'expired' };

export class TokenRegistry {
  readonly #records = new Map<string, LinkTokenRecord>();
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  mint(request: LinkTokenRequest): LinkTokenRecord {
    const createdAt = this.now();
    const record: LinkTokenRecord = {
      id: randomBytes(18).toString('base64url'),
      request,
      createdAt,
      expiresAt: createdAt + this.ttlMs,
    };
    this.#prune(createdAt);
    this.#records.set(record.id, record);
    return record;
  }

  /** The page's load: succeeds once per token, before it expires. */
  consume(id: string): ConsumeResult {
    const record = this.#records.get(id);
    if (!record) return { ok: false, reason: 'unknown' };
    if (record.consumedAt !== undefined) return { ok: false, reason: 'used' };
    const now = this.now();
    if (now >= record.expiresAt) return { ok: false, reason: 'expired' };
    record.consumedAt = now;
    record.sessionKey = randomBytes(24).toString('base64url');
    return { ok: true, record };
  }

  /** The session a loaded page acts in, when `sessionKey` proves it is that page. */
  session(id: string, sessionKey: string | undefined): LinkTokenRecord | undefined {
    const record = this.#records.get(id);
    if (!record?.sessionKey || !sessionKey || record.expired) return undefined;
    const expected = Buffer.from(record.sessionKey);
    const given = Buffer.from(sessionKey);
    return expected.length === given.length && timingSafeEqual(expected, given) ? record : undefined;
  }

  /** Drops records long past use so a long-running dev server does not grow without bound. */
  #prune(now: number): void {
    if (this.#records.size < 10_000) return;
    for (const [id, r] of this.#records) if (now - r.createdAt > this.ttlMs * 6) this.#records.delete(id);
  }
}
