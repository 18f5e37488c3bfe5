import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEV_WEBHOOK_SECRET, DemoConfigError, MESH_BASE_URLS, parseDemoConfig } from '../../demo/config.js';
import { contentSecurityPolicy } from '../../demo/csp.js';

/** Stories about how the demo reads its environment (CONTRACT.md §2). */

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseDemoConfig(env);
  } catch (err) {
    assert.ok(err instanceof DemoConfigError, `expected a DemoConfigError, got ${String(err)}`);
    assert.equal(err.code, 'MESH_PAY_DEMO_CONFIG_INVALID');
    return err.problems;
  }
  assert.fail('the environment was accepted');
}

describe('a newcomer runs `npm start` with nothing set', () => {
  it('gets port 3000, the local sandbox, the SQLite store, a printed dev webhook secret and a random kit secret', () => {
    const config = parseDemoConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.mode, 'sandbox');
    assert.equal(config.mesh, undefined);
    assert.equal(config.apiUrl, undefined, 'the kit is pointed at this server’s /sandbox/mesh');
    assert.equal(config.meshEnv, 'sandbox');
    assert.equal(config.store, 'sqlite:.data/mesh-pay.db');
    assert.equal(config.webhookSecret, DEV_WEBHOOK_SECRET);
    assert.equal(config.webhookSecretIsDev, true);
    assert.equal(config.kitSecretIsRandom, true);
    assert.ok(config.kitSecret.length >= 32);
    assert.notEqual(parseDemoConfig({}).kitSecret, config.kitSecret, 'random per process start');
    assert.equal(config.autoplay, undefined, 'a person clicks through the sandbox');
    assert.equal(config.creditDelayMs, 0);
    assert.equal(config.creditFailMs, 0, 'the ledger works');
    assert.equal(config.creditFailOneIn, 0, 'every time');
    assert.equal(config.fulfilRetryMs, 72 * 3600_000, 'a failing hook is retried for 72 hours');
  });

  it('treats empty variables as unset, the way `FOO= npm start` means it', () => {
    const config = parseDemoConfig({ PORT: '', MESH_CLIENT_ID: '', MESH_CLIENT_SECRET: ' ', MESH_SANDBOX_AUTOPLAY: '' });
    assert.equal(config.port, 3000);
    assert.equal(config.mode, 'sandbox');
  });
});

describe('a developer sets the sandbox knobs', () => {
  it('reads every documented variable', () => {
    const config = parseDemoConfig({
      PORT: '0',
      MESH_WEBHOOK_SECRET: 'a-webhook-secret-of-some-length',
      MESH_STORE: 'redis://127.0.0.1:6379/2',
      MESH_KIT_SECRET: 'k'.repeat(40),
      MESH_SANDBOX_AUTOPLAY: 'fail',
      DEMO_CREDIT_DELAY_MS: '1500',
      DEMO_CREDIT_FAIL_MS: '60000',
      MESH_FULFIL_RETRY_MS: '5000',
      DEMO_CREDIT_FAIL_ONE_IN: '5',
    });
    assert.equal(config.port, 0);
    assert.equal(config.webhookSecret, 'a-webhook-secret-of-some-length');
    assert.equal(config.webhookSecretIsDev, false);
    assert.equal(config.store, 'redis://127.0.0.1:6379/2');
    assert.equal(config.kitSecret, 'k'.repeat(40));
    assert.equal(config.kitSecretIsRandom, false);
    assert.equal(config.autoplay, 'fail');
    assert.equal(config.creditDelayMs, 1500);
    assert.equal(config.creditFailMs, 60_000);
    assert.equal(config.fulfilRetryMs, 5000);
    assert.equal(config.creditFailOneIn, 5);
  });

  it('rotates the webhook secret with a comma-separated list: the first signs, any one verifies', () => {
    const config = parseDemoConfig({ MESH_WEBHOOK_SECRET: ' new-webhook-secret-0001 , old-webhook-secret-0002 ' });
    assert.equal(config.webhookSecret, 'new-webhook-secret-0001');
    assert.deepEqual(config.webhookSecrets, ['new-webhook-secret-0001', 'old-webhook-secret-0002']);
    assert.equal(config.webhookSecretIsDev, false);
    for (const bad of ['new-webhook-secret-0001,', 'new-webhook-secret-0001,short', ',,,', Array(11).fill('w'.repeat(16)).join(',')]) {
      const problems = problemsOf({ MESH_WEBHOOK_SECRET: bad });
      assert.ok(problems.some((p) => p.includes('MESH_WEBHOOK_SECRET')), `${bad}: ${problems.join('\n')}`);
    }
  });

  it('accepts memory, sqlite and postgres stores', () => {
    assert.equal(parseDemoConfig({ MESH_STORE: 'memory' }).store, 'memory');
    assert.equal(parseDemoConfig({ MESH_STORE: 'sqlite:/tmp/x.db' }).store, 'sqlite:/tmp/x.db');
    assert.equal(parseDemoConfig({ MESH_STORE: 'postgres://shop@db:5432/shop' }).store, 'postgres://shop@db:5432/shop');
    assert.equal(parseDemoConfig({ MESH_STORE: 'postgresql://db/shop' }).store, 'postgresql://db/shop');
  });
});

