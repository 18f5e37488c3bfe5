/**
 * A merchant's page for Chromium tests: the REAL @meshconnect/web-link-sdk (bundled here with
 * esbuild, like a merchant's build would), in embedded mode with a light-DOM iframe, on the same
 * origin as the sandbox (mounted at /sandbox/mesh), under the demo's strict CSP. It records every
 * SDK callback in `window.meshLog` for the test to read. It also takes the sandbox's webhooks.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import express from 'express';
import type { Page } from 'playwright-core';
import type { MeshSandbox } from '../../src/index.js';
import { listen, type Listening } from './http.js';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));

let sdkBundle: Promise<string> | undefined;

/** The real SDK as one ESM file (built once per test process). */
export function bundleSdk(): Promise<string> {
  sdkBundle ??= build({
    stdin: { contents: "export { createLink } from '@meshconnect/web-link-sdk';", resolveDir: packageDir, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    define: { global: 'globalThis' },
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0]!.text);
  return sdkBundle;
}

export const HOST_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script type="module" src="/host.js"></script></head>
<body><h1>Checkout</h1><iframe id="mesh-frame" title="Pay with Mesh" width="420" height="680"></iframe></body></html>`;

// The merchant's glue: prewarm is skipped before the SDK is imported (lazily, on intent).
export const HOST_JS = `
window.meshLinkShouldSkipPrewarm = true;
window.meshLog = { events: [], connected: [], finished: [], exits: [] };
window.openMesh = async (linkToken, options = {}) => {
  const { createLink } = await import('/sdk.js');
  const link = createLink({
    renderType: 'embedded',
    theme: options.theme || 'dark',
    language: 'en',
    displayFiatCurrency: 'USD',
    accessTokens: options.accessTokens,
    onIntegrationConnected: (payload) => window.meshLog.connected.push(payload),
    onTransferFinished: (payload) => window.meshLog.finished.push(payload),
    onExit: (error, summary) => window.meshLog.exits.push({ error: error === undefined ? null : error, summary: summary === undefined ? null : summary }),
    onEvent: (event) => window.meshLog.events.push(event),
  });
  window.meshLink = link;
  link.openLink(linkToken, 'mesh-frame');
};
`;

/** The demo's CSP: nothing inline anywhere. */
export const STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; frame-src 'self'; connect-src 'self'; img-src 'self' data:";

export interface ReceivedHook {
  raw: Buffer;
  signature: string | undefined;
  json: Record<string, unknown>;
}

export interface Shop {
  url: string;
  sandboxBase: string;
  webhooks: ReceivedHook[];
  server: Listening;
}

/** One express app: host page + SDK bundle + sandbox at /sandbox/mesh + a webhook endpoint. */
export async function startShop(sandbox: MeshSandbox): Promise<Shop> {
  const sdk = await bundleSdk();
  const webhooks: ReceivedHook[] = [];
  const app = express();
  app.get('/', (_req, res) => void res.set('Content-Security-Policy', STRICT_CSP).type('html').send(HOST_HTML));
  app.get('/host.js', (_req, res) => void res.type('text/javascript').send(HOST_JS));
  app.get('/sdk.js', (_req, res) => void res.type('text/javascript').send(sdk));
  app.post('/mesh/webhook', express.raw({ type: '*/*', limit: '64kb' }), (req, res) => {
    const raw = req.body as Buffer;
    webhooks.push({ raw, signature: req.get('X-Mesh-Signature-256'), json: JSON.parse(raw.toString('utf8')) as Record<string, unknown> });
    res.status(200).end();
  });
  app.use('/sandbox/mesh', sandbox.router);
  const server = await listen(app);
  return { url: server.url, sandboxBase: `${server.url}/sandbox/mesh`, webhooks, server };
}

/** Has the loaded host page open Link with `linkToken`; `options` go to the SDK as the page's openMesh takes them. */
export async function openMesh(page: Page, linkToken: string, options: { theme?: string; accessTokens?: unknown } = {}): Promise<void> {
  await page.evaluate(({ token, options }) => (window as any).openMesh(token, options), { token: linkToken, options });
}

/** What the host page has recorded from the SDK so far. */
export function meshLogOf(page: Page): Promise<MeshLog> {
  return page.evaluate(() => (window as any).meshLog) as Promise<MeshLog>;
}

/** Waits until the SDK has called onExit on the host page. */
export async function linkExited(page: Page, timeoutMs = 10_000): Promise<void> {
  await page.waitForFunction(() => (window as any).meshLog.exits.length > 0, undefined, { timeout: timeoutMs });
}

/** What the host page recorded from the SDK. */
export interface MeshLog {
  events: { type: string; payload?: Record<string, unknown> }[];
  connected: { accessToken?: { accountTokens: { account: { accountId: string; accountName: string }; accessToken: string; tokenId?: string }[]; brokerType: string; brokerName: string } }[];
  finished: Record<string, unknown>[];
  exits: { error: string | null; summary: Record<string, unknown> | null }[];
}
