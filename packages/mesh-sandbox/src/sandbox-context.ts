/** The state one sandbox instance shares between its API routes and its Link page routes. */
import type { AccessTokenRegistry } from './access-tokens.js';
import type { LifecycleOptions } from './transfer-lifecycle.js';
import type { TokenRegistry } from './token-registry.js';
import type { SandboxTransfer } from './transfers.js';
import type { WebhookDispatcher } from './webhook-delivery.js';

export type SandboxScenario = 'succeed' | 'fail' | 'cancel' | 'mfa' | 'expired';

/** A previewed transfer, waiting for the customer's Confirm. */
export interface TransferPreview {
  readonly previewId: string;
  readonly linkId: string;
  readonly optionIndex: number;
  readonly integrationId: string;
  readonly symbol: string;
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
}
