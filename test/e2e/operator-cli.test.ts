/**
 * The operator's day, with the real `mesh-pay` executable (plain `node`, as `npx mesh-pay` runs it)
 * against the real demo server and real stores:
 *
 * - the shop's ledger is down (DEMO_CREDIT_FAIL_MS); a payment comes in (`mesh-pay trigger`); the
 *   operator watches it being retried (`inbox list`, `inbox show`); the ledger comes back and the
 *   order is credited once; resending the event changes nothing;
 * - on Redis, the outage outlasts the retry window (MESH_FULFIL_RETRY_MS): the event is dead and
 *   stays dead; the merchant fixes the ledger and restarts; `inbox retry --dead` → credited once;
 * - every command refuses garbage in one line on stderr with a non-zero exit.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { reserveFreePort } from '../../demo/free-port.js';
import { startDemo, type DemoProcess } from '../support/demo-process.js';
import { REPO_ROOT } from '../support/widget-bundle.js';
import { startRedisServer } from '../../packages/backend-kit/test/redis-server.js';

const BIN = join(REPO_ROOT, 'packages/backend-kit/bin/mesh-pay.js');
const temp = mkdtempSync(join(tmpdir(), 'mesh-pay-cli-'));
after(() => rmSync(temp, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `mesh-pay …` as an operator would: a child process of plain node, its own environment. */
function meshPay(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? temp, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(args: string[], env: Record<string, string>): Promise<string> {
  const run = await meshPay(args, env);
  assert.equal(run.code, 0, `mesh-pay ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run.stdout;
}

interface Row {
  eventId: string;
  transferId: string;
  transactionId: string;
  status: string;
  state: string;
  attempts: number;
  lastError: string | null;
}

async function list(env: Record<string, string>, ...extra: string[]): Promise<Row[]> {
  return JSON.parse(await ok(['inbox', 'list', '--json', ...extra], env)) as Row[];
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function mintOrder(demo: DemoProcess, orderId: string): Promise<string> {
  const res = await fetch(`${demo.url}/mesh/link-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ orderId }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { transactionId: string }).transactionId;
}

async function ledger(demo: DemoProcess): Promise<{ orderId: string; transferId: string }[]> {
  const res = await fetch(`${demo.url}/api/ledger`);
  return ((await res.json()) as { entries: { orderId: string; transferId: string }[] }).entries;
}

