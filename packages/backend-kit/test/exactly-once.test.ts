/**
 * "Credited once" across instances, on the stores that are shared across instances (one SQLite
 * file, a real redis-server, a real PostgreSQL): two kits, real HTTP webhooks, a merchant hook the test holds open.
 *
 * - Mesh sends two DIFFERENT events (EventIds) saying `succeeded` for one transfer, one to each
 *   instance, at the same moment, while the merchant's hook is slow → the hook runs once.
 * - The hook takes longer than the inbox lease → the lease is renewed, nobody else picks it up.
 * - A worker died holding the transfer's lock → the lock expires and the credit still happens.
 *
 * The only waits are for things that happen (hook entered, a lock refused, a lease renewed),
 * each bounded by `eventually`.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SucceededHookArgs } from '../src/config.js';
import { postgresStore } from '../src/postgres-store.js';
import { redisStore } from '../src/redis-store.js';
import { sqliteStore } from '../src/sqlite-store.js';
import type { KitStore } from '../src/store.js';
import { startFakeMesh, type FakeMesh } from './fake-mesh.js';
import { eventually, gate, mint, postWebhook, startKit, webhookBody, type Kit } from './harness.js';
import { startPostgresServer, type PostgresServer } from './postgres-server.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

/** What the kit asked of its store that the test wants to wait for. The store itself is the real one. */
interface Observed {
  /** acquireLock calls answered `false` (another owner held the lock). */
  refused: number;
  /** renewInboxLease calls that renewed a lease. */
  renewed: number;
}

function observe(store: KitStore): { store: KitStore; seen: Observed } {
  const seen: Observed = { refused: 0, renewed: 0 };
  const proxy = new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop === 'acquireLock') {
        return async (...args: Parameters<KitStore['acquireLock']>) => {
          const got = await target.acquireLock(...args);
          if (!got) seen.refused += 1;
          return got;
        };
      }
      if (prop === 'renewInboxLease') {
        return async (...args: Parameters<KitStore['renewInboxLease']>) => {
          const renewed = await target.renewInboxLease(...args);
          if (renewed) seen.renewed += 1;
          return renewed;
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: proxy, seen };
}

/** A merchant hook that records every call and stays inside until the test lets it go. */
function slowHook() {
  const calls: string[] = [];
  const entered = gate();
  const release = gate();
  return {
    calls,
    entered: entered.promise,
    release: () => release.open(),
    hook: async ({ idempotencyKey }: SucceededHookArgs) => {
      calls.push(idempotencyKey);
      entered.open();
      await release.promise;
    },
  };
}

/** Two kits on one data home (a fresh one per call), webhooks handled by both. */
async function twoKits(
  fresh: () => () => KitStore,
  hook: (args: SucceededHookArgs) => Promise<void>,
  tuning: { leaseMs?: number; batchSize?: number } = {},
) {
  const open = fresh();
  const fulfilment = { baseDelayMs: 5, pollMs: 20, maxAttempts: 4, leaseMs: 5000, ...tuning };
  const a = observe(open());
  const b = observe(open());
  const kitA = await startKit({ fakeMesh: mesh, store: a.store, onTransferSucceeded: hook, fulfilment });
  const kitB = await startKit({ fakeMesh: mesh, store: b.store, onTransferSucceeded: hook, fulfilment });
  return { kitA, kitB, seenA: a.seen, seenB: b.seen, close: async () => Promise.all([kitA.close(), kitB.close()]) };
}

async function settled(kit: Kit, eventId: string): Promise<void> {
  await eventually(async () => (await kit.store.getInboxEntry(eventId))?.state === 'done', `${eventId} done`);
}

