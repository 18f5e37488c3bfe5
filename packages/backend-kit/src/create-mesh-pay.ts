/**
 * `createMeshPay(options)`: the kit a merchant mounts with `app.use('/mesh', kit.router)`.
 */
import express, { type Express } from 'express';
import { rateLimit } from 'express-rate-limit';
import { resolveConfig, type MeshPayOptions, type ResolvedConfig } from './config.js';
import { browserCors } from './cors.js';
import { MeshPayError, problemHandler, sendProblem } from './errors.js';
import { createInboxAdmin, type InboxAdmin } from './inbox-admin.js';
import { InboxWorker } from './inbox-worker.js';
import { linkTokenRoute } from './link-token-route.js';
import { MeshClient, type MeshNetwork } from './mesh-client.js';
import { NetworksCache, networksRoute } from './networks-route.js';
import { Reconciler } from './reconcile.js';
import { Pruner } from './retention.js';
import { integrationRoute } from './return-users.js';
import { warnOnEarlierBodyParsers } from './mount-check.js';
import { StreamRegistry, statusStreamRoute } from './status-stream.js';
import { transferConfirmer } from './transfer-verify.js';
import type { KitStore, TransactionRecord } from './store.js';
import { webhookRoute } from './webhook-route.js';
import { createKitMetrics } from './metrics.js';

export interface MeshPayKit {
  /**
   * Mount it: `app.use('/mesh', kit.router)`. An Express sub-app (so it can warn, when mounted, about
   * body parsers registered before it); use it wherever a router goes.
   */
  readonly router: Express;
  readonly store: KitStore;
  readonly config: Readonly<ResolvedConfig>;
  /** Starts the inbox worker (resuming entries left unfinished by a previous process) and the reconciler. */
  start(): Promise<void>;
  /** Stops the worker and reconciler, ends open status streams. Does not close the store. */
  close(): Promise<void>;
  /** Mesh's networks, cached. */
  getNetworks(): Promise<MeshNetwork[]>;
  getTransactionByOrder(orderId: string): Promise<TransactionRecord | undefined>;
  /** Looks one transaction up at Mesh now and queues what Mesh reports; returns how many new events. */
  reconcile(transactionId: string): Promise<number>;
  /** Runs one reconciliation sweep over overdue open transactions. */
  reconcileNow(): Promise<void>;
  /** Runs one retention pass now (the kit also runs one every `retention.intervalMs`). */
  pruneNow(): Promise<void>;
  /** Number of status streams open on this instance. */
  openStreamCount(): number;
  /** The operator's view of the webhook inbox (list, inspect, retry), shared by every instance on the store. */
  readonly inbox: InboxAdmin;
}

