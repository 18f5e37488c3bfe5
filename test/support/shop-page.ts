import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';

/**
 * Drives the demo shop page in Chromium the way a shopper does, and keeps a log of what the page
 * saw (every `mesh-*` DOM event, every `status` attribute change, every CSP violation), recorded
 * inside the page from before its first script runs so nothing is missed.
 */

export interface PageLogEntry {
  kind: 'event' | 'status' | 'csp';
  /** Event type, new status, or the violated directive. */
  name: string;
  /** The button's `status` attribute when this was recorded. */
  statusNow: string | null;
  detail?: unknown;
  /** performance.now() in the page. */
  t: number;
}

declare global {
  interface Window {
    __shopLog: PageLogEntry[];
  }
}

/**
 * Installed before any page script: listens at the document, so events from any button are seen.
 * Kept as source text: tsx compiles functions with name-keeping helpers that do not exist in the
 * page, so a function passed to addInitScript would throw there.
 */
const RECORDER = `(() => {
  const log = [];
  window.__shopLog = log;
  const statusOf = () => document.querySelector('mesh-pay-button')?.getAttribute('status') ?? null;
  const safe = (value) => { try { return JSON.parse(JSON.stringify(value ?? null)); } catch { return String(value); } };
  for (const type of ['mesh-click', 'mesh-open', 'mesh-integration-connected', 'mesh-transfer-finished', 'mesh-exit', 'mesh-status', 'mesh-error']) {
    document.addEventListener(type, (e) => {
      log.push({ kind: 'event', name: type, statusNow: statusOf(), detail: safe(e.detail), t: performance.now() });
    }, true);
  }
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.target.localName === 'mesh-pay-button') {
        const status = r.target.getAttribute('status');
        log.push({ kind: 'status', name: status ?? '', statusNow: status, t: performance.now() });
      }
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['status'] });
  document.addEventListener('securitypolicyviolation', (e) => {
    log.push({ kind: 'csp', name: e.violatedDirective, statusNow: statusOf(), detail: { blockedURI: e.blockedURI, sample: e.sample }, t: performance.now() });
  });
})();`;

export interface LinkTokenSeen {
  status: number;
  body: { linkToken?: string; transactionId?: string; statusUrl?: string } & Record<string, unknown>;
}

