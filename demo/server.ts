import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { createMeshPay, openStore, type KitStore, type MeshPayKit, type PostgresStore } from '@mesh-pay/backend-kit';
import { createMeshSandbox, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, type MeshSandbox } from '@mesh-pay/mesh-sandbox';
import { allowedHosts, hostCheck, isWildcardAddress } from './allowed-hosts.js';
import { parseDemoConfig, type DemoConfig } from './config.js';
import { contentSecurityPolicy, linkFrameOrigins } from './csp.js';
import { reserveFreePort } from './free-port.js';
import { createDemoMetrics } from './metrics.js';
import { createLedger, type SucceededTransfer } from './ledger.js';
import { createOrderOwners } from './order-owners.js';
import { createOrdersRouter } from './orders-route.js';
import { postgresLedgerBook } from './postgres-ledger.js';
import { sendProblem } from './problem.js';
import { createShopResolver, createShopRouter, type MeshNetworkLike } from './shop.js';
import { shopperOf, shopperSessions } from './shopper-session.js';
import { widgetFiles } from './widget-files.js';

/** How long a client may take to send its headers, then its whole request (webhook bodies are ≤ 64 KiB). */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The demo shop: wiring only. The local Mesh sandbox (when no credentials are set), the backend kit at
 * /mesh, the demo's own two read routes, and the static page plus the widget's script-tag bundle.
 */

const here = dirname(fileURLToPath(import.meta.url));
function isPostgresStore(store: KitStore): store is PostgresStore {
  return /^postgres(ql)?:/.test(store.kind) && 'pool' in store && 'markOnceWithin' in store;
}

/** The shop page: plain HTML, CSS and one script, no build step. */
export const PUBLIC_DIR = resolve(here, 'public');
/** The widget's script-tag bundle, produced by `npm run build` at the root. */
export const WIDGET_BUNDLE_DIR = resolve(here, '../packages/widget/dist/browser');