describe('a merchant switches to real Mesh', () => {
  it('uses the same code path with Mesh’s base URL for the chosen environment', () => {
    const base = { MESH_CLIENT_ID: 'id', MESH_CLIENT_SECRET: 'secret', MESH_WEBHOOK_SECRET: 'whsec-0123456789abcdef' };
    const sandbox = parseDemoConfig(base);
    assert.equal(sandbox.mode, 'mesh');
    assert.deepEqual(sandbox.mesh, { clientId: 'id', clientSecret: 'secret' });
    assert.equal(sandbox.apiUrl, MESH_BASE_URLS.sandbox);
    assert.equal(parseDemoConfig({ ...base, MESH_ENV: 'production' }).apiUrl, MESH_BASE_URLS.production);
    assert.equal(parseDemoConfig({ ...base, MESH_API_URL: 'https://mesh.example.test/' }).apiUrl, 'https://mesh.example.test');
    // Mesh's published hosts; the seed's production.meshconnect.com does not exist.
    assert.equal(sandbox.apiUrl, 'https://sandbox-integration-api.meshconnect.com');
    assert.equal(parseDemoConfig({ ...base, MESH_ENV: 'production' }).apiUrl, 'https://integration-api.meshconnect.com');
  });

  it('credits only transfers Mesh confirms unless MESH_VERIFY_TRANSFERS=off', () => {
    assert.equal(parseDemoConfig({}).verifyTransfers, true);
    assert.equal(parseDemoConfig({ MESH_VERIFY_TRANSFERS: 'on' }).verifyTransfers, true);
    assert.equal(parseDemoConfig({ MESH_VERIFY_TRANSFERS: ' ' }).verifyTransfers, true, 'empty counts as unset');
    assert.equal(parseDemoConfig({ MESH_VERIFY_TRANSFERS: 'off' }).verifyTransfers, false);
    for (const bad of ['false', 'OFF', '0', 'no', 'off; rm -rf /', 'x'.repeat(10_000)]) {
      assert.ok(problemsOf({ MESH_VERIFY_TRANSFERS: bad }).some((p) => p.includes('MESH_VERIFY_TRANSFERS must be "on" or "off"')), bad.slice(0, 20));
    }
  });

  it('is refused without a webhook secret, since the dev one is public', () => {
    const problems = problemsOf({ MESH_CLIENT_ID: 'id', MESH_CLIENT_SECRET: 'secret' });
    assert.ok(problems.some((p) => p.includes('MESH_WEBHOOK_SECRET')), problems.join('\n'));
  });

  it('is refused with only half of the credentials', () => {
    assert.ok(problemsOf({ MESH_CLIENT_ID: 'id' }).some((p) => p.includes('MESH_CLIENT_SECRET')));
    assert.ok(problemsOf({ MESH_CLIENT_SECRET: 'secret' }).some((p) => p.includes('MESH_CLIENT_ID')));
  });

  it('is refused with sandbox autoplay, which real Mesh cannot do', () => {
    const problems = problemsOf({ MESH_CLIENT_ID: 'id', MESH_CLIENT_SECRET: 's', MESH_WEBHOOK_SECRET: 'w'.repeat(20), MESH_SANDBOX_AUTOPLAY: 'succeed' });
    assert.ok(problems.some((p) => p.includes('MESH_SANDBOX_AUTOPLAY')));
  });
});

