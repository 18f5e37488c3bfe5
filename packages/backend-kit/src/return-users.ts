/**
 * Return users, as Mesh documents Mesh-managed tokens: when a shopper connects an exchange, Link's
 * `onIntegrationConnected` carries, per account, a short-lived raw `accessToken` and a `tokenId`.
 * Only the `tokenId` is worth keeping: Mesh resolves it to the account on the shopper's next visit
 * (it goes back in `createLink({ accessTokens })` where the SDK's type says `accessToken`), and it
 * outlives the raw token's `expiresInSeconds`. The raw token is never stored, never logged.
 *
 * Connections belong to the shopper the merchant's resolver authenticated (`ResolvedOrder.userId`,
 * recorded on the transaction when its token was minted); the capability in the URL decides the
 * transaction, so nobody can post into another shopper's record or read one out.
 */
import { randomUUID } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { verifyCapability } from './capability.js';
import type { Logger } from './config.js';
import { MeshPayError, sendProblem } from './errors.js';
import type { KitStore } from './store.js';
import type { IntegrationAccessToken } from '@mesh-pay/wire';

/**
 * One entry of `createLink({ accessTokens })` of `@meshconnect/web-link-sdk`, as the token route
 * sends it to the button: part of the wire contract. For Mesh-managed tokens, `accessToken` carries
 * the `tokenId`.
 */
export type { IntegrationAccessToken };

/** One connected account the kit remembers for a shopper. */
export interface StoredConnection {
  tokenId: string;
  accountId: string;
  accountName: string;
  brokerType: string;
  brokerName: string;
  /** Epoch ms; the oldest connection is the first replaced. */
  savedAt: number;
}

/** The one record per shopper under {@link CONNECTIONS_KEY}: a list, so its length can be bounded. */
interface ConnectionsRecord {
  version: 2;
  connections: StoredConnection[];
}

/** Key of the shopper's connections record in `saveAccessTokens`/`getAccessTokens`. */
export const CONNECTIONS_KEY = 'mesh-managed-connections';
export const DEFAULT_MAX_CONNECTIONS = 10;
/** The onIntegrationConnected payload, brand logo included, fits well within this; nothing else is accepted. */
export const INTEGRATION_BODY_LIMIT = '16kb';

const id = z.string().min(1).max(200);

/** The SDK's `LinkPayload` as `onIntegrationConnected` receives it (only what the kit reads). */
export const integrationPayloadSchema = z.object({
  accessToken: z.looseObject({
    accountTokens: z
      .array(
        z.looseObject({
          account: z.looseObject({ accountId: id, accountName: z.string().max(200) }),
          // Accepted (the SDK always sends it) but never kept.
          accessToken: z.string().max(8192).optional(),
          tokenId: id.optional(),
        }),
      )
      .min(1)
      .max(20),
    brokerType: id,
    brokerName: z.string().max(200),
    expiresInSeconds: z.number().optional(),
  }),
});

export type IntegrationPayload = z.infer<typeof integrationPayloadSchema>;

/** The connections a payload brings: one per account that Mesh gave a `tokenId`; none without. */
export function connectionsFrom(payload: IntegrationPayload, now: number): StoredConnection[] {
  const { accountTokens, brokerType, brokerName } = payload.accessToken;
  return accountTokens.flatMap((t) =>
    t.tokenId
      ? [{ tokenId: t.tokenId, accountId: t.account.accountId, accountName: t.account.accountName, brokerType, brokerName: brokerName || brokerType, savedAt: now }]
      : [],
  );
}

/**
 * Adds `added` to a shopper's connections: a reconnected account (same broker and account id)
 * replaces its old entry, and beyond `max` the oldest go. Newest last.
 */
export function mergeConnections(existing: readonly StoredConnection[], added: readonly StoredConnection[], max: number): StoredConnection[] {
  const sameAccount = (a: StoredConnection, b: StoredConnection) => a.brokerType === b.brokerType && a.accountId === b.accountId;
  const kept = existing.filter((e) => !added.some((a) => sameAccount(a, e)));
  const merged = [...kept, ...added].sort((a, b) => a.savedAt - b.savedAt);
  return merged.slice(Math.max(0, merged.length - max));
}

function isConnection(c: unknown): c is StoredConnection {
  const v = c as Partial<StoredConnection> | null;
  return (
    !!v &&
    typeof v.tokenId === 'string' &&
    typeof v.accountId === 'string' &&
    typeof v.accountName === 'string' &&
    typeof v.brokerType === 'string' &&
    typeof v.brokerName === 'string' &&
    typeof v.savedAt === 'number'
  );
}

/**
 * The shopper's connections out of what the store holds. Entries written by older kits (raw access
 * tokens keyed per broker) are ignored: a raw token is no return-user credential and is never replayed.
 */
