/**
 * Link tokens the sandbox minted. Like Mesh's, each is single-use and short-lived (10 minutes): the
 * Link page's first load consumes it; a second load, or a load after the TTL, fails. A token minted
 * with `generatePayLink` also gets a pay link: a second, separately consumable entry to the same
 * transaction, for a top-level hosted pay page.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { MintRequest } from './link-token.js';

/** What the Link session and the pay-link session of one token share: one transfer at most. */
export interface TokenTransaction {
  transferId?: string;
}

export interface LinkTokenRecord {
  /** The random part of the Link page (or pay page) URL. */
  readonly id: string;
  /** `link`: the iframe page the token points at; `pay`: the hosted pay link. */
  readonly kind: 'link' | 'pay';
  readonly request: MintRequest;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly transaction: TokenTransaction;
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

  /** Mints the Link token's record and, when asked for, its pay link's. */
  mint(request: MintRequest): { link: LinkTokenRecord; pay?: LinkTokenRecord } {
    const createdAt = this.now();
    this.#prune(createdAt);
    const transaction: TokenTransaction = {};
    const make = (kind: LinkTokenRecord['kind']): LinkTokenRecord => {
      const record: LinkTokenRecord = { id: randomBytes(18).toString('base64url'), kind, request, createdAt, expiresAt: createdAt + this.ttlMs, transaction };
      this.#records.set(record.id, record);
      return record;
    };
    const link = make('link');
    return request.generatePayLink ? { link, pay: make('pay') } : { link };
  }

  /** The page's load: succeeds once per token, before it expires, for the page of its kind. */
  consume(id: string, kind: LinkTokenRecord['kind']): ConsumeResult {
    const record = this.#records.get(id);
    if (!record || record.kind !== kind) return { ok: false, reason: 'unknown' };
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

  /** The most recent token minted with this `transferOptions.transactionId`. */
  latestFor(transactionId: string): LinkTokenRecord | undefined {
    let found: LinkTokenRecord | undefined;
    for (const r of this.#records.values()) {
      if (r.kind === 'link' && r.request.transactionId === transactionId && (!found || r.createdAt >= found.createdAt)) found = r;
    }
    return found;
  }

  /** Drops records long past use so a long-running dev server does not grow without bound. */
  #prune(now: number): void {
    if (this.#records.size < 10_000) return;
    for (const [id, r] of this.#records) if (now - r.createdAt > this.ttlMs * 6) this.#records.delete(id);
  }
}
