/**
 * The demo as a merchant embeds it on another site, and as a hostile page on the internet meets a
 * developer's local copy: which origins get CORS on the kit and the widget bundle, which Host names
 * are answered at all (DNS rebinding), how many tokens a client may mint, and what bad settings do.
 * Real HTTP against the demo app; raw `node:http` where a browser-forbidden header must be forged.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { DemoConfigError, parseDemoConfig } from '../../demo/config.js';
import { allowedHosts, hostName } from '../../demo/allowed-hosts.js';
import { createDemoApp, WIDGET_BUNDLE_DIR, type ListeningDemo } from '../../demo/server.js';
import { ensureWidgetBundle } from '../support/widget-bundle.js';

const SHOP = 'http://shop.test:8080';
const OTHER_SHOP = 'https://www.other-shop.example';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP/1.1 request with exactly these headers (a browser could not send a forged Host). */
function raw(url: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((ok, fail) => {
    const req = request(
      { host: hostname, port, path, method: options.method ?? 'GET', headers: options.headers ?? {}, setHost: !('host' in (options.headers ?? {})) },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', fail);
    req.end(options.body);
  });
}

function problemOf(res: RawResponse) {
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  return JSON.parse(res.body) as { status: number; title: string; detail: string };
}

function problems(env: Record<string, string>): string[] {
  try {
    parseDemoConfig(env);
  } catch (err) {
    assert.ok(err instanceof DemoConfigError);
    return err.problems;
  }
  assert.fail(`accepted ${JSON.stringify(env)}`);
}

const sdkChunk = () => {
  const name = readdirSync(WIDGET_BUNDLE_DIR).find((f) => /^web-link-sdk-[\w-]+\.js$/.test(f));
  assert.ok(name, 'the build has a lazy SDK chunk');
  return `/${name}`;
};

describe('a merchant lists the origins of the site that embeds the button', () => {
  let demo: ListeningDemo;
  before(async () => {
    ensureWidgetBundle();
    const app = await createDemoApp({
      PORT: '0',
      MESH_STORE: 'memory',
      MESH_KIT_SECRET: 'k'.repeat(40),
      MESH_ALLOWED_ORIGINS: ` ${SHOP}, ${OTHER_SHOP}/ ,`,
      MESH_RATE_LIMIT: '1000',
    });
    demo = await app.listen();
  });
  after(() => demo.close());

  it('lets those pages load the bundle and its lazy SDK chunk as module scripts, and nobody else', async () => {
    for (const path of ['/mesh-pay-button.js', sdkChunk()]) {
      const granted = await raw(demo.url, path, { headers: { origin: SHOP } });
      assert.equal(granted.status, 200, path);
      assert.equal(granted.headers['access-control-allow-origin'], SHOP);
      assert.equal(granted.headers['cross-origin-resource-policy'], 'cross-origin');
      assert.match(String(granted.headers.vary), /Origin/);
      assert.match(String(granted.headers['content-type']), /javascript/);

      const refused = await raw(demo.url, path, { headers: { origin: 'https://evil.example' } });
      assert.equal(refused.headers['access-control-allow-origin'], undefined, path);
      assert.match(String(refused.headers.vary), /Origin/);
    }
    const www = await raw(demo.url, '/mesh-pay-button.js', { headers: { origin: OTHER_SHOP } });
    assert.equal(www.headers['access-control-allow-origin'], OTHER_SHOP, 'a trailing slash in the list still means the origin');
  });

  it('grants the kit’s token route to those pages with credentials, and never the webhook', async () => {
    const preflight = await raw(demo.url, '/mesh/link-token', {
      method: 'OPTIONS',
      headers: { origin: SHOP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], SHOP);
    assert.equal(preflight.headers['access-control-allow-credentials'], 'true');

    const garbage = await raw(demo.url, '/mesh/link-token', {
      method: 'POST',
      headers: { origin: SHOP, 'content-type': 'application/json' },
      body: '{"orderId":"../../etc/passwd"}',
    });
    assert.equal(garbage.status, 400);
    assert.equal(garbage.headers['access-control-allow-origin'], SHOP, 'the page can read why it was refused');

    const hook = await raw(demo.url, '/mesh/webhook', {
      method: 'OPTIONS',
      headers: { origin: SHOP, 'access-control-request-method': 'POST' },
    });
    assert.equal(hook.headers['access-control-allow-origin'], undefined);
  });

  it('lets those pages frame the sandbox’s Link page, and no one else', async () => {
    const minted = await fetch(`${demo.url}/mesh/link-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId: 'order-framing' }),
    });
    assert.equal(minted.status, 200);
    const { linkToken } = (await minted.json()) as { linkToken: string };
    const link = await fetch(Buffer.from(linkToken, 'base64').toString('utf8'));
    assert.equal(link.status, 200);
    const ancestors = /frame-ancestors ([^;]+)/.exec(link.headers.get('content-security-policy') ?? '')?.[1]?.split(' ') ?? [];
    assert.ok(ancestors.includes(SHOP), ancestors.join(' '));
    assert.ok(ancestors.includes(OTHER_SHOP), ancestors.join(' '));
    assert.ok(!ancestors.includes('*'));
    assert.ok(!ancestors.some((a) => a.includes('evil')));
    await link.arrayBuffer();
  });

  it('keeps its own pages unframeable and same-origin: no CORS on the shop page or the demo API', async () => {
    const page = await raw(demo.url, '/', { headers: { origin: SHOP } });
    assert.equal(page.status, 200);
    assert.equal(page.headers['access-control-allow-origin'], undefined);
    const ledger = await raw(demo.url, '/api/ledger', { headers: { origin: SHOP } });
    assert.equal(ledger.headers['access-control-allow-origin'], undefined);
  });
});

describe('a DNS-rebinding page points its own name at a developer’s local demo', () => {
  let demo: ListeningDemo;
  before(async () => {
    ensureWidgetBundle();
    demo = await (await createDemoApp({ PORT: '0', MESH_STORE: 'memory', MESH_KIT_SECRET: 'k'.repeat(40) })).listen();
  });
  after(() => demo.close());

  it('gets 421 problem+json for every route, under any name that is not this machine’s', async () => {
    const port = new URL(demo.url).port;
    const forged = [
      `attacker.example:${port}`,
      'attacker.example',
      `localhost.attacker.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      `[::2]:${port}`,
      `localhost:${port}@attacker.example`,
      `localhost:99999`,
      `localhost, attacker.example`,
      '<script>alert(1)</script>',
      'x'.repeat(5000),
      '',
    ];
    let misdirected = 0;
    for (const host of forged) {
      for (const path of ['/', '/api/ledger', '/mesh-pay-button.js', '/api/orders/order-1', '/sandbox/mesh/api/v1/transfers/managed/networks']) {
        const res = await raw(demo.url, path, { headers: { host } });
        // Node's own parser refuses some of these before the app sees them (400); none may be served.
        assert.ok(res.status === 421 || res.status === 400, `${host.slice(0, 40)} ${path} → ${res.status}`);
        if (res.status === 421) {
          misdirected++;
          const p = problemOf(res);
          assert.equal(p.status, 421);
          assert.equal(res.body.includes('<script>'), false, 'the forged name is not echoed');
        }
      }
    }
    // Only what the HTTP parser itself refuses (the empty Host) may be a 400.
    assert.ok(misdirected >= (forged.length - 1) * 5, `only ${misdirected} answered 421`);
    const token = await raw(demo.url, '/mesh/link-token', {
      method: 'POST',
      headers: { host: `attacker.example:${port}`, 'content-type': 'application/json' },
      body: '{"orderId":"order-rebind"}',
    });
    assert.equal(token.status, 421, 'no token is minted for a rebinding page');
  });

  it('is answered as usual under localhost, 127.0.0.1 and [::1], with or without the port', async () => {
    const port = new URL(demo.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost', `LOCALHOST:${port}`, `localhost.:${port}`]) {
      const res = await raw(demo.url, '/api/shop', { headers: { host } });
      assert.equal(res.status, 200, host);
    }
  });

  it('still takes Mesh’s signed webhooks under a tunnel’s name, where the signature is the proof', async () => {
    const res = await raw(demo.url, '/mesh/webhook', {
      method: 'POST',
      headers: { host: 'my-tunnel.example', 'content-type': 'application/json' },
      body: '{"EventId":"e1"}',
    });
    assert.equal(res.status, 401, 'reached the kit, which wants a signature');
  });
});

describe('HOST decides where the demo listens and which name it answers to', () => {
  it('binds every interface with 0.0.0.0 and then answers IP literals, never other names', async () => {
    const demo = await (await createDemoApp({ PORT: '0', HOST: '0.0.0.0', MESH_STORE: 'memory', MESH_KIT_SECRET: 'k'.repeat(40) })).listen();
    try {
      const port = new URL(demo.url).port;
      assert.equal((await raw(demo.url, '/api/shop', { headers: { host: `192.168.1.20:${port}` } })).status, 200);
      assert.equal((await raw(demo.url, '/api/shop', { headers: { host: `[fe80::1]:${port}` } })).status, 200);
      assert.equal((await raw(demo.url, '/api/shop', { headers: { host: `shop.attacker.example:${port}` } })).status, 421);
    } finally {
      await demo.close();
    }
  });

  it('answers its own HOST name when bound to it', () => {
    const hosts = allowedHosts('devbox.internal');
    assert.ok(hosts.allows('devbox.internal:3000'));
    assert.ok(hosts.allows('localhost:3000'));
    assert.ok(!hosts.allows('devbox.internal.attacker.example'));
    assert.ok(!hosts.allows('10.0.0.1:3000'), 'IP literals only when every interface is bound');
    assert.equal(hostName('[::1]:3000'), '::1');
    assert.equal(hostName('[not-an-ip]:3000'), undefined);
    assert.equal(hostName(undefined), undefined);
  });
});

describe('MESH_RATE_LIMIT caps link tokens per client address', () => {
  async function mintStatuses(env: Record<string, string>, count: number): Promise<number[]> {
    const demo = await (await createDemoApp({ PORT: '0', MESH_STORE: 'memory', MESH_KIT_SECRET: 'k'.repeat(40), ...env })).listen();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < count; i++) {
        const res = await fetch(`${demo.url}/mesh/link-token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ orderId: `order-rate-${i}` }),
        });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      return statuses;
    } finally {
      await demo.close();
    }
  }

  it('refuses the request over the limit with a 429 problem', async () => {
    assert.deepEqual(await mintStatuses({ MESH_RATE_LIMIT: '2' }, 3), [200, 200, 429]);
  });

  it('has no limit at 0', async () => {
    assert.deepEqual(await mintStatuses({ MESH_RATE_LIMIT: '0' }, 35), Array(35).fill(200));
  });

  it('defaults to 30 a minute', () => {
    assert.equal(parseDemoConfig({}).rateLimit, 30);
    assert.equal(parseDemoConfig({ MESH_RATE_LIMIT: ' ' }).rateLimit, 30);
  });
});

describe('bad settings stop the demo at start-up with words, not a half-working server', () => {
  it('reads good values', () => {
    const config = parseDemoConfig({ HOST: '[::1]', MESH_ALLOWED_ORIGINS: 'https://Shop.Example,http://localhost:8080', MESH_RATE_LIMIT: '5' });
    assert.equal(config.host, '::1');
    assert.deepEqual(config.allowedOrigins, ['https://shop.example', 'http://localhost:8080']);
    assert.equal(config.rateLimit, 5);
    assert.deepEqual(parseDemoConfig({}).allowedOrigins, []);
    assert.equal(parseDemoConfig({}).host, '127.0.0.1');
  });

  it('names each bad origin in MESH_ALLOWED_ORIGINS', () => {
    const found = problems({ MESH_ALLOWED_ORIGINS: 'https://ok.example, *, https://shop.example/checkout, null, javascript:alert(1)' });
    assert.equal(found.length, 4, found.join('\n'));
    for (const p of found) assert.match(p, /^MESH_ALLOWED_ORIGINS: /);
    assert.ok(found.some((p) => p.includes('"*"') && p.includes('wildcards')));
    assert.ok(found.some((p) => p.includes('checkout') && p.includes('no path')));
  });

  it('refuses garbage HOST and MESH_RATE_LIMIT values', () => {
    for (const HOST of ['http://0.0.0.0', '127.0.0.1:3000', 'a b', '-bad-', '../etc', 'x'.repeat(300)]) {
      assert.match(problems({ HOST }).join(), /HOST must be/, HOST);
    }
    for (const MESH_RATE_LIMIT of ['-1', '1.5', 'lots', '1e9', 'Infinity']) {
      assert.match(problems({ MESH_RATE_LIMIT }).join(), /MESH_RATE_LIMIT must/, MESH_RATE_LIMIT);
    }
  });

  it('refuses them in the real process too: exit 1 and the reason on stderr', async () => {
    const { spawn } = await import('node:child_process');
    const { REPO_ROOT } = await import('../support/widget-bundle.js');
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'demo/server.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', PORT: '0', MESH_STORE: 'memory', MESH_ALLOWED_ORIGINS: 'https://*.shop.example' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const code = await new Promise<number | null>((ok) => child.on('exit', ok));
    assert.equal(code, 1);
    assert.match(stderr, /MESH_ALLOWED_ORIGINS: "https:\/\/\*\.shop\.example" is not an allowed origin: wildcards are not allowed/);
  });
});