function scenarios(name: string, fresh: () => () => KitStore): void {
  describe(`${name}: the success hook runs once per transfer across instances`, () => {
    it('two different succeeded events for one transfer, one per instance, at once, hook slow → one credit', async () => {
      const slow = slowHook();
      // One entry at a time per instance: while one instance is inside the hook, the other event can
      // only be claimed by the other instance (not queued behind the first in the same process).
      const { kitA, kitB, seenA, seenB, close } = await twoKits(fresh, slow.hook, { batchSize: 1 });
      try {
        const { transactionId } = await mint(kitA);
        const transferId = `tr-${randomUUID()}`;
        const first = randomUUID();
        const second = randomUUID();
        const answers = await Promise.all([
          postWebhook(kitA, webhookBody({ transactionId, transferId, status: 'succeeded', eventId: first })),
          postWebhook(kitB, webhookBody({ transactionId, transferId, status: 'succeeded', eventId: second, txHash: '0xdifferent' })),
        ]);
        assert.deepEqual(answers.map((r) => r.status), [200, 200]);

        await slow.entered;
        // The other instance has come for the lock and been turned away while the hook is inside.
        await eventually(() => seenA.refused + seenB.refused > 0, 'the second instance refused the lock');
        assert.deepEqual(slow.calls, [transferId]);

        slow.release();
        await settled(kitA, first);
        await settled(kitA, second);
        assert.deepEqual(slow.calls, [transferId], 'the waiting instance saw the mark and did not credit again');
        assert.equal(await kitA.store.hasMark('credit', transferId), true);
        const statuses = await kitB.store.statusesSince(transactionId, 0);
        assert.deepEqual(statuses.map((s) => s.update.status), ['succeeded']);
      } finally {
        slow.release();
        await close();
      }
    });

    it('a hook running longer than the inbox lease keeps its lease: no other instance picks the event up', async () => {
      const slow = slowHook();
      // Long enough that a renewal every leaseMs/3 never misses its lease on a loaded machine (a
      // renewal that arrives after the lease ran out is refused, and the worker rightly stops): a
      // renewal may come 3 s late. At 2.4 s, a full test run beside other suites missed one in four.
      const leaseMs = 4500;
      const { kitA, kitB, seenA, close } = await twoKits(fresh, slow.hook, { leaseMs });
      try {
        const { transactionId } = await mint(kitA);
        const transferId = `tr-${randomUUID()}`;
        const eventId = randomUUID();
        assert.equal((await postWebhook(kitA, webhookBody({ transactionId, transferId, status: 'succeeded', eventId }))).status, 200);
        await slow.entered;
        // Four renewals at leaseMs/3 apart: the hook has now outlived a whole lease and a third, while
        // kit B was polling the inbox every 20 ms.
        await eventually(() => seenA.renewed >= 4, 'the lease renewed four times', 30_000);
        const entry = await kitB.store.getInboxEntry(eventId);
        assert.equal(entry?.state, 'processing', 'shown to operators as being worked on');
        assert.equal(entry?.attempts, 1, 'claimed once: never handed to another worker');
        assert.deepEqual(slow.calls, [transferId]);

        slow.release();
        await settled(kitA, eventId);
        assert.deepEqual(slow.calls, [transferId]);
        assert.equal((await kitA.store.getInboxEntry(eventId))?.attempts, 1);
      } finally {
        slow.release();
        await close();
      }
    });

    it('a worker that died holding the transfer lock does not block the credit for ever', async () => {
      const credits: string[] = [];
      const { kitA, kitB, seenA, seenB, close } = await twoKits(fresh, async ({ idempotencyKey }) => {
        credits.push(idempotencyKey);
      });
      try {
        const { transactionId } = await mint(kitA);
        const transferId = `tr-${randomUUID()}`;
        const eventId = randomUUID();
        // What a kill -9 mid-hook leaves behind: a lock nobody will renew or release.
        assert.equal(await kitA.store.acquireLock(`credit:${transferId}`, 'worker-that-died', 400, Date.now()), true);
        assert.equal((await postWebhook(kitB, webhookBody({ transactionId, transferId, status: 'succeeded', eventId }))).status, 200);

        await eventually(() => seenA.refused + seenB.refused > 0, 'the dead worker\'s lock turned a live one away');
        await settled(kitA, eventId);
        assert.deepEqual(credits, [transferId]);
        const entry = await kitA.store.getInboxEntry(eventId);
        assert.equal(entry?.attempts, 1, 'waiting for the lock is not a failed attempt');
        assert.equal(entry?.lastError, undefined);
      } finally {
        await close();
      }
    });
  });
}

let mesh: FakeMesh;
let redis: RedisServer;
let postgres: PostgresServer;
let postgresUrl: string;
const temp = mkdtempSync(join(tmpdir(), 'mesh-pay-once-'));
before(async () => {
  mesh = await startFakeMesh();
  redis = await startRedisServer();
  postgres = await startPostgresServer();
  postgresUrl = await postgres.createDatabase('once');
});
after(async () => {
  await mesh?.close();
  await redis?.stop();
  await postgres?.stop();
  rmSync(temp, { recursive: true, force: true });
});

let files = 0;
describe('one SQLite file shared by two instances', () => {
  scenarios('sqlite', () => {
    const file = join(temp, `kit-${++files}.db`);
    return () => sqliteStore(file, { pollIntervalMs: 20 });
  });
});

let prefixes = 0;
describe('one redis-server shared by two instances', () => {
  scenarios('redis', () => {
    const keyPrefix = `once${++prefixes}:`;
    return () => redisStore(redis.url, { keyPrefix, logger: { warn: () => {} } });
  });
});

let schemas = 0;
describe('one PostgreSQL shared by two instances', () => {
  scenarios('postgres', () => {
    const schema = `once${++schemas}`;
    return () => postgresStore(postgresUrl, { schema, logger: { warn: () => {} } });
  });
});
