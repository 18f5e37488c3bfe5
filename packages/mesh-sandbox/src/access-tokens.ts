/**
 * Access tokens the sandbox handed out in `brokerageAccountAccessToken`. A returning customer's
 * tokens come back through the SDK's `accessTokens` option (the page receives them as
 * `frontAccessTokens`); a token the sandbox issued to the same user skips authentication, as with
 * Mesh.
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
}

/** What a returning customer's SDK passes back (the SDK's `IntegrationAccessToken`). */
export interface PresentedAccessToken {
  accountId?: unknown;
  accountName?: unknown;
  accessToken?: unknown;
  brokerType?: unknown;
  brokerName?: unknown;
}

export class AccessTokenRegistry {
  readonly #byToken = new Map<string, IssuedAccess>();
  /** Mesh-managed tokens: a return user's `accessTokens[].accessToken` carries the `tokenId`. */
  readonly #byTokenId = new Map<string, IssuedAccess>();

  issue(userId: string, integration: SandboxIntegration, accountName: string): IssuedAccess {
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
    };
    this.#byToken.set(access.accessToken, access);
    this.#byTokenId.set(access.tokenId, access);
    return access;
  }

  /** The first presented token (a tokenId, or a raw access token) the sandbox issued to this user, if any. */
  match(userId: string, presented: readonly PresentedAccessToken[]): IssuedAccess | undefined {
    for (const p of presented) {
      if (typeof p?.accessToken !== 'string') continue;
      const issued = this.#byTokenId.get(p.accessToken) ?? this.#byToken.get(p.accessToken);
      if (issued && issued.userId === userId && (p.brokerType === undefined || p.brokerType === issued.brokerType)) {
        return issued;
      }
    }
    return undefined;
  }
}