export function readConnections(stored: readonly unknown[]): StoredConnection[] {
  const record = stored.find((s) => (s as Partial<ConnectionsRecord> | null)?.version === 2) as ConnectionsRecord | undefined;
  return Array.isArray(record?.connections) ? record.connections.filter(isConnection) : [];
}

/** Stored connections → the SDK's `accessTokens` (the `tokenId` in `accessToken`), newest first. */
export function toIntegrationAccessTokens(stored: readonly unknown[]): IntegrationAccessToken[] {
  return readConnections(stored)
    .reverse()
    .map((c) => ({ accountId: c.accountId, accountName: c.accountName, accessToken: c.tokenId, brokerType: c.brokerType, brokerName: c.brokerName }));
}

/** How long one shopper's read-modify-write may hold the lock, and how long a writer waits for it. */
const LOCK_TTL_MS = 5_000;
const LOCK_WAIT_MS = 3_000;

/**
 * Saves connections for a shopper, bounded, under a store lock so two tabs (or instances) saving at
 * once cannot lose each other's connection.
 */
export async function saveConnections(store: KitStore, userId: string, added: readonly StoredConnection[], max: number): Promise<void> {
  const key = `return-users:${userId}`;
  const owner = randomUUID();
  const deadline = Date.now() + LOCK_WAIT_MS;
  while (!(await store.acquireLock(key, owner, LOCK_TTL_MS, Date.now()))) {
    if (Date.now() > deadline) {
      throw new MeshPayError('MESH_PAY_BUSY', 503, 'This account is being saved by another request; try again.');
    }
    await new Promise((ok) => setTimeout(ok, 25 + Math.random() * 50));
  }
  try {
    const existing = readConnections(await store.getAccessTokens(userId));
    const record: ConnectionsRecord = { version: 2, connections: mergeConnections(existing, added, max) };
    await store.saveAccessTokens(userId, CONNECTIONS_KEY, record);
  } finally {
    await store.releaseLock(key, owner);
  }
}

/** Limits on the integration route, the one place a browser writes into the kit's store. */
export interface IntegrationLimits {
  windowMs: number;
  /** Posts per capability per window. */
  perCapability: number;
  /** Posts per client address per window. */
  perClient: number;
}

export const DEFAULT_INTEGRATION_LIMITS: IntegrationLimits = { windowMs: 60_000, perCapability: 10, perClient: 30 };

function limiter(windowMs: number, limit: number, keyGenerator?: (req: express.Request) => string): RequestHandler {
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    ...(keyGenerator ? { keyGenerator } : {}),
    handler: (_req, res) => sendProblem(res, new MeshPayError('MESH_PAY_RATE_LIMITED', 429, 'Too many requests. Please wait a moment.')),
  });
}

/** `POST /status/:capability/integration`: the widget posts the SDK's onIntegrationConnected payload. */
export function integrationRoute(deps: {
  store: KitStore;
  kitSecret: string;
  maxConnections: number;
  limits: IntegrationLimits | false;
  logger: Logger;
}): RequestHandler[] {
  // Saves for one shopper queue up in this process, so a burst does not spin on the store lock
  // (which is what keeps other instances out).
  const queues = new Map<string, Promise<unknown>>();
  const serialized = <T>(userId: string, work: () => Promise<T>): Promise<T> => {
    const run = (queues.get(userId) ?? Promise.resolve()).then(work, work);
    const settled = run.catch(() => undefined);
    queues.set(userId, settled);
    void settled.then(() => {
      if (queues.get(userId) === settled) queues.delete(userId);
    });
    return run;
  };
  const handler: RequestHandler = async (req, res) => {
    const { transactionId } = verifyCapability(deps.kitSecret, String(req.params.capability ?? ''));
    const tx = await deps.store.getTransaction(transactionId);
    if (!tx) throw new MeshPayError('MESH_PAY_TRANSACTION_NOT_FOUND', 404, 'Unknown transaction.');
    const parsed = integrationPayloadSchema.safeParse(req.body);
    if (!parsed.success) {
      throw new MeshPayError('MESH_PAY_INVALID_REQUEST', 400, 'Expected the onIntegrationConnected payload with an accessToken.');
    }
    const added = connectionsFrom(parsed.data, Date.now());
    if (added.length === 0) {
      // A connection Mesh gave no tokenId cannot be resumed; its raw token is not kept instead.
      deps.logger.info('mesh-pay: integration without tokenId not stored', { transactionId, brokerType: parsed.data.accessToken.brokerType });
    } else {
      await serialized(tx.userId, () => saveConnections(deps.store, tx.userId, added.slice(-deps.maxConnections), deps.maxConnections));
    }
    res.status(204).end();
  };
  const limits = deps.limits
    ? [
        limiter(deps.limits.windowMs, deps.limits.perClient),
        limiter(deps.limits.windowMs, deps.limits.perCapability, (req) => `capability:${String(req.params.capability ?? '').slice(0, 1100)}`),
      ]
    : [];
  return [...limits, express.json({ limit: INTEGRATION_BODY_LIMIT }), handler];
}