export interface ListeningDemo {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface DemoApp {
  app: express.Express;
  kit: MeshPayKit;
  sandbox?: MeshSandbox;
  store: KitStore;
  config: DemoConfig;
  /** Starts serving (and the kit's webhook worker). Defaults to the configured port. */
  listen(port?: number): Promise<ListeningDemo>;
}

/**
 * Builds the demo from an environment (CONTRACT.md §2). Async because opening a store may mean
 * connecting to Redis.
 *
 * With the local sandbox, the kit calls the sandbox's API over real HTTP on this same server, so the
 * port must be known before the kit exists: `PORT=0` picks a free port here, and `listen()` uses it.
 */
export async function createDemoApp(env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env): Promise<DemoApp> {
  const config = parseDemoConfig(env);
  // The local sandbox serves when no credentials are set and no other Mesh URL was given.
  const useSandbox = config.mode === 'sandbox' && config.apiUrl === undefined;
  // How this process reaches itself (the kit calls the sandbox's API, the sandbox posts webhooks):
  // the bound address, or loopback when it binds every interface.
  const selfHost = isWildcardAddress(config.host) ? (config.host === '::' ? '::1' : '127.0.0.1') : config.host;
  const port = useSandbox && config.port === 0 ? await reserveFreePort(selfHost) : config.port;
  const origin = `http://${selfHost.includes(':') ? `[${selfHost}]` : selfHost}:${port}`;
  let listening = false;

  const store = await openStore(config.store);

  const sandbox = useSandbox
    ? createMeshSandbox({
        clientId: SANDBOX_CLIENT_ID,
        clientSecret: SANDBOX_CLIENT_SECRET,
        // Until the server listens there is nobody to deliver to.
        webhookUrl: () => (listening ? `${origin}/mesh/webhook` : undefined),
        webhookSecret: config.webhookSecret,
        // The kit mints tokens at 127.0.0.1, so Link is framed from there while the shop may be
        // browsed at localhost: both are this demo and may frame its Link page.
        // Pages on MESH_ALLOWED_ORIGINS embed the button, so Link is framed by them too.
        frameAncestors: [...new Set(["'self'", origin, `http://localhost:${port}`, ...config.allowedOrigins])],
        // The kit is the sandbox API's one client, so a per-client cap of MESH_RATE_LIMIT would cap the
        // whole shop: the sandbox keeps Mesh-like headroom (its default) and is off when the demo's is.
        ...(config.rateLimit === 0 ? { rateLimit: 0 } : {}),
        ...(config.autoplay ? { autoplay: config.autoplay } : {}),
      })
    : undefined;

  // On PostgreSQL the ledger is a table written in the kit's fulfilment transaction (args.tx).
  const book = isPostgresStore(store) ? await postgresLedgerBook(store.pool) : undefined;
  const ledger = createLedger(store, { creditDelayMs: config.creditDelayMs, ...(book ? { book } : {}) });
  const owners = createOrderOwners(store);
  // The resolver reads the kit's cached networks list; the kit does not exist yet when it is built.
  const networks = (): Promise<readonly MeshNetworkLike[]> => kit.getNetworks();
  const priceOrder = createShopResolver(networks);
  const metrics = createDemoMetrics();
  const kit: MeshPayKit = createMeshPay({
    store,
    meterProvider: metrics.meterProvider,
    mesh: {
      clientId: config.mesh?.clientId ?? SANDBOX_CLIENT_ID,
      clientSecret: config.mesh?.clientSecret ?? SANDBOX_CLIENT_SECRET,
      environment: config.meshEnv,
      apiUrl: config.apiUrl ?? `${origin}/sandbox/mesh`,
    },
    webhookSecret: config.webhookSecrets,
    kitSecret: config.kitSecret,
    streamLimits: { perInstance: config.maxStreams },
    // An order is the session's that first asked to pay it; to anyone else it does not exist (404).
    resolveOrder: async (orderId, req) => {
      const { userId } = shopperOf(req);
      return (await owners.claim(orderId, userId)) ? priceOrder(orderId, userId) : undefined;
    },
    ...(config.allowedOrigins.length > 0 ? { cors: { origins: config.allowedOrigins } } : {}),
    rateLimit: config.rateLimit === 0 ? false : { windowMs: 60_000, limit: config.rateLimit },
    onTransferSucceeded: async (succeeded: SucceededTransfer) => {
      await ledger.onTransferSucceeded(succeeded);
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // Before anything else: a request addressed to another name (DNS rebinding) gets nothing.
  app.use(hostCheck(allowedHosts(config.host), (req) => req.method === 'POST' && req.path === '/mesh/webhook'));
  app.use((_req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Referrer-Policy', 'no-referrer');
    next();
  });

  if (sandbox) app.use('/sandbox/mesh', sandbox.router);
  app.get('/metrics', metrics.route);
  // Every shop request has a shopper (a signed session cookie, issued on the first visit); Mesh's
  // webhook is no shopper and gets no cookie.
  const sessions = shopperSessions(config.kitSecret);
  app.use((req, res, next) => (req.path === '/mesh/webhook' ? next() : sessions(req, res, next)));
  app.use('/mesh', kit.router);
  app.use(createOrdersRouter(store, owners));
  app.use(ledger.router);
  app.use(createShopRouter(useSandbox ? 'local-sandbox' : config.meshEnv));
  app.use('/api', (_req, res) => sendProblem(res, 404, 'Not found', 'No such API route.'));

  // The page and the widget bundle run under a strict CSP: no inline script or style anywhere.
  const csp = contentSecurityPolicy({
    mode: config.mode,
    frameOrigins: useSandbox ? [...new Set([origin, `http://localhost:${port}`, `http://127.0.0.1:${port}`])] : linkFrameOrigins(config.apiUrl),
  });
  app.use((_req, res, next) => {
    res.set('Content-Security-Policy', csp);
    res.set('X-Frame-Options', 'DENY');
    next();
  });
  app.use(express.static(PUBLIC_DIR, { index: 'index.html', fallthrough: true }));
  app.use(widgetFiles(WIDGET_BUNDLE_DIR, config.allowedOrigins));
  app.get('/mesh-pay-button.js', (_req, res) => {
    res
      .status(404)
      .type('text/javascript')
      .send('console.error("mesh-pay-button.js is not built yet: run `npm run build` at the repository root.");');
  });
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found');
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof (err as { status?: unknown })?.status === 'number' ? (err as { status: number }).status : 500;
    if (status >= 500) console.error('demo: unhandled error', err);
    if (res.headersSent) return;
    sendProblem(res, status, status >= 500 ? 'Internal error' : 'Bad request', status >= 500 ? 'Something went wrong on the server.' : 'The request could not be read.');
  });

  async function listen(listenPort: number = port): Promise<ListeningDemo> {
    if (useSandbox && listenPort !== port) {
      throw new Error(`The local sandbox was set up for port ${port}; call listen() without a port or with ${port}`);
    }
    const server: Server = createServer(
      {
        // A client that dribbles or never finishes its request must not hold a socket for Node's
        // defaults (60 s headers, 300 s request, checked every 30 s). SSE is unaffected: these
        // bound receiving the request, not how long the response streams.
        headersTimeout: HEADERS_TIMEOUT_MS,
        requestTimeout: REQUEST_TIMEOUT_MS,
        connectionsCheckingInterval: 1_000,
      },
      app,
    );
    await new Promise<void>((ok, fail) => server.once('error', fail).listen(listenPort, config.host, ok));
    const actual = (server.address() as AddressInfo).port;
    listening = true;
    await kit.start();
    let closing: Promise<void> | undefined;
    return {
      url: `http://${selfHost.includes(':') ? `[${selfHost}]` : selfHost}:${actual}`,
      port: actual,
      close: () =>
        (closing ??= (async () => {
          listening = false;
          server.closeAllConnections();
          await new Promise<void>((ok) => server.close(() => ok()));
          await sandbox?.close();
          await kit.close();
          await store.close();
          await metrics.shutdown();
        })()),
    };
  }

  return { app, kit, ...(sandbox ? { sandbox } : {}), store, config, listen };
}

async function main(): Promise<void> {
  let demo: DemoApp;
  try {
    demo = await createDemoApp(process.env);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
  const { config } = demo;
  if (config.kitSecretIsRandom) {
    console.warn('warning: MESH_KIT_SECRET is unset, so a random one is used: status links die with this process and other instances refuse them.');
  }
  let running: ListeningDemo;
  try {
    running = await demo.listen();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    console.error(
      code === 'EADDRINUSE'
        ? `Port ${config.port} is already in use: stop what runs there or start with another PORT, e.g. PORT=3001 npm start`
        : `The demo could not start: ${err instanceof Error ? err.message : String(err)}`,
    );
    await demo.store.close().catch(() => {});
    process.exit(1);
  }
  // Loopback and every-interface binds are reached as localhost; a specific address by itself.
  const loopbackOrAll = isWildcardAddress(config.host) || ['127.0.0.1', '::1', 'localhost'].includes(config.host);
  const shown = loopbackOrAll ? `http://localhost:${running.port}` : new URL(running.url).origin;
  console.log(`Mesh Pay demo shop: ${shown}`);
  console.log(
    demo.sandbox
      ? `Mesh: local sandbox at ${shown}/sandbox/mesh${config.autoplay ? ` (autoplay: ${config.autoplay})` : ''}`
      : `Mesh: ${config.apiUrl} (${config.meshEnv})`,
  );
  console.log(`Webhook: POST ${shown}/mesh/webhook`);
  if (config.webhookSecretIsDev) console.log(`Dev webhook secret (MESH_WEBHOOK_SECRET): ${config.webhookSecret}`);
  // The store's own description: a Redis URL's password is not printed.
  console.log(`Store: ${demo.store.kind}`);

  const stop = () => {
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
