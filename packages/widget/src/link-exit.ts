import { MeshPayError } from './errors.js';
import type { PaymentStatus } from './payment-machine.js';

/** Mesh's link tokens live 10 minutes (docs.meshconnect.com); Mesh publishes no "expired" error code. */
export const LINK_TOKEN_LIFETIME_MS = 10 * 60_000;

/** Why Link closed, as `mesh-exit`'s `detail.reason` tells it. */
export type MeshExitReason =
  /** Closed without paying: the button is `cancelled`. */
  | 'cancelled'
  /** Closed after Link reported the transfer initiated/executed but before its success screen: the
   *  payment may still succeed, so the button is `confirming` and follows the server. */
  | 'closed-after-transfer'
  /** Closed after the transfer finished or the payment settled: nothing changes. */
  | 'done'
  /** Link failed before anything was connected and the token was past its lifetime: re-minted. */
  | 'token-expired'
  /** Link closed with an error. */
  | 'error';

export interface ExitFacts {
  status: PaymentStatus;
  /** Link's error message, if any. */
  error: string | undefined;
  /** An exchange or wallet was connected in this Link session. */
  connected: boolean;
  /** Link reported `transferInitiated` or `transferExecuted` in this session. */
  transferStarted: boolean;
  /** How long ago the link token was minted. */
  tokenAgeMs: number;
  /** This token is already a silent re-mint. */
  reminted: boolean;
}

export type ExitOutcome = MeshExitReason | 'expired-again';

/**
 * What Link closing means. An expired token cannot be recognised by a code (Mesh publishes none), so
 * it is inferred from what is known: an error before anything was connected, with a token older than
 * Mesh's lifetime. Every other error is offered as Retry, never silently re-minted.
 */
export function decideExit(facts: ExitFacts): ExitOutcome {
  if (facts.status !== 'open') return 'done';
  if (facts.transferStarted) return 'closed-after-transfer';
  if (facts.error && !facts.connected && facts.tokenAgeMs >= LINK_TOKEN_LIFETIME_MS) return facts.reminted ? 'expired-again' : 'token-expired';
  return facts.error ? 'error' : 'cancelled';
}

/** SDK `onEvent` types after which closing Link is not a cancel (check `utils/event-types.d.ts`). */
export const TRANSFER_STARTED_EVENTS: ReadonlySet<string> = new Set(['transferInitiated', 'transferExecuted']);

/** The error an exit outcome reports, if it is one. */
export function exitError(outcome: ExitOutcome, error: string | undefined): MeshPayError | undefined {
  if (outcome === 'expired-again') return new MeshPayError('MESH_PAY_LINK_TOKEN_EXPIRED', 'The link token expired again right after a re-mint', { retryable: true });
  if (outcome === 'error') return new MeshPayError('MESH_PAY_LINK_FAILED', error ?? 'Link closed with an error', { retryable: true });
  return undefined;
}
