/**
 * Return users: the access token Link hands the browser in `onIntegrationConnected` is posted to
 * the kit, stored for the transaction's user, and handed back as `accessTokens` on the user's next
 * token request so Link can skip authentication. Tokens are stored, never logged.
 */
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import { verifyCapability } from './capability.js';
import { MeshPayError } from './errors.js';
import type { KitStore } from './store.js';

/**
 * The shape `createLink({ accessTokens })` of `@meshconnect/web-link-sdk` takes
 * (`IntegrationAccessToken` in its utils/types.d.ts).
 */
export interface IntegrationAccessToken {
  accountId: string;
  accountName: string;
  accessToken: string;
  brokerType: string;
  brokerName: string;
}

/** What the kit keeps per user and broker connection. */
interface StoredConnection {
  brokerType: string;
  brokerName: string;
  accounts: { accountId: string; accountName: string; accessToken: string }[];
  /** Epoch ms after which the tokens are not handed out; absent when Mesh gave no expiry. */
  expiresAt?: number;
}

const id = z.string().min(1).max(200);

/** The SDK's `LinkPayload` as `onIntegrationConnected` receives it (only what the kit needs). */
export const integrationPayloadSchema = z.object({
  accessToken: z.looseObject({
    accountTokens: z
      .array(
        z.looseObject({
          account: z.looseObject({ accountId: id, accountName: z.string().max(200) }),
          accessToken: z.string().min(1).max(8192),
          tokenId: id.optional(),
        }),
      )
      .min(1)
      .max(20),
    brokerType: id,
    brokerName: z.string().max(200),
    expiresInSeconds: z.number().positive().optional(),
  }),
});

export type IntegrationPayload = z.infer<typeof integrationPayloadSchema>;

/** The store key of a connection: Mesh's `tokenId` when it sent one, else the broker. */
export function connectionKey(payload: IntegrationPayload): string {
  return payload.accessToken.accountTokens.find((t) => t.tokenId)?.tokenId ?? payload.accessToken.brokerType;
}

export function toStoredConnection(payload: IntegrationPayload, now: number): StoredConnection {
  const { accountTokens, brokerType, brokerName, expiresInSeconds } = payload.accessToken;
  const stored: StoredConnection = {
    brokerType,
    brokerName,
    accounts: accountTokens.map((t) => ({
      accountId: t.account.accountId,
      accountName: t.account.accountName,
      accessToken: t.accessToken,
    })),
  };
  if (expiresInSeconds !== undefined) stored.expiresAt = now + expiresInSeconds * 1000;
  return stored;
}

/** Stored connections → the SDK's `accessTokens`, skipping expired or unreadable entries. */
export function toIntegrationAccessTokens(stored: readonly unknown[], now: number): IntegrationAccessToken[] {
  const out: IntegrationAccessToken[] = [];
  for (const entry of stored) {
    const c = entry as Partial<StoredConnection> | null;
    if (!c || typeof c.brokerType !== 'string' || !Array.isArray(c.accounts)) continue;
    if (typeof c.expiresAt === 'number' && c.expiresAt <= now) continue;
    for (const a of c.accounts) {
      if (typeof a?.accessToken !== 'string') continue;
      out.push({
        accountId: a.accountId,
        accountName: a.accountName,
        accessToken: a.accessToken,
        brokerType: c.brokerType,
        brokerName: c.brokerName ?? c.brokerType,
      });
    }
  }
  return out;
}

/** `POST /status/:capability/integration`: the widget posts the SDK's onIntegrationConnected payload. */
export function integrationRoute(deps: { store: KitStore; kitSecret: string }): RequestHandler[] {
  const handler: RequestHandler = async (req, res) => {
    const { transactionId } = verifyCapability(deps.kitSecret, String(req.params.capability ?? ''));
    const tx = await deps.store.getTransaction(transactionId);
    if (!tx) throw new MeshPayError('MESH_PAY_TRANSACTION_NOT_FOUND', 404, 'Unknown transaction.');
    const parsed = integrationPayloadSchema.safeParse(req.body);
    if (!parsed.success) {
      throw new MeshPayError('MESH_PAY_INVALID_REQUEST', 400, 'Expected the onIntegrationConnected payload with an accessToken.');
    }
    await deps.store.saveAccessTokens(tx.userId, connectionKey(parsed.data), toStoredConnection(parsed.data, Date.now()));
    res.status(204).end();
  };
  return [express.json({ limit: '32kb' }), handler];
}
