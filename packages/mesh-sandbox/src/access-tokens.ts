/**
 * Access to a customer's exchange account, as Mesh-managed tokens work: on connect the Link page
 * hands the merchant, per account, a short-lived raw `accessToken` (valid `expiresInSeconds`) and
 * a `tokenId`. The merchant keeps the `tokenId` and passes it back, as the `accessToken` of
 * `accessTokens[].accountTokens[]` (the page receives it as `frontAccessTokens`), to skip sign-in
 * next time: Mesh resolves it to the account for as long as the connection lives. A raw access
 * token is still honoured until it expires, then refused (the customer signs in again).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SandboxIntegration } from './integrations.js';

export interface IssuedAccess {
  readonly userId: string;
  readonly integrationId: string;
  readonly brokerType: string;
  readonly brokerName: string;
  readonly accountId: string;
  readonly accountName: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenId: string;
  /** Clock (ms) after which the raw access token is refused. */
  readonly accessExpiresAt: number;
  /** Clock (ms) after which the tokenId is refused too (the connection lapsed). */
  readonly connectionExpiresAt: number;
}

/** What a returning customer's SDK passes back (the SDK's `IntegrationAccessToken`). */
export interface PresentedAccessToken {
  accountId?: unknown;
  accountName?: unknown;
  accessToken?: unknown;
  brokerType?: unknown;
  brokerName?: unknown;
}

export interface AccessTokenLifetimes {
  /** Raw access token lifetime, the `expiresInSeconds` Link reports. */
  accessTokenSeconds: number;
  /** How long a connection (its tokenId) lasts, the `refreshTokenExpiresInSeconds` Link reports. */
  connectionSeconds: number;
}

export class AccessTokenRegistry {
  readonly #byAccessToken = new Map<string, IssuedAccess>();
  readonly #byTokenId = new Map<string, IssuedAccess>();

  constructor(
    readonly lifetimes: AccessTokenLifetimes,
    private readonly now: () => number,
  ) {}

  issue(userId: string, integration: SandboxIntegration, accountName: string): IssuedAccess {
    const issuedAt = this.now();
    const access: IssuedAccess = {
      userId,
      integrationId: integration.id,
      brokerType: integration.type,
      brokerName: integration.name,
      accountId: `sandbox-${integration.type}-${randomBytes(4).toString('hex')}`,
      accountName,
      accessToken: `sbx_at_${randomBytes(24).toString('base64url')}`,
      refreshToken: `sbx_rt_${randomBytes(24).toString('base64url')}`,
      tokenId: randomUUID(),
      accessExpiresAt: issuedAt + this.lifetimes.accessTokenSeconds * 1000,
      connectionExpiresAt: issuedAt + this.lifetimes.connectionSeconds * 1000,
    };
    this.#byAccessToken.set(access.accessToken, access);
    this.#byTokenId.set(access.tokenId, access);
    return access;
  }

  /** The first presented token (a tokenId, or a raw access token not yet expired) issued to this user. */
  match(userId: string, presented: readonly PresentedAccessToken[]): IssuedAccess | undefined {
    const now = this.now();
    for (const p of presented) {
      if (typeof p?.accessToken !== 'string') continue;
      const byId = this.#byTokenId.get(p.accessToken);
      const byRaw = this.#byAccessToken.get(p.accessToken);
      const issued = byId && now < byId.connectionExpiresAt ? byId : byRaw && now < byRaw.accessExpiresAt ? byRaw : undefined;
      if (issued && issued.userId === userId && (p.brokerType === undefined || p.brokerType === issued.brokerType)) {
        return issued;
      }
    }
    return undefined;
  }
}
