/**
 * `createMeshSandbox`: one offline Mesh — API, Link page and webhooks — as an Express router.
 */
import express, { type Router } from 'express';
import { AccessTokenRegistry } from './access-tokens.js';
import { meshErrorHandler } from './api-errors.js';
import { DEFAULT_API_RATE_LIMIT } from './api-rate-limit.js';
import { apiRoutes } from './api-routes.js';
import { checkFrameAncestors } from './frame-ancestors.js';
import { linkRoutes } from './link-routes.js';
import { recordTransfer, refundRefused, transferById, type RecordTransferInput } from './recorded-transfers.js';
import type { SandboxContext, SandboxScenario } from './sandbox-context.js';
import { TokenRegistry } from './token-registry.js';
import { runRefund } from './transfer-lifecycle.js';
import type { SandboxTransfer } from './transfers.js';
import { WebhookDispatcher, type WebhookDelivery } from './webhook-delivery.js';

/** Credentials the sandbox accepts unless told otherwise. */
export const SANDBOX_CLIENT_ID = 'sandbox-client-id';
export const SANDBOX_CLIENT_SECRET = 'sandbox-client-secret';

export interface MeshSandboxOptions {
  /** Accepted `X-Client-Id` (default {@link SANDBOX_CLIENT_ID}). */
  clientId?: string;
  /** Accepted `X-Client-Secret` (default {@link SANDBOX_CLIENT_SECRET}). */
  clientSecret?: string;
  /** Absolute URL webhooks are POSTed to; a function is resolved at send time (e.g. after listen on port 0). */
  webhookUrl?: string | (() => string | undefined);
  /** HMAC secret for `X-Mesh-Signature-256`; no webhooks are sent when unset. */
  webhookSecret?: string;
  /**
   * The Link page plays this scenario by itself, no clicks. `succeed | fail | cancel |
   * close-after-approve` are what the demo's MESH_SANDBOX_AUTOPLAY takes; `mfa` and `expired` are
   * there for tests. A function is asked at each page load.
   */
  autoplay?: SandboxScenario | (() => SandboxScenario | undefined);
  /** Share (0..1) of delivered events sent again (default 0.1). */
  duplicateRate?: number;
  /** Share (0..1) of transfers whose final status is delivered before `pending` (default 0.1). */
  reorderRate?: number;
  /**
   * Webhook retries: `attempts` (default 8), exponential backoff from `baseDelayMs` (500) capped at
   * `maxDelayMs` (30 000), and `timeoutMs` (200: Mesh waits 200 ms for an answer, then retries).
   */
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number; timeoutMs?: number };
  /** Time between `pending` and the final webhook (default 1500 ms). */
  settleDelayMs?: number;
  /** Link token lifetime (default 10 minutes, like Mesh). */
  tokenTtlMs?: number;
  /** Injectable clock (ms) for expiry tests; also stamps webhooks. */
  now?: () => number;
  /** Injectable randomness (0..1) for the duplicate/reorder draws. */
  random?: () => number;
  /** Base URL of the mount as browsers reach it; else derived per request from Host + mount path. */
  publicUrl?: string;
  /**
   * Requests per minute per client address on the sandbox's API (`/api/…`, `/_sandbox/…`);
   * 0 turns the limit off. Default 3000. Over it: 429 `tooManyRequest`.
   */
  rateLimit?: number;
  /**
   * Who may frame the Link page: `'self'` and/or exact origins (`https://shop.example`). Sent as
   * `Content-Security-Policy: frame-ancestors …`; the page also posts tokens only to a parent
   * whose origin is in this list. A function is asked at each page load. Default `["'self'"]`.
   */
  frameAncestors?: readonly string[] | (() => readonly string[]);
  /** Lifetime of the raw access token Link hands out (`expiresInSeconds`, default 600). */
  accessTokenTtlSeconds?: number;
  /** How long a connection's `tokenId` lets a returning customer skip sign-in (default 30 days). */
  connectionTtlSeconds?: number;
}

