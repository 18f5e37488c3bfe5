/**
 * Options of {@link createMeshPay} and their defaults, checked once at start-up so a
 * misconfigured kit fails loudly before it takes a payment.
 */
import type { MeterProvider } from '@opentelemetry/api';
import type { Request } from 'express';
import { MeshPayError } from './errors.js';
import type { Decision } from './fulfilment-decide.js';
import { DEFAULT_INTEGRATION_LIMITS, DEFAULT_MAX_CONNECTIONS, type IntegrationLimits } from './return-users.js';
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from './status-stream.js';
import type { Destination, HookTransaction, KitStore, TransactionRecord, TransferEvent } from './store.js';

export const MESH_BASE_URLS = {
  sandbox: 'https://integration-api.meshconnect.com',
  production: 'https://production.meshconnect.com',
} as const;

export type MeshEnvironment = keyof typeof MESH_BASE_URLS;

/** What the merchant's resolver decides for an order. The browser never chooses any of it. */
export interface ResolvedOrder {
  /**
   * The AUTHENTICATED shopper paying for this order (Mesh `userId`): a stable, non-PII id your
   * session or login says this request belongs to — never derived from anything the browser sent
   * (not the order id). The kit keeps this shopper's connected exchanges (return users) under it and
   * offers them on every token it mints for the same `userId`, so whoever gets a token minted
   * under a shopper's `userId` is that shopper to Mesh. If the order is not this shopper's, return
   * `undefined` (404).
   */
  userId: string;
  /** Decimal string, e.g. `"25.00"`. */
  amountInFiat: string;
  fiatCurrency?: string;
  /** Your own id for this payment; generated (unguessable) when omitted. */
  transactionId?: string;
  transferType?: 'payment' | 'deposit';
  isInclusiveFeeEnabled?: boolean;
  destinations: Destination[];
}

export interface Logger {
  info(message: string, meta?: object): void;
  warn(message: string, meta?: object): void;
  error(message: string, meta?: object): void;
}

export interface TransferHookArgs {
  event: TransferEvent;
  transaction: TransactionRecord;
}

export interface SucceededHookArgs extends TransferHookArgs {
  /** The transferId: use it to make your crediting idempotent (see README on at-least-once). */
  idempotencyKey: string;
  /**
   * On a transactional store (PostgreSQL) only: the database transaction in which the kit marks
   * this transfer credited. Write your credit through it and the credit commits with the mark, or
   * neither does (README "Transactional fulfilment"). `undefined` on memory, SQLite and Redis.
   */
  tx?: HookTransaction;
}

export interface FailedHookArgs extends TransferHookArgs {
  /** As {@link SucceededHookArgs.tx}, for the mark that says this transfer's failure was handled. */
  tx?: HookTransaction;
}

export interface UpdateHookArgs extends TransferHookArgs {
  /** What the kit made of the event: `credit`, `fail`, `mismatch` or `update`. */
  verdict: Decision['verdict'];
  /** Why a mismatch was refused. */
  reason?: string;
}

export interface MeshPayOptions {
  store: KitStore;
  mesh: {
    clientId: string;
    clientSecret: string;
    environment?: MeshEnvironment;
    /** Overrides the base URL (e.g. the local sandbox). */
    apiUrl?: string;
    /** Per request to Mesh; default 10 000 ms. */
    timeoutMs?: number;
  };
  /**
   * HMAC secret Mesh signs webhooks with; several while rotating (any one verifies, see README
   * "Rotating the webhook secret").
   */
  webhookSecret: string | readonly string[];
  /** Signs status capabilities; every instance of one deployment must share it. */
  kitSecret: string;
  /**
   * Turns the browser's orderId into the transfer, for the shopper this request authenticates;
   * `undefined` → 404 (unknown order, or one that belongs to another shopper).
   */
  resolveOrder: (orderId: string, req: Request) => Promise<ResolvedOrder | undefined>;
  /** Runs once per transferId, after a `succeeded` event that pays a destination you chose. */
  onTransferSucceeded?: (args: SucceededHookArgs) => Promise<void> | void;
  onTransferFailed?: (args: FailedHookArgs) => Promise<void> | void;
  /** Every accepted event, once per EventId (mismatches included, with `verdict: 'mismatch'`). */
  onTransferUpdate?: (args: UpdateHookArgs) => Promise<void> | void;
  /**
   * Lifetime of a status capability (the `statusUrl`, and the integration route under it); default
   * 86 400 (24 h), so a shopper can watch a slow on-chain settlement to its end. A stream sends
   * `event: expired` and closes just before its capability runs out.
   */
  statusTtlSeconds?: number;
  /** Concurrent status streams per capability (default 3, past it 429) and per instance (default 1000, past it 503). */
  streamLimits?: Partial<StreamLimits>;
  /**
   * Limits on `POST <statusUrl>/integration` (return users), per client address and per capability,
   * per window; default 30 and 10 per minute; `false` disables (not for production).
   */
  integrationRateLimit?: IntegrationLimits | false;
  /** Connected accounts kept per shopper for return visits; the oldest is replaced. Default 10. */
  maxConnectionsPerShopper?: number;
  /** A transaction without a terminal status after this long is looked up at Mesh; default 10 min. */
  reconcileAfterMs?: number;
  /** How often the reconciler sweeps; default 60 000 ms. */
  reconcileIntervalMs?: number;
  /** SSE heartbeat comment interval; default 15 000 ms (never more). */
  heartbeatMs?: number;
  /** How long the networks list is cached; default 10 min. */
  networksCacheMs?: number;
  /**
   * Pages on these origins may call the browser routes (token, status stream, integration) from
   * another origin, with credentials. Exact origins only (`https://shop.example`); a malformed one
   * throws `MESH_PAY_CONFIG_INVALID`. The webhook route never answers CORS.
   */
  cors?: { origins: string[] };
  /** Per-IP limit on POST /link-token; default 30 per minute; `false` disables. */
  rateLimit?: { windowMs: number; limit: number } | false;
  /** Source IPs allowed to post webhooks (Mesh's is 20.22.113.37); uses `req.ip`, so honours 'trust proxy'. */
  webhookAllowIps?: string[] | false;
  /**
   * Inbox worker tuning. `leaseMs` (default 15 000) is how long a claimed entry, and the lock around
   * its hook, stay reserved without renewal; they are renewed every `leaseMs / 3` while the worker
   * lives, so it bounds how soon a crashed instance's work is picked up, not how long a hook may run.
   */
  fulfilment?: { maxAttempts?: number; baseDelayMs?: number; leaseMs?: number; pollMs?: number; batchSize?: number };
  /** Never given secrets, access tokens or raw webhook bodies. */
  logger?: Logger;
  /**
   * Where the kit's OpenTelemetry metrics go; default: the global MeterProvider when the kit is
   * created. Without an OpenTelemetry SDK in the app, recording costs nothing.
   */
  meterProvider?: MeterProvider;
}

