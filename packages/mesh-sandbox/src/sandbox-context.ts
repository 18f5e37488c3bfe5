/** The state one sandbox instance shares between its API routes and its Link page routes. */
import type { AccessTokenRegistry } from './access-tokens.js';
import type { LifecycleOptions } from './transfer-lifecycle.js';
import type { TokenRegistry } from './token-registry.js';
import type { SandboxTransfer } from './transfers.js';
import type { WebhookDispatcher } from './webhook-delivery.js';

/**
 * What the Link page plays. `succeed`, `fail`, `cancel` and `close-after-approve` (the customer
 * approves, then closes Link before the success screen) are what the demo's MESH_SANDBOX_AUTOPLAY
 * takes; `mfa` and `expired` are there for tests.
 */
export type SandboxScenario = 'succeed' | 'fail' | 'cancel' | 'close-after-approve' | 'mfa' | 'expired';

export const SANDBOX_SCENARIOS: readonly SandboxScenario[] = ['succeed', 'fail', 'cancel', 'close-after-approve', 'mfa', 'expired'];

/** A previewed transfer, waiting for the customer's Confirm. */
export interface TransferPreview {
  readonly previewId: string;
  readonly linkId: string;
  readonly optionIndex: number;
  readonly integrationId: string;
  readonly symbol: string;
  /** On-chain decimals of `symbol`: `amount` has at most this many. */
  readonly decimals: number;
  readonly networkId: string;
  readonly networkName: string;
  readonly toAddress: string;
  readonly amount: string;
  readonly amountInFiat: string;
  readonly priceUsd: string;
  /** The merchant set no amount: the customer enters it on the preview. */
  readonly customerSetsAmount: boolean;
}

export interface SandboxContext {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tokens: TokenRegistry;
  readonly access: AccessTokenRegistry;
  readonly transfers: SandboxTransfer[];
  /** Per Link session: who connected, and what was previewed. */
  readonly sessions: Map<string, { integrationId?: string; previews: Map<string, TransferPreview>; transferId?: string }>;
  readonly dispatcher: WebhookDispatcher;
  readonly lifecycle: LifecycleOptions;
  readonly autoplay: () => SandboxScenario | undefined;
  readonly publicUrl: string | undefined;
  /** CSP `frame-ancestors` sources for the Link page: `'self'` and/or origins. */
  readonly frameAncestors: () => readonly string[];
}