export class ShopPage {
  private readonly tokenAnswers: Promise<LinkTokenSeen>[] = [];
  readonly consoleErrors: string[] = [];
  /** Every URL the page (or its frames) requested, in order. */
  readonly requested: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly baseUrl: string,
  ) {}

  static async open(browser: Browser, baseUrl: string, orderId?: string): Promise<ShopPage> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 860 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const shop = new ShopPage(context, page, baseUrl);
    await page.addInitScript({ content: RECORDER });
    page.on('console', (msg) => {
      if (msg.type() === 'error') shop.consoleErrors.push(msg.text());
    });
    page.on('request', (req) => shop.requested.push(req.url()));
    page.on('response', (res) => {
      if (res.request().method() === 'POST' && new URL(res.url()).pathname === '/mesh/link-token') {
        // Recorded in arrival order at once; the body is read in the background.
        shop.tokenAnswers.push(
          res.json().then(
            (body) => ({ status: res.status(), body: body as LinkTokenSeen['body'] }),
            () => ({ status: res.status(), body: {} }),
          ),
        );
      }
    });
    const failed: string[] = [];
    page.on('requestfailed', (req) => failed.push(`${req.url()} (${req.failure()?.errorText ?? 'failed'})`));
    page.on('response', (res) => {
      if (res.status() >= 400) failed.push(`${res.url()} → ${res.status()}`);
    });
    await page.goto(`${baseUrl}/${orderId ? `?order=${encodeURIComponent(orderId)}` : ''}`);
    try {
      await page.waitForFunction(() => customElements.get('mesh-pay-button') !== undefined, undefined, { timeout: 15_000 });
      await page.locator('mesh-pay-button[status="idle"]').waitFor({ timeout: 15_000 });
    } catch (err) {
      // Usually the widget bundle: missing (not built) or being rebuilt by a concurrent `npm run build`.
      throw new Error(
        `${(err as Error).message}\nthe pay button never became idle; failed requests: ${failed.join(', ') || 'none'}; console errors: ${shop.consoleErrors.join(' | ') || 'none'}`,
      );
    }
    return shop;
  }

  /** Every answer of `POST /mesh/link-token` the page received so far, in order. */
  linkTokens(): Promise<LinkTokenSeen[]> {
    return Promise.all(this.tokenAnswers);
  }

  /** Runs `action` and returns the link-token answer it caused (waiting for it, however late). */
  async mintedBy(action: () => Promise<void>): Promise<LinkTokenSeen> {
    const [res] = await Promise.all([
      this.page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/mesh/link-token'),
      action(),
    ]);
    return { status: res.status(), body: (await res.json()) as LinkTokenSeen['body'] };
  }

  /** The order id the page gave its button. */
  async orderId(): Promise<string> {
    const id = await this.page.locator('mesh-pay-button').getAttribute('order-id');
    if (!id) throw new Error('the button has no order-id');
    return id;
  }

  /** The clickable control: the button's shadow part `button` (Playwright's CSS pierces open shadow roots). */
  payButton() {
    return this.page.locator('mesh-pay-button').locator('[part~="button"]');
  }

  async clickPay(): Promise<void> {
    await this.payButton().click();
  }

  /** Waits for the button's status; on timeout the error tells the story the page saw. */
  async waitForStatus(status: string, timeoutMs = 30_000): Promise<void> {
    try {
      await this.page.locator(`mesh-pay-button[status="${status}"]`).waitFor({ timeout: timeoutMs });
    } catch (err) {
      const log = await this.log().catch(() => []);
      const story = log.map((e) => (e.kind === 'status' ? `status=${e.name}` : `${e.name}${e.kind === 'event' ? ` ${JSON.stringify(e.detail).slice(0, 200)}` : ''}`));
      throw new Error(`${(err as Error).message}\nwhat the page saw:\n  ${story.join('\n  ')}\nconsole errors: ${this.consoleErrors.join(' | ')}`);
    }
  }

  async status(): Promise<string | null> {
    return this.page.locator('mesh-pay-button').getAttribute('status');
  }

  /** The Link iframe: a light-DOM child of `<mesh-pay-dialog>` (the SDK finds it by id), slotted into the dialog in its shadow root. */
  linkIframe() {
    return this.page.locator('mesh-pay-dialog > iframe');
  }

  /** The Link page's frame, once the iframe points at it. */
  async linkFrame(timeoutMs = 15_000): Promise<Frame> {
    const handle = await this.linkIframe().elementHandle({ timeout: timeoutMs });
    if (!handle) throw new Error('no Link iframe');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = await handle.contentFrame();
      if (frame && frame.url().includes('/sandbox/mesh/link/')) return frame;
      if (Date.now() > deadline) throw new Error(`the Link iframe never loaded the sandbox page (at ${frame?.url()})`);
      await this.page.waitForEvent('framenavigated', { timeout: Math.max(1, deadline - Date.now()) }).catch(() => undefined);
    }
  }

  async log(): Promise<PageLogEntry[]> {
    return this.page.evaluate(() => window.__shopLog);
  }

  /** Waits until the page log holds an entry matching `kind`/`name`, and returns it. */
  async waitForLog(kind: PageLogEntry['kind'], name: string, timeoutMs = 20_000): Promise<PageLogEntry> {
    await this.page.waitForFunction(
      ([k, n]) => window.__shopLog.some((e) => e.kind === k && e.name === n),
      [kind, name] as const,
      { timeout: timeoutMs },
    );
    return (await this.log()).find((e) => e.kind === kind && e.name === name)!;
  }

  async statusLineText(): Promise<string> {
    return (await this.page.locator('#status-text').textContent()) ?? '';
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
