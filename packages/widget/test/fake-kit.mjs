// @ts-check
// A fake of the backend kit's HTTP contract (token route, status stream, return-user route) for the
// widget's browser tests. Plain Node (req, res) so both web-test-runner (Koa) and Express mount it.
// Tests steer it over HTTP: POST /kit/scenario, POST /kit/status/:tx/emit, GET /kit/log.

// Its answers are typed by the wire contract the real kit and the button share (`@mesh-pay/wire`),
// and `npm run typecheck` checks this file: the fake cannot drift from the kit unnoticed.

/** @typedef {import('node:http').IncomingMessage} IncomingMessage */
/** @typedef {import('node:http').ServerResponse} ServerResponse */
/** @typedef {import('@mesh-pay/wire').LinkTokenResponse} LinkTokenResponse */
/** @typedef {import('@mesh-pay/wire').StatusEvent} StatusEvent */
/** @typedef {import('@mesh-pay/wire').StreamExpiredEvent} StreamExpiredEvent */
/** @typedef {import('@mesh-pay/wire').Problem} Problem */
/** @typedef {{ id: number, data: StatusEvent }} SentEvent */
/**
 * @typedef {object} FakeKit
 * @property {(req: IncomingMessage, res: ServerResponse) => Promise<boolean>} handle true when the request was the kit's
 * @property {() => void} close
 * @property {Record<string, unknown[]>} log
 * @property {boolean} sdkBroken when true the kit answers 503 for the Mesh SDK module (`/__mesh-sdk__/…`)
 * @property {boolean} lazyHalfBroken when true the kit answers 503 for the button's lazily loaded half (`lazyHalfPath`)
 */

const TERMINAL = new Set(['succeeded', 'failed']);

/**
 * @param {{ linkPagePath: string, lazyHalfPath?: string }} options path of the fake Link page on the
 *   same origin, and of the module that is the button's lazily loaded half (link-flow), if it is served here
 * @returns {FakeKit}
 */