describe('a typo in the environment', () => {
  it('names every bad variable at once, in words', () => {
    const problems = problemsOf({
      PORT: 'three thousand',
      MESH_ENV: 'staging',
      MESH_API_URL: 'ftp://mesh.example.test',
      MESH_STORE: 'mongodb://db',
      MESH_KIT_SECRET: 'short',
      MESH_SANDBOX_AUTOPLAY: 'win',
      DEMO_CREDIT_DELAY_MS: '-5',
      MESH_WEBHOOK_SECRET: 'tiny',
    });
    for (const name of ['PORT', 'MESH_ENV', 'MESH_API_URL', 'MESH_STORE', 'MESH_KIT_SECRET', 'MESH_SANDBOX_AUTOPLAY', 'DEMO_CREDIT_DELAY_MS', 'MESH_WEBHOOK_SECRET']) {
      assert.ok(problems.some((p) => p.includes(name)), `no problem names ${name}:\n${problems.join('\n')}`);
    }
  });

  it('refuses ports out of range and fractional delays', () => {
    assert.ok(problemsOf({ PORT: '70000' }).some((p) => p.includes('PORT')));
    assert.ok(problemsOf({ PORT: '80.5' }).some((p) => p.includes('PORT')));
    assert.ok(problemsOf({ DEMO_CREDIT_DELAY_MS: '1.5' }).some((p) => p.includes('DEMO_CREDIT_DELAY_MS')));
  });

  it('refuses outages and retry windows that are negative, fractional, absurd or not numbers', () => {
    for (const value of ['-1', '1.5', 'forever', '1e30', '0x10 OR 1', '9'.repeat(400)]) {
      assert.ok(problemsOf({ DEMO_CREDIT_FAIL_MS: value }).some((p) => p.includes('DEMO_CREDIT_FAIL_MS')), `DEMO_CREDIT_FAIL_MS=${value}`);
      assert.ok(problemsOf({ MESH_FULFIL_RETRY_MS: value }).some((p) => p.includes('MESH_FULFIL_RETRY_MS')), `MESH_FULFIL_RETRY_MS=${value}`);
    }
    assert.ok(problemsOf({ MESH_FULFIL_RETRY_MS: '0' }).some((p) => p.includes('MESH_FULFIL_RETRY_MS')), 'a zero window would kill every event at once');
    for (const value of ['1', '0', '-5', '2.5', 'often']) {
      assert.ok(problemsOf({ DEMO_CREDIT_FAIL_ONE_IN: value }).some((p) => p.includes('DEMO_CREDIT_FAIL_ONE_IN')), `DEMO_CREDIT_FAIL_ONE_IN=${value}`);
    }
  });
});

describe('the shop page’s Content-Security-Policy', () => {
  it('allows no inline script or style and frames only this server (plus Mesh with real credentials)', () => {
    const local = contentSecurityPolicy({ mode: 'sandbox', frameOrigins: ['http://127.0.0.1:3000'] });
    assert.match(local, /default-src 'self'/);
    assert.match(local, /script-src 'self'(;|$)/);
    assert.match(local, /style-src 'self'(;|$)/);
    assert.match(local, /frame-src 'self' http:\/\/127\.0\.0\.1:3000(;|$)/);
    assert.doesNotMatch(local, /unsafe-inline|unsafe-eval|meshconnect/);
    const real = contentSecurityPolicy({ mode: 'mesh' });
    assert.match(real, /frame-src 'self' https:\/\/\*\.meshconnect\.com(;|$)/);
    assert.doesNotMatch(real, /unsafe-inline|unsafe-eval/);
  });

  it('enforces Trusted Types and allows exactly one policy, Lit’s `lit-html` (no default policy, no duplicates)', () => {
    for (const policy of [contentSecurityPolicy({ mode: 'sandbox' }), contentSecurityPolicy({ mode: 'mesh' })]) {
      const directives = policy.split('; ');
      assert.ok(directives.includes("require-trusted-types-for 'script'"), policy);
      assert.deepEqual(directives.filter((d) => d.startsWith('trusted-types ')), ['trusted-types lit-html'], policy);
    }
  });
});

describe('an operator sizes the status streams', () => {
  it('caps streams per instance at 1000 by default and reads MESH_MAX_STREAMS', () => {
    assert.equal(parseDemoConfig({}).maxStreams, 1000);
    assert.equal(parseDemoConfig({ MESH_MAX_STREAMS: '5000' }).maxStreams, 5000);
    assert.equal(parseDemoConfig({ MESH_MAX_STREAMS: '' }).maxStreams, 1000);
  });

  it('refuses a garbage, zero, negative, fractional or absurd MESH_MAX_STREAMS, naming it', () => {
    for (const bad of ['lots', '0', '-1', '1.5', '1e9', '0x10;rm']) {
      const problems = problemsOf({ MESH_MAX_STREAMS: bad });
      assert.ok(problems.some((p) => p.includes('MESH_MAX_STREAMS')), `${bad}: ${problems.join('; ')}`);
    }
  });
});
