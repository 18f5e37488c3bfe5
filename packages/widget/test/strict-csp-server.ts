import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import type { Page } from 'playwright-core';
import { createFakeKit } from './fake-kit.mjs';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const browserDist = here('../dist/browser/');

/** The strictest usual policy: no inline script or style, no eval, frames and connections to its own origin only. */
export const STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; frame-src 'self'; connect-src 'self'";

export interface StrictCspServer {
  origin: string;
  /** Tells the fake kit's status stream for `tx` what the server decided. */
  emit(tx: string, body: Record<string, unknown>): Promise<void>;
  /** Sets the fake kit's scenario for `orderId` (see `Scenario` in browser-kit.ts). */
  scenario(orderId: string, body: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/**
 * A merchant's server for the BUILT script-tag bundle: the fake kit, the fake Link page and the
 * bundle, every response under `policy(req.path, req.query)`. `routes` adds the story's own pages
 * (registered before the bundle, after the kit).
 */
export async function startStrictCspServer(policy: (req: express.Request) => string, routes: (app: Express) => void = () => {}): Promise<StrictCspServer> {
  assert.ok(existsSync(`${browserDist}mesh-pay-button.js`), 'run `npm run build` first');
  const kit = createFakeKit({ linkPagePath: '/packages/widget/test/fake-link.html' });
  const app = express();
  app.use((req, res, next) => {
    res.setHeader('Content-Security-Policy', policy(req));
    next();
  });
  app.use((req, res, next) => {
    kit.handle(req, res).then((handled) => handled || next(), next);
  });
  app.get('/csp-probe.js', (_req, res) => res.sendFile(here('./csp-probe.js')));
  app.get('/packages/widget/test/fake-link.html', (_req, res) => res.sendFile(here('./fake-link.html')));
  app.get('/packages/widget/test/fake-link.js', (_req, res) => res.sendFile(here('./fake-link.js')));
  // Browsers ask every page for one; its 404 would be the only console error of a clean run.
  app.get('/favicon.ico', (_req, res) => res.status(204).end());
  routes(app);
  app.use(express.static(browserDist));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200, `${path} answered ${res.status}`);
  };
  return {
    origin,
    emit: (tx, body) => post(`/kit/status/${tx}/emit`, body),
    scenario: (orderId, body) => post('/kit/scenario', { orderId, ...body }),
    async close() {
      kit.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** What went wrong on a page: every CSP/Trusted Types violation (csp-probe.js) and console error. */
export interface PageProblems {
  /** Console errors and warnings, uncaught page errors, from the page and its frames. */
  console: string[];
  violations(): Promise<unknown[]>;
  /**
   * Runs a shopper's `story`, then asserts the page saw no violation and no console error. When a step
   * fails (a refused sink usually shows up as a step that waits in vain), the error names what the page saw.
   */
  clean(story: () => Promise<void>): Promise<void>;
}

/** Starts collecting `page`'s problems; call before `goto`. */
export function watchProblems(page: Page): PageProblems {
  const console: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || /Content Security Policy|Trusted Type|Refused to/i.test(msg.text())) console.push(`${msg.type()}: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => console.push(`pageerror: ${err.message}`));
  const violations = () => page.evaluate(() => (window as unknown as { __cspViolations: unknown[] }).__cspViolations);
  return {
    console,
    violations,
    async clean(story) {
      try {
        await story();
      } catch (error) {
        const seen = await violations().catch(() => 'unknown (page gone)');
        (error as Error).message += `\nviolations: ${JSON.stringify(seen)}\nconsole: ${JSON.stringify(console)}`;
        throw error;
      }
      assert.deepEqual(await violations(), [], 'no CSP or Trusted Types violation');
      assert.deepEqual(console, [], 'no console error');
    },
  };
}

/** Resolves once the page's `<mesh-pay-button>` reflects `status`. */
export async function statusBecomes(page: Page, status: string): Promise<void> {
  await page.waitForFunction((s) => document.querySelector('mesh-pay-button')?.getAttribute('status') === s, status);
}