export interface ResolvedConfig extends MeshPayOptions {
  meshBaseUrl: string;
  meshTimeoutMs: number;
  environment: MeshEnvironment;
  statusTtlSeconds: number;
  streamLimits: StreamLimits;
  integrationRateLimit: IntegrationLimits | false;
  maxConnectionsPerShopper: number;
  reconcileAfterMs: number;
  reconcileIntervalMs: number;
  heartbeatMs: number;
  networksCacheMs: number;
  rateLimit: { windowMs: number; limit: number } | false;
  webhookAllowIps: string[] | false;
  fulfilment: { maxAttempts: number; baseDelayMs: number; leaseMs: number; pollMs: number; batchSize: number };
  logger: Logger;
}

const consoleLogger: Logger = {
  info: (m, meta) => console.info(m, meta ?? ''),
  warn: (m, meta) => console.warn(m, meta ?? ''),
  error: (m, meta) => console.error(m, meta ?? ''),
};

export function resolveConfig(options: MeshPayOptions): ResolvedConfig {
  const bad = (detail: string) => new MeshPayError('MESH_PAY_CONFIG_INVALID', 500, detail);
  if (!options.store) throw bad('`store` is required.');
  if (!options.mesh?.clientId || !options.mesh.clientSecret) throw bad('`mesh.clientId` and `mesh.clientSecret` are required.');
  const secrets = typeof options.webhookSecret === 'string' ? [options.webhookSecret] : options.webhookSecret;
  if (!Array.isArray(secrets) || secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw bad('`webhookSecret` is required: a non-empty string, or a non-empty list of them while rotating.');
  }
  if (!options.kitSecret || options.kitSecret.length < 16) throw bad('`kitSecret` must be at least 16 characters.');
  if (typeof options.resolveOrder !== 'function') throw bad('`resolveOrder` must be a function.');
  const environment = options.mesh.environment ?? 'sandbox';
  if (!(environment in MESH_BASE_URLS)) throw bad('`mesh.environment` must be sandbox or production.');
  const positiveInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (options.statusTtlSeconds !== undefined && !positiveInt(options.statusTtlSeconds)) throw bad('`statusTtlSeconds` must be a positive integer.');
  if (options.maxConnectionsPerShopper !== undefined && !positiveInt(options.maxConnectionsPerShopper)) {
    throw bad('`maxConnectionsPerShopper` must be a positive integer.');
  }
  for (const [name, v] of Object.entries(options.streamLimits ?? {})) {
    if (v !== undefined && !positiveInt(v)) throw bad(`\`streamLimits.${name}\` must be a positive integer.`);
  }
  if (options.integrationRateLimit) {
    for (const [name, v] of Object.entries(options.integrationRateLimit)) {
      if (!positiveInt(v)) throw bad(`\`integrationRateLimit.${name}\` must be a positive integer.`);
    }
  }
  const f = options.fulfilment ?? {};
  return {
    ...options,
    environment,
    meshBaseUrl: (options.mesh.apiUrl ?? MESH_BASE_URLS[environment]).replace(/\/+$/, ''),
    meshTimeoutMs: options.mesh.timeoutMs ?? 10_000,
    statusTtlSeconds: options.statusTtlSeconds ?? 86_400,
    streamLimits: { ...DEFAULT_STREAM_LIMITS, ...options.streamLimits },
    integrationRateLimit: options.integrationRateLimit === undefined ? DEFAULT_INTEGRATION_LIMITS : options.integrationRateLimit,
    maxConnectionsPerShopper: options.maxConnectionsPerShopper ?? DEFAULT_MAX_CONNECTIONS,
    reconcileAfterMs: options.reconcileAfterMs ?? 10 * 60_000,
    reconcileIntervalMs: options.reconcileIntervalMs ?? 60_000,
    heartbeatMs: Math.min(options.heartbeatMs ?? 15_000, 15_000),
    networksCacheMs: options.networksCacheMs ?? 10 * 60_000,
    rateLimit: options.rateLimit === undefined ? { windowMs: 60_000, limit: 30 } : options.rateLimit,
    webhookAllowIps: options.webhookAllowIps ?? false,
    fulfilment: {
      maxAttempts: f.maxAttempts ?? 8,
      baseDelayMs: f.baseDelayMs ?? 1000,
      leaseMs: f.leaseMs ?? 15_000,
      pollMs: f.pollMs ?? 1000,
      batchSize: f.batchSize ?? 16,
    },
    logger: options.logger ?? consoleLogger,
  };
}