describe('an operator and the mesh-pay CLI', () => {
  it('watches a payment being retried through a ledger outage and credited once it ends (SQLite)', async () => {
    const store = `sqlite:${join(temp, 'outage.db')}`;
    const demo = await startDemo({
      store,
      env: { DEMO_CREDIT_FAIL_MS: '6000', MESH_VERIFY_TRANSFERS: 'off' },
    });
    const env = { MESH_STORE: store, MESH_WEBHOOK_SECRET: `${demo.webhookSecret},an-older-secret-being-rotated-out` };
    try {
      const transactionId = await mintOrder(demo, 'order-outage-1');
      const sent = await ok(['trigger', 'succeeded', '--order', 'order-outage-1', '--url', `${demo.url}/mesh`], env);
      assert.match(sent, /sent succeeded for order order-outage-1/);

      const failing = await until('two failed attempts', async () => {
        const rows = await list(env);
        return rows.find((r) => r.transactionId === transactionId && r.attempts >= 2 && r.lastError !== null);
      });
      assert.equal(failing.status, 'succeeded');
      // The transfer was registered with the local sandbox first: Mesh's API knows it, as it would a real one.
      const lookup = await fetch(`${demo.url}/sandbox/mesh/api/v1/transfers/managed/mesh?ClientTransactionId=${transactionId}`, {
        headers: { 'X-Client-Id': 'sandbox-client-id', 'X-Client-Secret': 'sandbox-client-secret' },
      });
      const known = (await lookup.json()) as { content?: { items?: { id: string; status: string }[] } };
      assert.deepEqual(known.content?.items?.map((t) => [t.id, t.status]), [[failing.transferId, 'succeeded']]);
      assert.match(failing.lastError ?? '', /ledger is down on purpose/);
      assert.ok(['pending', 'processing'].includes(failing.state));
      const shown = await ok(['inbox', 'show', failing.eventId], env);
      assert.match(shown, new RegExp(`event +${failing.eventId}`));
      assert.match(shown, /attempts +\d+ \(since /);
      assert.match(demo.output(), /fulfilment failed, will retry/);

      const credited = await until('the credit after the outage', async () => {
        const entries = await ledger(demo);
        return entries.length > 0 ? entries : undefined;
      });
      assert.deepEqual(credited.map((e) => [e.orderId, e.transferId]), [['order-outage-1', failing.transferId]]);
      await until('the event to be done', async () => ((await list(env, '--state', 'done')).some((r) => r.eventId === failing.eventId) ? true : undefined));

      // The outage, attempt by attempt: each failure with its error and the time of the next try,
      // then the credit; one line each, from the demo's own process.
      const story = await ok(['inbox', 'show', failing.eventId], env);
      const lines = story.split('\n').filter((line) => /^  #\d+ /.test(line));
      const detail = JSON.parse(await ok(['inbox', 'show', failing.eventId, '--json'], env)) as {
        attempts: number;
        history: { attempt: number; at: string; durationMs: number; outcome: string; error?: string; instance?: string; nextAttemptAt?: string }[];
      };
      assert.ok(detail.history.length >= 3, `${detail.history.length} attempts recorded`);
      assert.equal(lines.length, detail.history.length, story);
      assert.match(story, new RegExp(`history +${detail.history.length} attempts \\(the last 50 are kept\\)`));
      for (const [i, a] of detail.history.entries()) {
        assert.equal(a.attempt, i + 1);
        assert.match(a.instance ?? '', new RegExp(`^[^/\\s]+/${demo.child.pid}$`), 'run by the demo process (host/pid)');
        if (i < detail.history.length - 1) {
          assert.equal(a.outcome, 'failed');
          assert.match(a.error ?? '', /ledger is down on purpose/);
          assert.ok(Date.parse(a.nextAttemptAt!) > Date.parse(a.at));
          assert.match(lines[i]!, new RegExp(`^  #${a.attempt}  ${a.at}  failed +\\d+ ms  \\S+/${demo.child.pid}  next ${a.nextAttemptAt}  DEMO_LEDGER_DOWN: the demo ledger is down on purpose`));
        } else {
          assert.equal(a.outcome, 'ok');
          assert.equal(a.error, undefined);
          assert.match(lines[i]!, new RegExp(`^  #${a.attempt}  ${a.at}  ok +\\d+ ms  \\S+/${demo.child.pid}$`));
        }
      }

      // Resending the same event is a duplicate to the kit, and retrying a done event is refused.
      assert.match(await ok(['resend', failing.eventId, '--url', `${demo.url}/mesh`], env), /duplicate/);
      const again = await meshPay(['inbox', 'retry', failing.eventId], env);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /is done/);
      assert.equal((await ledger(demo)).length, 1);
    } finally {
      await demo.stop();
    }
  });

  it('lets an event go dead, then brings it back with `inbox retry --dead` after a restart (Redis)', async () => {
    const redis = await startRedisServer();
    const store = `${redis.url}/3`;
    const secrets = { webhookSecret: 'cli-e2e-webhook-secret-0123456789', kitSecret: 'k'.repeat(40) };
    const env = { MESH_STORE: store, MESH_WEBHOOK_SECRET: secrets.webhookSecret };
    let demo = await startDemo({
      store,
      ...secrets,
      env: { DEMO_CREDIT_FAIL_MS: '600000', MESH_FULFIL_RETRY_MS: '1500', MESH_VERIFY_TRANSFERS: 'off' },
    });
    try {
      const transactionId = await mintOrder(demo, 'order-dead-1');
      await ok(['trigger', 'succeeded', '--order', 'order-dead-1', '--url', `${demo.url}/mesh`], env);
      const dead = await until('the event to die', async () => (await list(env, '--state', 'dead')).find((r) => r.transactionId === transactionId));
      assert.match(dead.lastError ?? '', /ledger is down on purpose/);
      assert.match(demo.output(), /giving up on a webhook event/);
      const shown = await ok(['inbox', 'show', dead.eventId], env);
      const lastLine = shown.split('\n').filter((line) => /^  #\d+ /.test(line)).at(-1) ?? '';
      assert.match(lastLine, new RegExp(`^  #${dead.attempts} .* failed .* dead  DEMO_LEDGER_DOWN: `), 'the attempt that gave up says so');
      assert.match(demo.output(), new RegExp(`demo: webhook event ${dead.eventId} .* is dead \\(window\\)`));

      // The merchant fixes the ledger: a restart without the outage. Dead stays dead until asked.
      await demo.stop();
      demo = await startDemo({ store, ...secrets, env: { MESH_VERIFY_TRANSFERS: 'off' } });
      assert.equal((await list(env, '--state', 'dead')).length, 1);
      assert.deepEqual(await ledger(demo), []);

      const retried = await ok(['inbox', 'retry', '--dead'], env);
      assert.match(retried, new RegExp(`queued 1 dead event for fulfilment: ${dead.eventId}`));
      const credited = await until('the credit', async () => {
        const entries = await ledger(demo);
        return entries.length > 0 ? entries : undefined;
      });
      assert.deepEqual(credited.map((e) => e.transferId), [dead.transferId]);
      assert.match(await ok(['inbox', 'retry', '--dead'], env), /queued 0 dead events/);
      await until('done', async () => ((await list(env, '--state', 'done')).some((r) => r.eventId === dead.eventId) ? true : undefined));
      assert.equal((await ledger(demo)).length, 1);
    } finally {
      await demo.stop();
      await redis.stop();
    }
  });

  it('answers garbage, unknown ids and unreachable stores or kits in one line with a non-zero exit', async () => {
    const store = `sqlite:${join(temp, 'garbage.db')}`;
    const demo = await startDemo({ store, env: { MESH_VERIFY_TRANSFERS: 'off' } });
    const env = { MESH_STORE: store, MESH_WEBHOOK_SECRET: demo.webhookSecret };
    const closed = await reserveFreePort(); // nothing listens there
    const redisClosed = await reserveFreePort();
    try {
      await mintOrder(demo, 'order-garbage-1');
      const cases: [string[], number, RegExp, Record<string, string>?][] = [
        [[], 2, /^$/],
        [['frobnicate'], 2, /unknown command "frobnicate"/],
        [['inbox'], 2, /^$/],
        [['inbox', 'purge'], 2, /unknown inbox command "purge"/],
        [['inbox', 'list', '--state', 'zombie'], 2, /--state must be one of pending, processing, done, dead/],
        [['inbox', 'list', '--state'], 2, /argument missing/],
        [['inbox', 'list', '--limit', '-3'], 2, /--limit/],
        [['inbox', 'list', '--bogus'], 2, /Unknown option '--bogus'/],
        [['inbox', 'show'], 2, /one eventId/],
        [['inbox', 'show', "x'; DROP TABLE inbox; --"], 1, /no event/],
        [['inbox', 'show', 'e'.repeat(5000)], 1, /EventId is 1-200 characters/],
        [["inbox", "retry", "no-such-event"], 1, /no event "no-such-event" in the inbox/i],
        [['inbox', 'retry', 'x', '--dead'], 2, /either an eventId or --dead/],
        [['inbox', 'retry'], 2, /one eventId, or --dead/],
        [['trigger', 'succeeded'], 2, /--order <orderId> is required/],
        [['trigger', 'refunded', '--order', 'order-garbage-1'], 2, /unknown status "refunded"/],
        [['trigger', 'succeeded', '--order', '../../etc/passwd'], 2, /--order/],
        [['trigger', 'succeeded', '--order', 'o'.repeat(65)], 2, /--order/],
        [['trigger', 'succeeded', '--order', 'never-minted'], 1, /no transaction for order never-minted/],
        [['trigger', 'succeeded', '--order', 'order-garbage-1', '--url', 'not a url'], 2, /is not a URL/],
        [['trigger', 'succeeded', '--order', 'order-garbage-1', '--url', 'file:///etc/passwd'], 2, /must be http/],
        [['trigger', 'succeeded', '--order', 'order-garbage-1', '--url', `http://127.0.0.1:${closed}/mesh`, '--mesh-url', `http://127.0.0.1:${closed}`], 1, /cannot reach the Mesh sandbox .*ECONNREFUSED/],
        [['trigger', 'succeeded', '--order', 'order-garbage-1', '--url', `http://127.0.0.1:${closed}/mesh`], 1, /cannot reach the kit at http:\/\/127\.0\.0\.1:\d+\/mesh\/webhook \(ECONNREFUSED\)/],
        [['trigger', 'succeeded', '--order', 'order-garbage-1', '--url', `${demo.url}/mesh`], 1, /refused the signature \(401\)/, { MESH_WEBHOOK_SECRET: 'not-the-kit-secret-at-all' }],
        [['resend', 'no-such-event', '--url', `${demo.url}/mesh`], 1, /no event "no-such-event"/],
        [['inbox', 'list'], 1, /no store at .*missing\.db/, { MESH_STORE: `sqlite:${join(temp, 'missing.db')}` }],
        [['inbox', 'list'], 1, /cannot use the store redis:\/\/127\.0\.0\.1:\d+/, { MESH_STORE: `redis://127.0.0.1:${redisClosed}` }],
        [['inbox', 'list'], 2, /unknown store kind "ftp"/, { MESH_STORE: 'ftp://x' }],
        [['inbox', 'list'], 1, /MESH_STORE=memory lives inside one process/, { MESH_STORE: 'memory' }],
      ];
      for (const [args, code, stderr, extraEnv] of cases) {
        const run = await meshPay(args, { ...env, ...extraEnv });
        const label = `mesh-pay ${args.join(' ').slice(0, 80)}`;
        assert.equal(run.code, code, `${label}: exit ${run.code}, stderr ${run.stderr}`);
        assert.match(run.stderr.trim(), stderr, label);
        assert.ok(run.stderr.trim().split('\n').length <= 1, `${label}: one line on stderr, got ${JSON.stringify(run.stderr)}`);
        if (run.stderr) assert.match(run.stderr, /^mesh-pay: /);
      }
      for (const help of [['--help'], ['inbox', '--help'], ['inbox', 'list', '--help'], ['inbox', 'show', '--help'], ['inbox', 'retry', '-h'], ['trigger', '--help'], ['resend', '--help']]) {
        const run = await meshPay(help, env);
        assert.equal(run.code, 0, help.join(' '));
        assert.match(run.stdout, /^Usage: mesh-pay/, help.join(' '));
        assert.equal(run.stderr, '');
      }
      assert.deepEqual(await ledger(demo), [], 'no garbage credited anything');
    } finally {
      await demo.stop();
    }
  });
});
