import type { Pool } from 'pg';

/**
 * The PostgreSQL store's schema, as numbered migrations. A migration once released is never edited:
 * a change is a new entry. Each runs in its own transaction together with its row in
 * `schema_migrations`, so a crash mid-migration leaves it unapplied, never half-applied.
 *
 * Amounts and payloads are JSON text, never jsonb: jsonb would re-serialise them (key order, number
 * text), and the kit promises to hand back exactly what it stored. Epoch milliseconds are bigint.
 */
export interface Migration {
  version: number;
  name: string;
  /** SQL for one schema; `s` is the quoted schema name. */
  sql(s: string): string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'kit store',
    sql: (s) => `
      CREATE TABLE ${s}.transactions (
        transaction_id text PRIMARY KEY,
        order_id text NOT NULL,
        json text NOT NULL
      );
      -- Latest transaction per order: upserted on every save, so "latest wins" is "last saved wins".
      CREATE TABLE ${s}.order_latest (
        order_id text PRIMARY KEY,
        transaction_id text NOT NULL
      );
      CREATE TABLE ${s}.inbox (
        event_id text PRIMARY KEY,
        event_json text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'done', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at bigint NOT NULL,
        received_at bigint NOT NULL,
        last_error text
      );
      -- Only pending entries are ever scanned for work, however long the settled history grows.
      CREATE INDEX inbox_due ON ${s}.inbox (next_attempt_at, received_at, event_id) WHERE state = 'pending';
      CREATE TABLE ${s}.marks (
        scope text NOT NULL,
        key text NOT NULL,
        PRIMARY KEY (scope, key)
      );
      -- Expiring locks: expires_at is the holder's clock, epoch ms, like the inbox's "now".
      CREATE TABLE ${s}.locks (
        key text PRIMARY KEY,
        owner text NOT NULL,
        expires_at bigint NOT NULL
      );
      -- The last seq per transaction: its row lock serialises appends to one transaction, so seqs
      -- are gapless across instances without locking anything else.
      CREATE TABLE ${s}.status_heads (
        transaction_id text PRIMARY KEY,
        seq integer NOT NULL
      );
      CREATE TABLE ${s}.statuses (
        transaction_id text NOT NULL,
        seq integer NOT NULL,
        json text NOT NULL,
        PRIMARY KEY (transaction_id, seq)
      );
      CREATE TABLE ${s}.access_tokens (
        id bigserial PRIMARY KEY,
        user_id text NOT NULL,
        key text NOT NULL,
        json text NOT NULL,
        UNIQUE (user_id, key)
      );
      CREATE TABLE ${s}.records (
        id bigserial PRIMARY KEY,
        collection text NOT NULL,
        key text NOT NULL,
        json text NOT NULL,
        UNIQUE (collection, key)
      );
    `,
  },
  {
    version: 2,
    name: 'operator inbox, reconciliation index, retention',
    sql: (s) => `
      -- 'processing': claimed by a worker whose lease has not lapsed (the operator's view).
      ALTER TABLE ${s}.inbox DROP CONSTRAINT IF EXISTS inbox_state_check;
      ALTER TABLE ${s}.inbox ADD CONSTRAINT inbox_state_check CHECK (state IN ('pending', 'processing', 'done', 'dead'));
      -- NULL: the retry window opened at received_at; set by an operator's retry.
      ALTER TABLE ${s}.inbox ADD COLUMN window_start bigint;
      DROP INDEX ${s}.inbox_due;
      CREATE INDEX inbox_due ON ${s}.inbox (next_attempt_at, received_at, event_id) WHERE state IN ('pending', 'processing');
      -- Operator listings page through one state in EventId order; retention finds old done entries.
      CREATE INDEX inbox_state ON ${s}.inbox (state, event_id);
      CREATE INDEX inbox_done ON ${s}.inbox (next_attempt_at) WHERE state = 'done';
      -- Transactions waiting for a terminal status, by next reconciliation lookup.
      CREATE TABLE ${s}.reconcile_due (
        transaction_id text PRIMARY KEY,
        due_at bigint NOT NULL
      );
      CREATE INDEX reconcile_due_at ON ${s}.reconcile_due (due_at, transaction_id);
      -- Closed transactions by when they closed: pruned after the retention period.
      CREATE TABLE ${s}.prune_due (
        transaction_id text PRIMARY KEY,
        closed_at bigint NOT NULL
      );
      CREATE INDEX prune_due_at ON ${s}.prune_due (closed_at, transaction_id);
    `,
  },
  {
    version: 3,
    name: 'inbox attempt history',
    sql: (s) => `
      -- Each entry's last attempts (INBOX_HISTORY_LIMIT), for operators; deleted with the entry.
      CREATE TABLE ${s}.inbox_attempts (
        id bigserial PRIMARY KEY,
        event_id text NOT NULL,
        json text NOT NULL
      );
      CREATE INDEX inbox_attempts_event ON ${s}.inbox_attempts (event_id, id);
    `,
  },
  {
    version: 4,
    name: 'transactions minted before the reconciliation index join it',
    // See legacy-open-records.ts: migration 2 made the index but left the old collections unread.
    sql: (s) => `
      INSERT INTO ${s}.reconcile_due (transaction_id, due_at)
      SELECT o.key, CASE WHEN o.json::json->>'createdAt' ~ '^[0-9]{1,15}$' THEN (o.json::json->>'createdAt')::bigint ELSE 0 END
      FROM ${s}.records o JOIN ${s}.transactions t ON t.transaction_id = o.key
      WHERE o.collection = 'mesh-pay:open'
        AND NOT EXISTS (SELECT 1 FROM ${s}.records c WHERE c.collection = 'mesh-pay:closed' AND c.key = o.key)
        AND NOT EXISTS (SELECT 1 FROM ${s}.prune_due p WHERE p.transaction_id = o.key)
      ON CONFLICT (transaction_id) DO NOTHING;
      INSERT INTO ${s}.prune_due (transaction_id, closed_at)
      SELECT c.key, CASE WHEN c.json::json->>'closedAt' ~ '^[0-9]{1,15}$' THEN (c.json::json->>'closedAt')::bigint ELSE 0 END
      FROM ${s}.records c
      WHERE c.collection = 'mesh-pay:closed'
        AND NOT EXISTS (SELECT 1 FROM ${s}.inbox i WHERE i.state = 'dead' AND i.event_json::json->>'transactionId' = c.key)
      ON CONFLICT (transaction_id) DO NOTHING;
      DELETE FROM ${s}.records WHERE collection IN ('mesh-pay:open', 'mesh-pay:closed');
    `,
  },
  {
    version: 5,
    name: 'an instance of the previous version still running writes into the indexes',
    // During a rolling upgrade an old instance keeps writing `mesh-pay:open`/`mesh-pay:closed` records,
    // which nothing reads any more: a transaction it minted whose webhook never comes would never be
    // reconciled. This trigger files each such write into the index migration 4 would have (same rules)
    // and drops the row, atomically with the old instance's own insert.
    sql: (s) => `
      CREATE FUNCTION ${s}.mesh_pay_legacy_record() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        field text := CASE WHEN NEW.collection = 'mesh-pay:open' THEN 'createdAt' ELSE 'closedAt' END;
        at bigint := 0;
      BEGIN
        BEGIN
          IF NEW.json::json->>field ~ '^[0-9]{1,15}$' THEN at := (NEW.json::json->>field)::bigint; END IF;
        EXCEPTION WHEN others THEN
          at := 0; -- not JSON: due (or prunable) at once rather than an old instance's insert that fails
        END;
        IF NEW.collection = 'mesh-pay:open' THEN
          INSERT INTO ${s}.reconcile_due (transaction_id, due_at)
            SELECT NEW.key, at WHERE NOT EXISTS (SELECT 1 FROM ${s}.prune_due p WHERE p.transaction_id = NEW.key)
            ON CONFLICT (transaction_id) DO NOTHING;
        ELSE
          DELETE FROM ${s}.reconcile_due WHERE transaction_id = NEW.key;
          INSERT INTO ${s}.prune_due (transaction_id, closed_at)
            SELECT NEW.key, at WHERE NOT EXISTS (
              SELECT 1 FROM ${s}.inbox i WHERE i.state = 'dead' AND i.event_json::json->>'transactionId' = NEW.key
            )
            ON CONFLICT (transaction_id) DO NOTHING;
        END IF;
        RETURN NULL;
      END
      $fn$;
      CREATE TRIGGER mesh_pay_legacy_records BEFORE INSERT ON ${s}.records FOR EACH ROW
        WHEN (NEW.collection IN ('mesh-pay:open', 'mesh-pay:closed'))
        EXECUTE FUNCTION ${s}.mesh_pay_legacy_record();
    `,
  },
];

/** `"name"` with embedded quotes doubled: the one way an identifier enters SQL text here. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Brings `schema` up to the newest migration. Safe when several instances start at once: they queue
 * on one advisory lock (per schema, held by one session for the whole run), and each migration is
 * applied by whoever gets there first, exactly once. Returns the versions this call applied.
 */
export async function migrate(pool: Pool, schema: string): Promise<number[]> {
  const s = quoteIdentifier(schema);
  const client = await pool.connect();
  // A connection dropped while checked out emits 'error' on the client; the query in flight rejects.
  const dropped = (): void => {};
  client.on('error', dropped);
  const lockKey = `mesh-pay:migrate:${schema}`;
  const applied: number[] = [];
  let broken = false;
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
           version integer PRIMARY KEY,
           name text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const done = new Set(
        (await client.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`)).rows.map((r) => r.version),
      );
      for (const migration of MIGRATIONS) {
        if (done.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql(s));
          await client.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [
            migration.version,
            migration.name,
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
        applied.push(migration.version);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => {
        // A dead connection has released its session lock already; it must not go back to the pool.
        broken = true;
      });
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    client.off('error', dropped);
    client.release(broken);
  }
  return applied;
}