export interface MeshSandbox {
  /** Mount anywhere: `app.use('/sandbox/mesh', sandbox.router)`. */
  router: Router;
  /** Transfers made so far (for tests). */
  transfers(): SandboxTransfer[];
  /** Every webhook delivery attempt so far. */
  deliveries(): WebhookDelivery[];
  /**
   * Records a transfer as if Mesh had made it (no Link session, no webhook): what
   * `POST /_sandbox/transfers` does. Not part of Mesh. Throws {@link MeshSandboxError} for bad input.
   */
  recordTransfer(input: RecordTransferInput): SandboxTransfer;
  /** Refunds a transfer: sends `RefundPending`, then `RefundSucceeded`. Resolves once the first was delivered or given up. */
  refundTransfer(transferId: string): Promise<void>;
  /** Resolves when no webhook delivery is scheduled or in flight. */
  idle(): Promise<void>;
  /** Stops timers and in-flight deliveries. */
  close(): Promise<void>;
}

function rate(value: number | undefined, fallback: number): number {
  const r = value ?? fallback;
  if (!(r >= 0 && r <= 1)) throw new RangeError(`rates are between 0 and 1, got ${value}`);
  return r;
}

/** A lifetime or delay option: a positive finite number (0 allowed where `zeroOk`). */
function duration(name: string, value: number | undefined, fallback: number, zeroOk = false): number {
  const d = value ?? fallback;
  if (!(Number.isFinite(d) && (zeroOk ? d >= 0 : d > 0))) {
    throw new RangeError(`MESH_SANDBOX_INVALID_OPTION: ${name} must be a ${zeroOk ? 'non-negative' : 'positive'} number, got ${value}`);
  }
  return d;
}

export function createMeshSandbox(options: MeshSandboxOptions = {}): MeshSandbox {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const webhookUrl = options.webhookUrl;
  const dispatcher = new WebhookDispatcher({
    url: typeof webhookUrl === 'function' ? webhookUrl : () => webhookUrl,
    secret: options.webhookSecret || undefined,
    retry: {
      attempts: options.retry?.attempts ?? 8,
      baseDelayMs: options.retry?.baseDelayMs ?? 500,
      maxDelayMs: options.retry?.maxDelayMs ?? 30_000,
      timeoutMs: options.retry?.timeoutMs ?? 200,
    },
    duplicateRate: rate(options.duplicateRate, 0.1),
    random,
    now,
  });
  const autoplay = options.autoplay;
  const frameAncestors = options.frameAncestors ?? ["'self'"];
  // Checked now, so a bad static list fails at start-up rather than on the first page load.
  const staticAncestors = typeof frameAncestors === 'function' ? undefined : checkFrameAncestors(frameAncestors);
  const ctx: SandboxContext = {
    clientId: options.clientId ?? SANDBOX_CLIENT_ID,
    clientSecret: options.clientSecret ?? SANDBOX_CLIENT_SECRET,
    tokens: new TokenRegistry(duration('tokenTtlMs', options.tokenTtlMs, 10 * 60_000), now),
    access: new AccessTokenRegistry(
      {
        accessTokenSeconds: duration('accessTokenTtlSeconds', options.accessTokenTtlSeconds, 600),
        connectionSeconds: duration('connectionTtlSeconds', options.connectionTtlSeconds, 30 * 24 * 3600),
      },
      now,
    ),
    transfers: [],
    sessions: new Map(),
    dispatcher,
    lifecycle: { settleDelayMs: duration('settleDelayMs', options.settleDelayMs, 1500, true), reorderRate: rate(options.reorderRate, 0.1), random, now },
    autoplay: typeof autoplay === 'function' ? autoplay : () => autoplay,
    publicUrl: options.publicUrl,
    frameAncestors: typeof frameAncestors === 'function' ? () => checkFrameAncestors(frameAncestors()) : () => staticAncestors!,
  };

  const router = express.Router();
  router.use(apiRoutes(ctx, options.rateLimit ?? DEFAULT_API_RATE_LIMIT));
  router.use(linkRoutes(ctx));
  router.use(meshErrorHandler);

  return {
    router,
    transfers: () => ctx.transfers.map((t) => ({ ...t })),
    deliveries: () => dispatcher.deliveries(),
    recordTransfer: (input) => ({ ...recordTransfer(ctx, input) }),
    refundTransfer: (transferId) => {
      const transfer = transferById(ctx, transferId);
      const refused = refundRefused(transfer);
      if (refused) return Promise.reject(refused);
      return runRefund(transfer, dispatcher, ctx.lifecycle);
    },
    idle: () => dispatcher.idle(),
    close: () => dispatcher.close(),
  };
}
