import { memoryStore } from './memory-store.js';
import { redactUrl } from './redact-url.js';
import type { PostgresStoreOptions } from './postgres-store.js';
import type { RedisStoreOptions } from './redis-store.js';
import type { SqliteStoreOptions } from './sqlite-store.js';
import { loadStoreModule } from './store-driver.js';
import type { KitStore } from './store.js';

/** Thrown by {@link openStore} for a spec it cannot understand. */
export class StoreSpecError extends Error {
  readonly code = 'MESH_PAY_STORE_SPEC_INVALID';
  constructor(
    readonly spec: string,
    reason: string,
  ) {
    super(
      `Invalid store spec ${JSON.stringify(spec)}: ${reason}. ` +
        'Expected "memory", "sqlite:<path>", "redis://host:port[/db]" (rediss:// for TLS) or ' +
        '"postgres://user[:password]@host[:port]/database" (postgresql:// too), e.g. MESH_STORE=sqlite:.data/mesh-pay.db',
    );
    this.name = 'StoreSpecError';
  }
}

/** Options passed through to the store {@link openStore} picks. */
export interface OpenStoreOptions {
  sqlite?: SqliteStoreOptions;
  redis?: RedisStoreOptions;
  postgres?: PostgresStoreOptions;
}

/** Checks a `redis://` / `rediss://` spec without connecting; returns the reason it is wrong, if any. */
function redisSpecProblem(spec: string): string | undefined {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    return 'not a valid URL';
  }
  if (!url.hostname) return 'the Redis URL has no host';
  if (url.search || url.hash) return 'query strings and fragments are not supported';
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,5}$/.test(db)) return `"/${db}" is not a database number`;
  return undefined;
}

/** Checks a `postgres://` / `postgresql://` spec without connecting; returns the reason it is wrong, if any. */
function postgresSpecProblem(spec: string): string | undefined {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    return 'not a valid URL';
  }
  // A unix socket is given as ?host=/path, with the URL's host left empty.
  if (!url.hostname && !url.searchParams.get('host')) return 'the PostgreSQL URL has no host';
  if (url.hash) return 'fragments are not supported';
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '') return 'the PostgreSQL URL names no database ("/<database>")';
  if (database.includes('/') || database.includes('\0')) return `"${database}" is not a database name`;
  return undefined;
}

/**
 * Opens the store a `MESH_STORE`-style spec names:
 * - `memory` — in-process, for tests and development;
 * - `sqlite:<path>` — one durable file (parent directory created), shareable by processes on one host;
 * - `redis://[user:password@]host[:port][/db]` or `rediss://…` — shared by many instances. The
 *   server's persistence settings are checked once and a warning is logged when acknowledged
 *   webhooks could be lost;
 * - `postgres://user[:password]@host[:port]/database` or `postgresql://…` (libpq query parameters
 *   such as `?sslmode=require` or `?host=/run/postgresql` pass through to `pg`) — shared by many
 *   instances, with transactional fulfilment. The schema is migrated before this resolves and the
 *   server's durability settings are checked once.
 *
 *
 * Each durable store's module, and with it its driver, is imported only when a spec names it: the
 * drivers are optional peer dependencies (see README "Stores").
 *
 * @throws {StoreSpecError} (`code: 'MESH_PAY_STORE_SPEC_INVALID'`) for anything else.
 * @throws {StoreDriverMissingError} (`code: 'MESH_PAY_STORE_DRIVER_MISSING'`) when the named
 *   store's driver package (`better-sqlite3`, `ioredis`, `pg`) is not installed.
 */
export async function openStore(spec: string, options: OpenStoreOptions = {}): Promise<KitStore> {
  const text = typeof spec === 'string' ? spec.trim() : '';
  if (text === '') throw new StoreSpecError(String(spec), 'it is empty');
  if (text === 'memory') return memoryStore();
  if (text.startsWith('sqlite:')) {
    const path = text.slice('sqlite:'.length);
    if (path === '') throw new StoreSpecError(text, 'the sqlite path is empty');
    if (path.includes('\0')) throw new StoreSpecError(text, 'the sqlite path contains a NUL byte');
    const { sqliteStore } = await loadStoreModule('sqlite', 'better-sqlite3', () => import('./sqlite-store.js'));
    return sqliteStore(path, options.sqlite);
  }
  if (/^rediss?:\/\//i.test(text)) {
    const problem = redisSpecProblem(text);
    if (problem) throw new StoreSpecError(redactUrl(text), problem);
    const { redisStore } = await loadStoreModule('redis', 'ioredis', () => import('./redis-store.js'));
    const store = redisStore(text, options.redis);
    await store.checkPersistence();
    return store;
  }
  if (/^postgres(ql)?:\/\//i.test(text)) {
    const problem = postgresSpecProblem(text);
    if (problem) throw new StoreSpecError(redactUrl(text), problem);
    const { postgresStore } = await loadStoreModule('postgres', 'pg', () => import('./postgres-store.js'));
    const store = postgresStore(text, options.postgres);
    try {
      await store.ready;
    } catch (error) {
      await store.close();
      throw error;
    }
    await store.checkDurability();
    return store;
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1];
  throw new StoreSpecError(
    // Whatever it is, never echo credentials that may sit in it.
    redactUrl(text),
    scheme ? `unknown store kind "${scheme}"` : 'unknown store kind',
  );
}
