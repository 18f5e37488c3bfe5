/**
 * Runs the shared store contract against memory, SQLite and a real redis-server, then the things
 * only one store can show: SQLite shared by separate processes, Redis surviving a SIGKILL, a
 * subscriber surviving a Redis restart, and `openStore` refusing specs it does not understand.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { memoryStore } from '../src/memory-store.js';
import { sqliteStore } from '../src/sqlite-store.js';
import { redisStore } from '../src/redis-store.js';
import { openStore, StoreSpecError } from '../src/open-store.js';
import { durableFixture, storeContract } from './store-contract.js';
import { startRedisServer, type RedisServer } from './redis-server.js';
import { raceTwoProcesses } from './store-race.js';

const temp = mkdtempSync(join(tmpdir(), 'mesh-pay-stores-'));
after(() => rmSync(temp, { recursive: true, force: true }));

storeContract('memory', async () => {
  const store = memoryStore();
  return { store, cleanup: () => store.close() };
});

let sqliteCount = 0;
storeContract(
  'sqlite',
  async () => {
    // A nested path: the store must create the parent directories itself.
    const file = join(temp, `sqlite-${++sqliteCount}`, 'nested', 'mesh-pay.db');
    // A restart closes the file; the reopened store finds everything on disk.
    return durableFixture(
      () => sqliteStore(file, { pollIntervalMs: 50 }),
      (store) => store.close(),
    );
  },
  { durable: true },
);

let redis: RedisServer;
let redisCount = 0;
describe('redis', () => {
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await redis?.stop();
  });

  storeContract(
    'redis',
    async () => {
      // One server for the suite; a fresh key prefix per test keeps tests apart like deployments.
      const keyPrefix = `test${++redisCount}:`;
      // A restart of redis-server under the open store: what it acknowledged must come back.
      return durableFixture(
        () => redisStore(redis.url, { keyPrefix }),
        () => redis.restart(),
      );
    },
    { durable: true },
  );
});

describe('sqlite shared by processes and restarts', () => {
  it('two OS processes sharing one file never both win an event, a mark or a claim', async () => {
    await raceTwoProcesses(`sqlite:${join(temp, 'race', 'shared.db')}`, 'unused:', 300);
  });

  it('delivers a local append at once, without waiting for the cross-process poll', async () => {
    // An hour-long poll: only the immediate local path can deliver this.
    const store = sqliteStore(join(temp, 'slow-poll.db'), { pollIntervalMs: 3_600_000 });
    try {
      const heard: number[] = [];
      const delivered = new Promise<void>((resolve) => {
        void store.subscribe('tx-local', (s) => {
          heard.push(s.seq);
          resolve();
        });
      });
      await store.appendStatus({ transactionId: 'tx-local', transferId: 't', status: 'pending', at: new Date().toISOString() });
      await delivered;
      assert.deepEqual(heard, [1]);
    } finally {
      await store.close();
    }
  });

  it('refuses to be used after close, instead of silently writing nowhere', async () => {
    const store = sqliteStore(join(temp, 'closed.db'));
    await store.close();
    await assert.rejects(store.markOnce('success', 't'), /closed/);
  });
});

describe('redis under failure', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedisServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('two OS processes sharing one Redis never both win an event, a mark or a claim', async () => {
    await raceTwoProcesses(server.url, 'race:', 300);
  });

  it('keeps an acknowledged webhook through a SIGKILL of redis-server (appendfsync always)', async () => {
    const store = redisStore(server.url, { keyPrefix: 'kill9:' });
    try {
      const event = {
        eventId: 'evt-kill9', id: 'd1', transferId: 't1', transactionId: 'tx1', status: 'succeeded',
        sourceAmount: '123456789012345678.123456789012345678',
      };
      assert.equal(await store.addToInbox(event, 1000), true);
      assert.equal(await store.markOnce('success', 't1'), true);
      server.kill9();
      await server.restart();
      const entry = await store.getInboxEntry('evt-kill9');
      assert.deepEqual(entry?.event, event);
      assert.equal(await store.addToInbox(event, 2000), false);
      assert.equal(await store.hasMark('success', 't1'), true);
    } finally {
      await store.close();
    }
  });

  it('keeps a subscriber hearing statuses across a Redis restart, without gaps or repeats', async () => {
    const a = redisStore(server.url, { keyPrefix: 'restart:' });
    const b = redisStore(server.url, { keyPrefix: 'restart:' });
    try {
      const heard: number[] = [];
      let notify: (() => void) | undefined;
      const unsubscribe = await a.subscribe('tx-r', (s) => {
        heard.push(s.seq);
        notify?.();
      });
      const until = (n: number) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`heard ${JSON.stringify(heard)}, wanted ${n}`)), 10_000);
          const check = () => heard.length >= n && (clearTimeout(timer), resolve());
          notify = check;
          check();
        });
      const status = (s: string) => ({ transactionId: 'tx-r', transferId: 't', status: s, at: new Date().toISOString() });
      await b.appendStatus(status('pending'));
      await until(1);
      await server.restart();
      await b.appendStatus(status('processing'));
      await b.appendStatus(status('succeeded'));
      await until(3);
      assert.deepEqual(heard, [1, 2, 3]);
      unsubscribe();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps deployments sharing one Redis apart by key prefix', async () => {
    const shopA = redisStore(server.url, { keyPrefix: 'shop-a:' });
    const shopB = redisStore(server.url, { keyPrefix: 'shop-b:' });
    try {
      assert.equal(await shopA.markOnce('success', 'same-transfer'), true);
      assert.equal(await shopB.markOnce('success', 'same-transfer'), true);
      await shopA.putOnce('ledger', 'k', { shop: 'a' });
      assert.deepEqual(await shopB.listRecords('ledger'), []);
    } finally {
      await shopA.close();
      await shopB.close();
    }
  });

  it('reports durable persistence on a server with appendonly yes and appendfsync always', async () => {
    const warnings: string[] = [];
    const store = redisStore(server.url, { logger: { warn: (m) => warnings.push(m) } });
    try {
      const report = await store.checkPersistence();
      assert.equal(report.durable, true);
      assert.equal(report.appendonly, 'yes');
      assert.equal(report.appendfsync, 'always');
      assert.deepEqual(warnings, []);
    } finally {
      await store.close();
    }
  });

  it('warns when Redis would lose acknowledged webhooks (no AOF) or the last second of them (everysec)', async () => {
    for (const [settings, durable, pattern] of [
      [{ appendonly: 'no' as const }, false, /appendonly is "no"/],
      [{ appendfsync: 'everysec' as const }, true, /everysec/],
    ] as const) {
      const weak = await startRedisServer(settings);
      const warnings: string[] = [];
      const store = redisStore(weak.url, { logger: { warn: (m) => warnings.push(m) } });
      try {
        const report = await store.checkPersistence();
        assert.equal(report.durable, durable);
        assert.equal(warnings.length, 1);
        assert.match(warnings[0] ?? '', pattern);
      } finally {
        await store.close();
        await weak.stop();
      }
    }
  });

  it('fails loudly, never skips, when redis-server is missing', async () => {
    await assert.rejects(
      startRedisServer({ binary: join(temp, 'no-such-redis-server') }),
      /redis-server not found.*never skip/s,
    );
  });
});

describe('openStore(spec)', () => {
  it('opens memory, sqlite (creating directories) and redis stores from MESH_STORE-style specs', async () => {
    const memory = await openStore('memory');
    assert.equal(memory.kind, 'memory');
    await memory.close();

    const file = join(temp, 'open-store', 'deeper', 'kit.db');
    const sqlite = await openStore(`sqlite:${file}`);
    assert.equal(sqlite.kind, `sqlite:${file}`);
    assert.equal(await sqlite.putOnce('c', 'k', 1), true);
    await sqlite.close();
    const again = await openStore(`sqlite:${file}`);
    assert.equal(await again.getRecord('c', 'k'), 1);
    await again.close();

    const server = await startRedisServer();
    try {
      const store = await openStore(`${server.url}/2`);
      assert.equal(await store.markOnce('s', 'k'), true);
      await store.close();
      // Database 2 really was selected: database 0 has no key at all.
      assert.match(await server.command('DBSIZE'), /^:0\r\n$/);
      assert.match(await server.command('SELECT', '2'), /^\+OK/);
    } finally {
      await server.stop();
    }
  });

  it('rejects specs it does not understand with MESH_PAY_STORE_SPEC_INVALID and says what it expected', async () => {
    for (const spec of ['', '   ', 'mongodb://db/x', 'postgres://', 'postgres://host', 'postgresql://host/', 'postgres://h/db#x', 'sqlite:', 'redis://', 'redis://host:6379/notadb', 'redis://:6379', 'mysql', 'sqlite', 'memory2', 'redis://h/1?x=y']) {
      await assert.rejects(openStore(spec), (error: unknown) => {
        assert.ok(error instanceof StoreSpecError, `${spec} → ${String(error)}`);
        assert.equal(error.code, 'MESH_PAY_STORE_SPEC_INVALID');
        assert.match(error.message, /memory.*sqlite:<path>.*redis:\/\/.*postgres:\/\//);
        return true;
      });
    }
  });

  it('never echoes a password from a bad spec in its error', async () => {
    for (const spec of ['redis://user:hunter2@host:6379/abc', 'mongodb://user:hunter2@db/x', 'postgres://user:hunter2@db/']) {
      await assert.rejects(openStore(spec), (error: Error) => {
        assert.doesNotMatch(error.message, /hunter2/);
        return true;
      });
    }
  });
});
