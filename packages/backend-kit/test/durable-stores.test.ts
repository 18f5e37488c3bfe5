/**
 * The same webhook → credit → status-stream path, on the durable stores: SQLite (one file shared
 * by two kit instances), a real redis-server and a real PostgreSQL (a webhook landing on instance A
 * reaches a stream held by instance B). On PostgreSQL the hook also credits through `args.tx`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SucceededHookArgs } from '../src/config.js';
import { postgresStore, type PostgresStore } from '../src/postgres-store.js';
import { redisStore } from '../src/redis-store.js';
import { sqliteStore } from '../src/sqlite-store.js';
import type { KitStore } from '../src/store.js';
import { startFakeMesh, type FakeMesh } from './fake-mesh.js';
import { SseClient, gate, mint, postWebhook, startKit, webhookBody } from './harness.js';
import { startPostgresServer, type PostgresServer } from './postgres-server.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

async function acrossTwoInstances(mesh: FakeMesh, openStore: () => KitStore, credit?: (args: SucceededHookArgs) => Promise<void>) {
  const credits: string[] = [];
  const credited = gate<string>();
  const onTransferSucceeded = async (args: SucceededHookArgs) => {
    await credit?.(args);
    credits.push(args.idempotencyKey);
    credited.open(args.idempotencyKey);
  };
  const a = await startKit({ fakeMesh: mesh, store: openStore(), onTransferSucceeded });
  const b = await startKit({ fakeMesh: mesh, store: openStore(), onTransferSucceeded });
  try {
    const minted = await mint(a);
    const stream = await SseClient.open(`${b.url}${minted.statusUrl}`);
    assert.equal(stream.status, 200, stream.body);
    await stream.until((s) => s.comments.includes('waiting'), 'connected on B');

    const amount = '12345678901234567890.12345678901234567890';
    const t = minted.transactionId;
    assert.equal((await postWebhook(a, webhookBody({ transactionId: t, status: 'pending', transferId: 'tr-d', sourceAmount: amount }))).status, 200);
    await stream.until((s) => s.statuses().length === 1, 'pending on B');
    // The success lands on B's webhook twice and A's once (duplicate delivery across instances).
    const success = webhookBody({ transactionId: t, status: 'succeeded', transferId: 'tr-d', sourceAmount: amount });
    const answers = await Promise.all([postWebhook(b, success), postWebhook(a, success), postWebhook(b, success)]);
    assert.deepEqual(answers.map((r) => r.status), [200, 200, 200]);

    assert.equal(await credited.promise, 'tr-d');
    await stream.until((s) => s.ended, 'succeeded on B');
    assert.deepEqual(stream.statuses().map((s) => [s.seq, s.update.status, s.update.sourceAmount]), [
      [1, 'pending', amount],
      [2, 'succeeded', amount],
    ]);
    await a.kit.close();
    await b.kit.close();
    assert.deepEqual(credits, ['tr-d']);
  } finally {
    await a.close();
    await b.close();
  }
}

describe('durable stores', () => {
  let mesh: FakeMesh;
  let redis: RedisServer;
  let postgres: PostgresServer;
  const temp = mkdtempSync(join(tmpdir(), 'mesh-pay-kit-'));
  before(async () => {
    mesh = await startFakeMesh();
    redis = await startRedisServer();
    postgres = await startPostgresServer();
  });
  after(async () => {
    await mesh.close();
    await redis.stop();
    await postgres?.stop();
    rmSync(temp, { recursive: true, force: true });
  });

  it('sqlite: a webhook on instance A reaches a stream on instance B, credited once, decimals exact', async () => {
    const file = join(temp, 'kit.db');
    await acrossTwoInstances(mesh, () => sqliteStore(file, { pollIntervalMs: 20 }));
  });

  it('redis: a webhook on instance A reaches a stream on instance B, credited once, decimals exact', async () => {
    await acrossTwoInstances(mesh, () => redisStore(`${redis.url}/3`));
  });

  it('postgres: a webhook on instance A reaches a stream on instance B, credited once through args.tx', async () => {
    const url = await postgres.createDatabase('durable');
    const stores: PostgresStore[] = [];
    const open = (): PostgresStore => {
      const store = postgresStore(url, { logger: { warn: () => {} } });
      stores.push(store);
      return store;
    };
    const setup = open();
    await setup.ready;
    await setup.pool.query('CREATE TABLE merchant_credits (transfer_id text NOT NULL, amount text NOT NULL)');
    await acrossTwoInstances(mesh, open, async ({ tx, idempotencyKey, event }) => {
      assert.ok(tx, 'the PostgreSQL store hands the hook its transaction');
      await tx.query('INSERT INTO merchant_credits VALUES ($1, $2)', [idempotencyKey, event.sourceAmount]);
    });
    const { rows } = await setup.pool.query('SELECT transfer_id, amount FROM merchant_credits');
    assert.deepEqual(rows, [{ transfer_id: 'tr-d', amount: '12345678901234567890.12345678901234567890' }]);
    assert.equal(await setup.hasMark('credit', 'tr-d'), true);
    for (const store of stores) await store.close();
  });
});