/** Creates the kit. Throws `MESH_PAY_CONFIG_INVALID` for missing secrets or options. */
export function createMeshPay(options: MeshPayOptions): MeshPayKit {
  const config = resolveConfig(options);
  const { store, logger } = config;
  const mesh = new MeshClient({
    baseUrl: config.meshBaseUrl,
    clientId: config.mesh.clientId,
    clientSecret: config.mesh.clientSecret,
    timeoutMs: config.meshTimeoutMs,
    logger,
  });
  // Every dead event is counted (metrics below) whether or not the merchant listens for it.
  // Each merchant hook run is counted by outcome; the hook itself is untouched.
  const counted = <A>(hook: 'succeeded' | 'failed' | 'update', run: ((args: A) => Promise<void> | void) | undefined) =>
    run &&
    (async (args: A) => {
      try {
        await run(args);
      } catch (err) {
        kitMetrics.hookAttempt(hook, false);
        throw err;
      }
      kitMetrics.hookAttempt(hook, true);
    });
  const hooks = {
    ...config,
    onTransferSucceeded: counted('succeeded', config.onTransferSucceeded),
    onTransferFailed: counted('failed', config.onTransferFailed),
    onTransferUpdate: counted('update', config.onTransferUpdate),
    observeVerdict: (verdict: string) => kitMetrics.verdict(verdict),
    confirmTransfer: transferConfirmer({ mesh, verify: config.verifyTransfers }),
    onDead: async (args: Parameters<NonNullable<typeof config.onDead>>[0]) => {
      kitMetrics.eventDead();
      await config.onDead?.(args);
    },
  };
  const worker = new InboxWorker(store, hooks, config.fulfilment, logger);
  const reconciler = new Reconciler({
    store,
    mesh,
    worker,
    reconcileAfterMs: config.reconcileAfterMs,
    intervalMs: config.reconcileIntervalMs,
    logger,
    onLookup: (outcome) => kitMetrics.reconcileLookup(outcome),
  });
  const pruner = config.retention ? new Pruner(store, config.retention, logger) : undefined;
  const networks = new NetworksCache(mesh, config.networksCacheMs);
  const streams = new StreamRegistry();
  const kitMetrics = createKitMetrics(() => streams.size, config.meterProvider);

  const webhook = webhookRoute({
    store,
    worker,
    webhookSecret: config.webhookSecret,
    allowIps: config.webhookAllowIps,
    logger,
    metrics: kitMetrics,
    ...(config.retention ? { staleAfterMs: config.retention.afterMs } : {}),
  });
  const router = express.Router();

  // Browser-facing routes: CORS (when configured) applies to these paths only, so not even a
  // preflight or a stray GET to /webhook is ever granted.
  const browser = express.Router();
  if (config.cors) browser.use(['/link-token', '/status', '/networks'], browserCors(config.cors));
  const limiter = config.rateLimit
    ? [
        rateLimit({
          windowMs: config.rateLimit.windowMs,
          limit: config.rateLimit.limit,
          standardHeaders: 'draft-8',
          legacyHeaders: false,
          handler: (_req, res) =>
            sendProblem(res, new MeshPayError('MESH_PAY_RATE_LIMITED', 429, 'Too many payment attempts. Please wait a moment.')),
        }),
      ]
    : [];
  browser.post(
    '/link-token',
    (_req, res, next) => {
      res.once('finish', () =>
        res.statusCode === 200 ? kitMetrics.linkToken('minted') : kitMetrics.linkToken('refused', res.locals.meshPayProblemCode as string | undefined),
      );
      next();
    },
    ...limiter,
    ...linkTokenRoute({
      store,
      mesh,
      kitSecret: config.kitSecret,
      environment: config.environment,
      statusTtlSeconds: config.statusTtlSeconds,
      resolveOrder: config.resolveOrder,
      logger,
      reconcileAfterMs: config.reconcileAfterMs,
    }),
  );
  browser.get(
    '/status/:capability',
    statusStreamRoute({
      store,
      kitSecret: config.kitSecret,
      heartbeatMs: config.heartbeatMs,
      registry: streams,
      limits: config.streamLimits,
      logger,
      onOpenNonTerminal: (transactionId, createdAt) => reconciler.reconcileIfDue(transactionId, createdAt),
    }),
  );
  browser.post(
    '/status/:capability/integration',
    ...integrationRoute({
      store,
      kitSecret: config.kitSecret,
      maxConnections: config.maxConnectionsPerShopper,
      limits: config.integrationRateLimit,
      logger,
    }),
  );
  browser.get('/networks', networksRoute(networks, config.networksCacheMs));
  router.use(browser);
  router.use(problemHandler(logger));

  const app = express();
  // The host app decides what it announces about itself.
  app.disable('x-powered-by');
  // The webhook sits on the kit's app itself, one router level above the browser routes: the hot
  // path of the kit, so it is spared a dispatch through a nested router.
  app.post('/webhook', webhook);
  app.use(router);
  app.use(problemHandler(logger));
  app.on('mount', (parent) => warnOnEarlierBodyParsers(parent, app.mountpath, logger));

  let started = false;
  return {
    router: app,
    store,
    config,
    async start() {
      if (started) return;
      started = true;
      worker.start();
      reconciler.start();
      pruner?.start();
    },
    async close() {
      started = false;
      streams.closeAll();
      await reconciler.stop();
      await pruner?.stop();
      await worker.stop();
    },
    getNetworks: () => networks.get(),
    getTransactionByOrder: (orderId) => store.findTransactionByOrder(orderId),
    reconcile: (transactionId) => reconciler.reconcile(transactionId),
    reconcileNow: () => reconciler.sweep(),
    pruneNow: async () => pruner?.pruneNow(),
    openStreamCount: () => streams.size,
    inbox: createInboxAdmin(store, () => worker.kick()),
  };
}