export function createFakeKit({ linkPagePath, lazyHalfPath }) {
  /** @type {Map<string, any>} */
  const scenarios = new Map();
  /** @type {Map<string, number>} */
  const tokenCalls = new Map();
  /** @type {Map<string, {events: SentEvent[], clients: Set<ServerResponse>, ended: boolean, forbidden: boolean, busy: number, busyStatus: number, retryAfter: string, expired: boolean}>} */
  const streams = new Map();
  /** @type {{ integrations: unknown[], streamConnects: unknown[], linkPages: unknown[], requests: unknown[], tokenRequests: unknown[], tokenAborts: string[] }} */
  const log = { integrations: [], streamConnects: [], linkPages: [], requests: [], tokenRequests: [], tokenAborts: [] };

  /** @param {string} tx */
  function stream(tx) {
    let s = streams.get(tx);
    if (!s) {
      s = { events: [], clients: new Set(), ended: false, forbidden: false, busy: 0, busyStatus: 503, retryAfter: '1', expired: false };
      streams.set(tx, s);
    }
    return s;
  }

  /**
   * @param {ServerResponse} res
   * @param {number} status
   * @param {unknown} body
   */
  function json(res, status, body, type = 'application/json') {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  }

  /**
   * A problem+json answer, with one of the kit's own codes.
   * @param {ServerResponse} res
   * @param {Problem} problem
   */
  function problem(res, problem) {
    json(res, problem.status, problem, 'application/problem+json');
  }

  /** @param {IncomingMessage} req @returns {Promise<any>} */
  async function readJson(req) {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? JSON.parse(text) : {};
  }

  /** @param {ServerResponse} res @param {SentEvent} event */
  function writeEvent(res, event) {
    res.write(`event: status\nid: ${event.id}\ndata: ${JSON.stringify(event.data)}\n\n`);
  }

  /**
   * @param {IncomingMessage} req
   * @param {ServerResponse} res
   * @returns {Promise<boolean>} true when the request was the kit's
   */
  async function handle(req, res, corsDone = false) {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const path = url.pathname;
    if (kit.sdkBroken && path.includes('__mesh-sdk__')) {
      // The SDK's CDN is down (answered here, before the dev server's 304 cache can reply).
      res.writeHead(503, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
      res.end('SDK CDN down');
      return true;
    }
    if (kit.lazyHalfBroken && path === lazyHalfPath) {
      // The shop's CDN fails the button's second download (the payment driver and everything after idle).
      res.writeHead(503, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
      res.end('CDN down');
      return true;
    }
    if (!path.startsWith('/kit/')) return false;
    log.requests.push(`${req.method} ${path}`);
    const origin = `http://${req.headers.host}`;
    // CORS like the kit's MESH_ALLOWED_ORIGINS: a page on another origin (the tests use localhost vs
    // 127.0.0.1) may call the token route and the status stream WITH the shopper's cookies. Under
    // `/kit/no-credentials/…` the kit forgets Access-Control-Allow-Credentials, which a credentialed
    // request must fail on.
    const pageOrigin = req.headers.origin;
    const noCredentials = path.startsWith('/kit/no-credentials/');
    if (pageOrigin && pageOrigin !== origin && !corsDone) {
      res.setHeader('access-control-allow-origin', pageOrigin);
      res.setHeader('vary', 'Origin');
      if (!noCredentials) res.setHeader('access-control-allow-credentials', 'true');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'access-control-allow-methods': 'POST, GET', 'access-control-allow-headers': 'content-type, last-event-id', 'access-control-max-age': '5' });
        res.end();
        return true;
      }
    }
    if (noCredentials) {
      req.url = (req.url ?? '').replace('/kit/no-credentials/', '/kit/');
      return handle(req, res, true);
    }

    if (req.method === 'POST' && path === '/kit/reset') {
      scenarios.clear();
      tokenCalls.clear();
      for (const s of streams.values()) for (const c of s.clients) c.end();
      streams.clear();
      for (const key of /** @type {(keyof typeof log)[]} */ (Object.keys(log))) log[key] = [];
      json(res, 204, {});
      return true;
    }
    if (req.method === 'POST' && path === '/kit/session') {
      // Like the demo's shopper session: a cookie on the kit's own origin (SameSite=Lax: it reaches
      // the kit from pages of the same site, and only on requests that carry credentials).
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': `shopper=${encodeURIComponent((await readJson(req)).id ?? 'x')}; Path=/; HttpOnly; SameSite=Lax` });
      res.end('{}');
      return true;
    }
    if (req.method === 'POST' && path === '/kit/sdk') {
      // Simulates the SDK's CDN being down.
      kit.sdkBroken = (await readJson(req)).broken === true;
      json(res, 200, { broken: kit.sdkBroken });
      return true;
    }
    if (req.method === 'POST' && path === '/kit/lazy-half') {
      kit.lazyHalfBroken = (await readJson(req)).broken === true;
      json(res, 200, { broken: kit.lazyHalfBroken });
      return true;
    }
    if (req.method === 'POST' && path === '/kit/scenario') {
      const body = await readJson(req);
      scenarios.set(String(body.orderId), body);
      json(res, 200, { ok: true });
      return true;
    }
    if (req.method === 'GET' && path === '/kit/log') {
      json(res, 200, { ...log, tokenCalls: Object.fromEntries(tokenCalls) });
      return true;
    }
    if (req.method === 'POST' && path === '/kit/link-log') {
      log.linkPages.push(await readJson(req));
      json(res, 200, { ok: true });
      return true;
    }
    if (req.method === 'POST' && path === '/kit/token') {
      log.tokenRequests.push({ origin: pageOrigin ?? null, cookie: req.headers.cookie ?? null });
      let body;
      try {
        body = await readJson(req);
      } catch {
        problem(res, { type: 'urn:mesh-pay:problem:invalid-request', title: 'Invalid request', status: 400, detail: 'The request body could not be read.', code: 'MESH_PAY_INVALID_REQUEST' });
        return true;
      }
      const orderId = String(body.orderId ?? '');
      const n = (tokenCalls.get(orderId) ?? 0) + 1;
      tokenCalls.set(orderId, n);
      const scenario = scenarios.get(orderId) ?? {};
      // The browser gave up on the request (an abandoned attempt aborts its fetch): the connection closes unanswered.
      res.on('close', () => {
        if (!res.writableFinished) log.tokenAborts.push(orderId);
      });
      if (scenario.delayMs) await new Promise((r) => setTimeout(r, scenario.delayMs));
      if (scenario.alreadyPaid) {
        problem(res, { type: 'urn:mesh-pay:problem:order-already-paid', title: 'Order already paid', status: 409, detail: 'Order is already paid', code: 'MESH_PAY_ORDER_ALREADY_PAID' });
        return true;
      }
      const failures = scenario.failFirst ?? 0;
      if (n <= failures || (scenario.failCalls ?? []).includes(n)) {
        const status = scenario.failStatus ?? 502;
        problem(res, { type: 'urn:mesh-pay:problem:mesh-unavailable', title: 'Mesh is unavailable', status, detail: 'The Mesh API did not answer', code: 'MESH_PAY_MESH_UNAVAILABLE' });
        return true;
      }
      const links = scenario.links ?? [scenario.link ?? 'succeed'];
      const link = links[Math.min(n - failures - 1, links.length - 1)];
      const transactionId = `tx-${orderId}-${n}`;
      const page = scenario.linkUrl ?? `${origin}${linkPagePath}?scenario=${encodeURIComponent(link)}&tx=${encodeURIComponent(transactionId)}`;
      /** @type {LinkTokenResponse} */
      const answer = {
        linkToken: Buffer.from(page).toString('base64'),
        transactionId,
        statusUrl: scenario.statusUrl ?? `/kit/status/${transactionId}?cap=test-capability`,
        environment: 'sandbox',
        ...(scenario.accessTokens ? { accessTokens: scenario.accessTokens } : {}),
        ...('paymentLink' in scenario ? { paymentLink: scenario.paymentLink } : {}),
      };
      json(res, 200, answer);
      return true;
    }
    const m = /^\/kit\/status\/([^/]+)(\/emit|\/integration|\/forbid|\/drop|\/busy|\/expire|\/clients)?$/.exec(path);
    if (m) {
      const tx = decodeURIComponent(m[1] ?? '');
      const s = stream(tx);
      if (req.method === 'POST' && m[2] === '/integration') {
        log.integrations.push({ tx, cap: url.searchParams.get('cap'), cookie: req.headers.cookie ?? null, body: await readJson(req) });
        json(res, 200, { ok: true });
        return true;
      }
      if (req.method === 'GET' && m[2] === '/clients') {
        // How many status streams of this transaction are open right now, as the server sees them.
        json(res, 200, { open: s.clients.size });
        return true;
      }
      if (req.method === 'POST' && m[2] === '/drop') {
        // A network blip: connections end without a final status; EventSource reconnects by itself.
        const dropped = s.clients.size;
        for (const client of s.clients) client.destroy();
        s.clients.clear();
        json(res, 200, { dropped });
        return true;
      }
      if (req.method === 'POST' && m[2] === '/busy') {
        // The kit's stream cap is full: the next `times` connections get 503 (or `status`) + Retry-After.
        const body = await readJson(req);
        s.busy = Number(body.times ?? 1);
        s.busyStatus = Number(body.status ?? 503);
        s.retryAfter = String(body.retryAfter ?? '1');
        json(res, 200, { ok: true });
        return true;
      }
      if (req.method === 'POST' && m[2] === '/expire') {
        // The capability runs out: a final `expired` event, then the kit closes; later connects are 403.
        const last = s.events.at(-1);
        /** @type {StreamExpiredEvent} */
        const expired = { transactionId: tx, status: last?.data.status ?? 'pending' };
        for (const client of s.clients) {
          client.write(`event: expired\ndata: ${JSON.stringify(expired)}\n\n`);
          client.end();
        }
        const closed = s.clients.size;
        s.clients.clear();
        s.forbidden = true;
        json(res, 200, { closed });
        return true;
      }
      if (req.method === 'POST' && m[2] === '/forbid') {
        s.forbidden = (await readJson(req)).forbidden !== false;
        json(res, 200, { ok: true });
        return true;
      }
      if (req.method === 'POST' && m[2] === '/emit') {
        /** @type {Partial<StatusEvent> & Pick<StatusEvent, 'status'>} */
        const body = await readJson(req);
        /** @type {StatusEvent} */
        const data = { transactionId: tx, transferId: `tr-${tx}`, at: new Date().toISOString(), ...body };
        const event = { id: s.events.length + 1, data };
        s.events.push(event);
        for (const client of s.clients) {
          writeEvent(client, event);
          if (TERMINAL.has(event.data.status)) client.end();
        }
        if (TERMINAL.has(event.data.status)) {
          s.ended = true;
          s.clients.clear();
        }
        json(res, 200, { id: event.id });
        return true;
      }
      if (req.method === 'GET' && !m[2]) {
        const lastEventId = req.headers['last-event-id'] ?? url.searchParams.get('lastEventId') ?? undefined;
        log.streamConnects.push({ tx, lastEventId: lastEventId ?? null, at: Date.now(), origin: pageOrigin ?? null, cap: url.searchParams.get('cap'), cookie: req.headers.cookie ?? null });
        if (s.busy > 0) {
          s.busy -= 1;
          res.writeHead(s.busyStatus, { 'content-type': 'application/problem+json', 'retry-after': s.retryAfter, 'cache-control': 'no-store' });
          /** @type {Problem} */
          const busy = { type: 'urn:mesh-pay:problem:too-many-streams', title: 'Too many status streams', status: s.busyStatus, detail: 'Try again shortly.', code: 'MESH_PAY_TOO_MANY_STREAMS' };
          res.end(JSON.stringify(busy));
          return true;
        }
        if (s.forbidden) {
          problem(res, { type: 'urn:mesh-pay:problem:capability-invalid', title: 'Invalid status capability', status: 403, detail: 'This status link is not valid.', code: 'MESH_PAY_CAPABILITY_INVALID' });
          return true;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        // A short reconnection delay keeps the reconnect test quick (the browser default is ~3 s).
        res.write('retry: 100\n: connected\n\n');
        const after = lastEventId === undefined || lastEventId === null ? undefined : Number(lastEventId);
        const backlog = after === undefined ? s.events.slice(-1) : s.events.filter((e) => e.id > after);
        for (const event of backlog) writeEvent(res, event);
        const last = s.events.at(-1);
        if (last && TERMINAL.has(last.data.status)) {
          res.end();
          return true;
        }
        s.clients.add(res);
        req.on('close', () => s.clients.delete(res));
        return true;
      }
    }
    json(res, 404, { type: 'about:blank', title: 'Not found', status: 404 }, 'application/problem+json');
    return true;
  }

  function close() {
    for (const s of streams.values()) for (const c of s.clients) c.end();
    streams.clear();
  }

  const kit = { handle, close, log, sdkBroken: false, lazyHalfBroken: false };
  return kit;
}
