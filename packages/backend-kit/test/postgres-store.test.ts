/**
 * The PostgreSQL store against a real PostgreSQL (a private cluster, initdb'd for this file): the
 * same store contract as memory, SQLite and Redis, then what only PostgreSQL shows — instances
 * starting at once on an empty database, a subscriber whose LISTEN connection is killed or whose
 * server restarts, a SIGKILL of the server after acknowledgements, two OS processes racing, and a
 * merchant's writes committing (or not) together with the kit's credit mark.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { openStore, StoreSpecError } from '../src/open-store.js';
import { MIGRATIONS } from '../src/postgres-migrations.js';
import { decodeKey, encodeKey, postgresStore, PostgresSchemaNameError, type PostgresStore, type PostgresStoreOptions } from '../src/postgres-store.js';
import { UNMATCHED_COLLECTION, type StatusUpdate, type TransferEvent } from '../src/store.js';
import { mint, postWebhook, startKit, webhookBody } from './harness.js';
import { startPostgresServer, findPostgresBin, type PostgresServer } from './postgres-server.js';
import { durableFixture, storeContract } from './store-contract.js';
import { raceTwoProcesses } from './store-race.js';

let server: PostgresServer;
let database: string;
const quiet = { warn: () => {} };

before(async () => {
  server = await startPostgresServer();
  database = await server.createDatabase('kit');
});
after(async () => {
  await server?.stop();
});

let schemas = 0;
const freshSchema = (): string => `t${++schemas}_${process.pid}`;

storeContract(
  'postgres',
  async () => {
    // One database for the file; a fresh schema per test keeps tests apart like deployments.
    const schema = freshSchema();
    return durableFixture(
      () => postgresStore(database, { schema, logger: quiet, reconnectDelayMs: 20 }),
      async (store) => {
        await store.close();
        await server.restart();
      },
    );
  },
  { durable: true },
);

function status(transactionId: string, value: string): StatusUpdate {
  return { transactionId, transferId: 'transfer-1', status: value, sourceAmount: '1.000000000000000001', at: new Date().toISOString() };
}

/** Records what a subscriber hears and waits, bounded, for the n-th status. */
function hearing() {
  const heard: number[] = [];
  let wake: (() => void) | undefined;
  return {
    heard,
    listener: (s: { seq: number }) => {
      heard.push(s.seq);
      wake?.();
    },
    async until(n: number, timeoutMs = 20_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (heard.length < n) {
        if (Date.now() > deadline) throw new Error(`heard ${JSON.stringify(heard)}, wanted ${n} statuses`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 500);
        });
      }
    },
  };
}

describe('postgres store in production situations', () => {
  const opened: PostgresStore[] = [];
  const open = (options: PostgresStoreOptions = {}, url = database): PostgresStore => {
    const store = postgresStore(url, { logger: quiet, reconnectDelayMs: 20, ...options });
    opened.push(store);
    return store;
  };
  after(async () => {
    for (const store of opened) await store.close();
  });

  it('migrates once when eight instances start at the same moment on an empty database', async () => {
    const schema = freshSchema();
    const stores = Array.from({ length: 8 }, () => open({ schema }));
    await Promise.all(stores.map((s) => s.ready));
    const rows = await server.query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`, [], database);
    assert.deepEqual(rows.map((r) => r.version), MIGRATIONS.map((m) => m.version));
    // And they all work on the one schema: exactly one wins a race for one mark.
    const wins = await Promise.all(stores.map((s) => s.markOnce('credit', 'transfer-x')));
    assert.equal(wins.filter(Boolean).length, 1);
    // Starting again later changes nothing.
    await open({ schema }).ready;
    const again = await server.query(`SELECT version FROM "${schema}".schema_migrations`, [], database);
    assert.equal(again.length, MIGRATIONS.length);
  });

  it('keeps a subscriber complete when its LISTEN connection is killed: no status lost, none repeated', async () => {
    const schema = freshSchema();
    const watcher = open({ schema });
    const writer = open({ schema });
    const ear = hearing();
    const unsubscribe = await watcher.subscribe('tx-kill', ear.listener);
    await writer.appendStatus(status('tx-kill', 'pending'));
    await ear.until(1);

    const { listenerPid } = await watcher.stats();
    assert.ok(listenerPid, 'the watcher listens on a connection of its own');
    const [terminated] = await server.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [listenerPid]);
    assert.equal(terminated?.ok, true);
    // Appended while the watcher may not be listening: NOTIFY for these is lost; the log is not.
    await writer.appendStatus(status('tx-kill', 'processing'));
    await writer.appendStatus(status('tx-kill', 'succeeded'));
    await ear.until(3);
    // It came back on a new connection, and still hears what comes next.
    const after = await watcher.stats();
    assert.equal(after.listening, true);
    assert.notEqual(after.listenerPid, listenerPid);
    await writer.appendStatus(status('tx-kill', 'late'));
    await ear.until(4);
    assert.deepEqual(ear.heard, [1, 2, 3, 4]);
    unsubscribe();
    assert.deepEqual(await watcher.stats().then(({ listeners, subscribedTransactions, listening }) => ({ listeners, subscribedTransactions, listening })), {
      listeners: 0,
      subscribedTransactions: 0,
      listening: false,
    });
  });

  it('keeps a subscriber complete across a restart of PostgreSQL itself', async () => {
    const schema = freshSchema();
    const watcher = open({ schema });
    const writer = open({ schema });
    const ear = hearing();
    const unsubscribe = await watcher.subscribe('tx-restart', ear.listener);
    await writer.appendStatus(status('tx-restart', 'pending'));
    await ear.until(1);
    await server.restart();
    // The writer's pool drops its dead connections; a call can fail once while it notices.
    const append = async (value: string): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        try {
          await writer.appendStatus(status('tx-restart', value));
          return;
        } catch (error) {
          if (attempt >= 5) throw error;
        }
      }
    };
    await append('processing');
    await append('succeeded');
    await ear.until(3);
    assert.deepEqual(ear.heard, [1, 2, 3]);
    unsubscribe();
  });

  it('keeps every acknowledged webhook, mark and status through a SIGKILL of PostgreSQL', async () => {
    const schema = freshSchema();
    const store = open({ schema });
    const events: TransferEvent[] = Array.from({ length: 50 }, (_, i) => ({
      eventId: `evt-kill9-${i}`,
      id: `delivery-${i}`,
      transferId: `transfer-${i}`,
      transactionId: 'tx-kill9',
      status: 'succeeded',
      sourceAmount: '123456789012345678.123456789012345678',
    }));
    const acknowledged = await Promise.all(events.map((e) => store.addToInbox(e, 1000)));
    assert.ok(acknowledged.every(Boolean));
    assert.equal(await store.markOnce('credit', 'transfer-0'), true);
    await store.appendStatus(status('tx-kill9', 'succeeded'));

    await server.kill9();
    await server.restart();
    const after = open({ schema });
    for (const e of events) assert.deepEqual((await after.getInboxEntry(e.eventId))?.event, e);
    assert.equal(await after.addToInbox(events[0]!, 2000), false, 'still a duplicate');
    assert.equal(await after.hasMark('credit', 'transfer-0'), true);
    assert.deepEqual((await after.statusesSince('tx-kill9', 0)).map((s) => s.seq), [1]);
  });

  it('admits a burst of webhooks in one statement, each caller told its own outcome', async () => {
    const schema = freshSchema();
    const store = open({ schema });
    await store.saveTransaction({ transactionId: 'tx-burst', orderId: 'order-burst', userId: 'u', amountInFiat: '1', destinations: [], createdAt: 1 });
    const event = (i: number, transactionId?: string): TransferEvent =>
      ({ eventId: `evt-burst-${i}`, id: `d-${i}`, transferId: `tr-${i}`, status: 'pending', ...(transactionId ? { transactionId } : {}) }) as TransferEvent;
    assert.deepEqual(await store.admitWebhook(event(0, 'tx-burst'), 1000), { matched: true, fresh: true });

    // Every statement of either of the store's pools goes through a pg.Client: count them there.
    let statements = 0;
    const clientQuery = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      statements++;
      return (clientQuery as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof clientQuery;
    after(() => {
      pg.Client.prototype.query = clientQuery;
    });
    // Twelve webhooks in one turn: ten new (eight of ours, two for transactions we never minted), one
    // resend of an earlier one, and one EventId twice (it must still be fresh exactly once).
    const burst = [
      ...Array.from({ length: 8 }, (_, i) => event(i + 1, 'tx-burst')),
      event(9, 'tx-not-ours'),
      event(10),
      event(0, 'tx-burst'),
      event(1, 'tx-burst'),
    ];
    const outcomes = await Promise.all(burst.map((e) => store.admitWebhook(e, 2000)));
    assert.deepEqual(outcomes, [
      ...Array.from({ length: 8 }, () => ({ matched: true, fresh: true })),
      { matched: false, fresh: true },
      { matched: false, fresh: true },
      { matched: true, fresh: false },
      { matched: true, fresh: false },
    ]);
    // The repeated EventId waits for its first copy (same key), so it goes in a second statement.
    assert.equal(statements, 2, 'one statement for the burst, one for the copy that had to wait');
    for (let i = 0; i <= 8; i++) assert.equal((await store.getInboxEntry(`evt-burst-${i}`))?.state, 'pending');
    const unmatched = (await store.listRecords(UNMATCHED_COLLECTION)) as { event: TransferEvent }[];
    assert.deepEqual(unmatched.map((r) => r.event.eventId).sort(), ['evt-burst-10', 'evt-burst-9']);

    // The worker's look-ups for a claimed batch: each transaction and each log, one statement per kind.
    await store.appendStatus(status('tx-burst', 'pending'));
    await store.appendStatus(status('tx-burst', 'succeeded'));
    statements = 0;
    const [transactions, logs] = await Promise.all([
      Promise.all(['tx-burst', 'tx-not-ours', 'tx-burst'].map((id) => store.getTransaction(id))),
      Promise.all([0, 1, 2].map((after) => store.statusesSince('tx-burst', after))),
    ]);
    assert.equal(statements, 2);
    assert.deepEqual(transactions.map((t) => t?.orderId), ['order-burst', undefined, 'order-burst']);
    assert.notEqual(transactions[0], transactions[2], 'each caller gets its own copy');
    assert.deepEqual(logs.map((log) => log.map((entry) => `${entry.seq}:${entry.update.status}`)), [['1:pending', '2:succeeded'], ['2:succeeded'], []]);
    pg.Client.prototype.query = clientQuery;
  });

  it('admits webhooks on connections of their own: a pool busy with other work does not hold the ack up', { timeout: 30_000 }, async () => {
    const store = open({ schema: freshSchema(), max: 2, webhookConnections: 1 });
    await store.saveTransaction({ transactionId: 'tx-own', orderId: 'order-own', userId: 'u', amountInFiat: '1', destinations: [], createdAt: 1 });
    // Both general connections busy for as long as the test says (the worker's statements, a slow hook's transaction).
    const held = await Promise.all([store.pool.connect(), store.pool.connect()]);
    try {
      await Promise.all(held.map((client) => client.query('BEGIN')));
      const admitted = await store.admitWebhook(
        { eventId: 'evt-own-1', id: 'd', transferId: 'tr', transactionId: 'tx-own', status: 'pending' } as TransferEvent,
        1000,
      );
      assert.deepEqual(admitted, { matched: true, fresh: true });
    } finally {
      await Promise.all(held.map((client) => client.query('ROLLBACK').finally(() => client.release())));
    }
  });

  it('works without prepared statements (behind a pooler that cannot keep them): nothing named reaches the server', async () => {
    const store = open({ schema: freshSchema(), preparedStatements: false });
    const named: string[] = [];
    const clientQuery = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const config = args[0] as { name?: string } | string;
      if (typeof config === 'object' && config !== null && config.name) named.push(config.name);
      return (clientQuery as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof clientQuery;
    try {
      await store.saveTransaction({ transactionId: 'tx-plain', orderId: 'order-plain', userId: 'u', amountInFiat: '1', destinations: [], createdAt: 1 });
      const event = { eventId: 'evt-plain', id: 'd', transferId: 'tr', transactionId: 'tx-plain', status: 'pending' } as TransferEvent;
      assert.deepEqual(await store.admitWebhook(event, 1), { matched: true, fresh: true });
      assert.deepEqual(await store.admitWebhook(event, 2), { matched: true, fresh: false });
      assert.equal((await store.claimInbox(3, 1000, 5))[0]?.event.eventId, 'evt-plain');
      assert.equal((await store.getTransaction('tx-plain'))?.orderId, 'order-plain');
    } finally {
      pg.Client.prototype.query = clientQuery;
    }
    assert.deepEqual(named, []);
  });

  it('takes garbage for webhookConnections as the default, never as a broken pool', async () => {
    for (const webhookConnections of [Number.NaN, -3, 0, 2.7, Number.POSITIVE_INFINITY]) {
      const store = open({ schema: freshSchema(), webhookConnections });
      assert.deepEqual(
        await store.admitWebhook({ eventId: `evt-garbage-${webhookConnections}`, id: 'd', transferId: 'tr', status: 'pending' } as TransferEvent, 1),
        { matched: false, fresh: true },
      );
    }
  });

  it('acknowledges a burst of real webhooks to a kit on PostgreSQL, each EventId fresh exactly once', async () => {
    const kit = await startKit({ store: open({ schema: freshSchema() }), start: false });
    try {
      const minted = await Promise.all(Array.from({ length: 4 }, () => mint(kit)));
      const bodies = minted.flatMap(({ transactionId }, i) =>
        ['pending', 'succeeded'].map((status) => webhookBody({ transactionId, status, eventId: `evt-http-${i}-${status}`, transferId: `tr-http-${i}` })),
      );
      const stray = webhookBody({ transactionId: 'tx-never-minted', status: 'pending', eventId: 'evt-http-stray' });
      // Every body twice, all at once: Mesh's at-least-once delivery racing itself.
      const sent = [...bodies, ...bodies, stray, stray];
      const answers = await Promise.all(sent.map(async (body) => {
        const res = await postWebhook(kit, body);
        return { status: res.status, body: (await res.json()) as { duplicate: boolean } };
      }));
      assert.ok(answers.every((a) => a.status === 200), JSON.stringify(answers.map((a) => a.status)));
      const freshByEvent = new Map<string, number>();
      sent.forEach((body, i) => {
        const eventId = (JSON.parse(body) as { EventId: string }).EventId;
        freshByEvent.set(eventId, (freshByEvent.get(eventId) ?? 0) + (answers[i]!.body.duplicate ? 0 : 1));
      });
      assert.deepEqual([...freshByEvent.values()], Array.from({ length: 9 }, () => 1));
      for (const body of bodies) {
        const eventId = (JSON.parse(body) as { EventId: string }).EventId;
        assert.equal((await kit.store.getInboxEntry(eventId))?.state, 'pending');
      }
      assert.equal(((await kit.store.listRecords(UNMATCHED_COLLECTION)) as unknown[]).length, 1);
    } finally {
      await kit.close();
    }
  });

  it('delivers a status too large for a NOTIFY payload to another instance, read from the log', async () => {
    const schema = freshSchema();
    const watcher = open({ schema });
    const writer = open({ schema });
    const heard: { seq: number; txHash?: string }[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = await watcher.subscribe('tx-big', (s) => {
      heard.push({ seq: s.seq, ...(s.update.txHash === undefined ? {} : { txHash: s.update.txHash }) });
      wake?.();
    });
    const big = `0x${'ab'.repeat(6000)}`;
    await writer.appendStatus({ ...status('tx-big', 'succeeded'), txHash: big });
    const deadline = Date.now() + 20_000;
    while (heard.length === 0 && Date.now() < deadline) await new Promise<void>((resolve) => ((wake = resolve), setTimeout(resolve, 500)));
    assert.deepEqual(heard, [{ seq: 1, txHash: big }]);
    unsubscribe();
  });

  it('keeps keys PostgreSQL text cannot hold (NUL) distinct and verbatim', async () => {
    const store = open({ schema: freshSchema() });
    const keys = ['a\0b', 'a\uFFFF0b', '\uFFFFa', '\uFFFF', 'a', '\0'];
    assert.equal(new Set(keys.map(encodeKey)).size, keys.length, 'the encoding is injective');
    for (const key of [...keys, '\uFFFF\uFFFF0', 'x\uFFFF', '']) assert.equal(decodeKey(encodeKey(key)), key, JSON.stringify(key));
    for (const key of keys) assert.equal(await store.putOnce('weird', key, { key }), true, JSON.stringify(key));
    for (const key of keys) assert.deepEqual(await store.getRecord('weird', key), { key });
    const event: TransferEvent = { eventId: 'evt\0nul', id: 'd', transferId: 't\0', transactionId: 'tx\0', status: 'pending' };
    assert.equal(await store.addToInbox(event, 1), true);
    assert.equal(await store.addToInbox(event, 2), false);
    assert.deepEqual((await store.getInboxEntry('evt\0nul'))?.event, event);
    assert.equal(encodeKey('plain-key'), 'plain-key', 'ordinary keys are stored as they are');
  });

  it('refuses schema names it would have to escape, before connecting', () => {
    for (const schema of ['', 'Upper', '1st', 'a-b', 'x"; DROP TABLE y; --', 'a'.repeat(49), 'ü']) {
      assert.throws(() => postgresStore(database, { schema }), PostgresSchemaNameError, schema);
    }
  });

  it('warns when the server could lose acknowledged commits', async () => {
    const warnings: string[] = [];
    const store = open({ schema: freshSchema(), logger: { warn: (m) => warnings.push(m) } });
    const report = await store.checkDurability();
    assert.equal(report.durable, true, JSON.stringify(report));
    assert.equal(warnings.length, 0, warnings.join("\n"));
    // The same check on a role whose commits are not waited for.
    await server.query(`CREATE ROLE careless LOGIN; ALTER ROLE careless SET synchronous_commit = off; GRANT ALL ON DATABASE kit TO careless`);
    const careless = open({ schema: freshSchema(), logger: { warn: (m) => warnings.push(m) } }, database.replace('postgres@', 'careless@'));
    await careless.ready.catch(() => {});
    const weak = await careless.checkDurability();
    assert.equal(weak.durable, false);
    assert.match(warnings.join('\n'), /synchronous_commit is "off"/);
  });

  it('two OS processes sharing one PostgreSQL never both win an event, a mark or a claim', async () => {
    await raceTwoProcesses(database, 'race:', 300);
  });
});

describe('transactional fulfilment on postgres (markOnceWithin)', () => {
  let store: PostgresStore;
  before(async () => {
    store = postgresStore(database, { schema: freshSchema(), logger: quiet });
    await store.ready;
    await store.pool.query('CREATE TABLE IF NOT EXISTS merchant_ledger (transfer_id text PRIMARY KEY, amount numeric NOT NULL)');
  });
  after(async () => {
    await store?.close();
  });
  const ledger = async (transferId: string): Promise<string[]> =>
    (await store.pool.query<{ amount: string }>('SELECT amount::text FROM merchant_ledger WHERE transfer_id = $1', [transferId])).rows.map((r) => r.amount);

  it('commits the merchant row and the mark together', async () => {
    const ran = await store.markOnceWithin('credit', 'tr-commit', async (tx) => {
      await tx.query('INSERT INTO merchant_ledger VALUES ($1, $2)', ['tr-commit', '12345678901234567890.123456789']);
    });
    assert.equal(ran, true);
    assert.deepEqual(await ledger('tr-commit'), ['12345678901234567890.123456789']);
    assert.equal(await store.hasMark('credit', 'tr-commit'), true);
    // Marked: the work never runs again.
    let again = false;
    assert.equal(await store.markOnceWithin('credit', 'tr-commit', async () => void (again = true)), false);
    assert.equal(again, false);
  });

  it('rolls both back when the hook throws, so the retry credits', async () => {
    await assert.rejects(
      store.markOnceWithin('credit', 'tr-throw', async (tx) => {
        await tx.query('INSERT INTO merchant_ledger VALUES ($1, $2)', ['tr-throw', '1']);
        throw new Error('merchant hook failed after writing');
      }),
      /merchant hook failed/,
    );
    assert.deepEqual(await ledger('tr-throw'), []);
    assert.equal(await store.hasMark('credit', 'tr-throw'), false);
    assert.equal(await store.markOnceWithin('credit', 'tr-throw', async (tx) => void (await tx.query('INSERT INTO merchant_ledger VALUES ($1, $2)', ['tr-throw', '1']))), true);
    assert.deepEqual(await ledger('tr-throw'), ['1']);
  });

  it('refuses to report success when a statement failed inside and the hook swallowed the error', async () => {
    await assert.rejects(
      store.markOnceWithin('credit', 'tr-swallow', async (tx) => {
        await tx.query('INSERT INTO merchant_ledger VALUES ($1, $2)', ['tr-swallow', '1']);
        await tx.query('INSERT INTO no_such_table VALUES (1)').catch(() => {});
      }),
      (error: Error & { code?: string }) => error.code === 'MESH_PAY_STORE_TRANSACTION_ABORTED',
    );
    assert.deepEqual(await ledger('tr-swallow'), []);
    assert.equal(await store.hasMark('credit', 'tr-swallow'), false);
  });

  it('runs the work once among 20 concurrent callers on two instances; the others wait and see the mark', async () => {
    // A second instance on the same schema: its callers are kept apart from the first's only by
    // PostgreSQL (the mark's row), not by anything in this process.
    const other = postgresStore(database, { schema: store.schema, logger: quiet });
    after(() => other.close());
    let runs = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? other : store).markOnceWithin('credit', 'tr-race', async (tx) => {
          runs += 1;
          await tx.query('INSERT INTO merchant_ledger VALUES ($1, $2)', ['tr-race', '7']);
        }),
      ),
    );
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal(runs, 1);
    assert.deepEqual(await ledger('tr-race'), ['7']);
  });
});

describe('openStore with a postgres:// spec', () => {
  it('opens, migrates and uses the store; postgresql:// too', async () => {
    for (const spec of [database, database.replace('postgres://', 'postgresql://')]) {
      const store = await openStore(spec, { postgres: { schema: freshSchema(), logger: quiet } });
      try {
        assert.match(store.kind, /^postgres(ql)?:\/\/postgres@127\.0\.0\.1:\d+\/kit$/);
        assert.equal(await store.putOnce('c', 'k', 1), true);
        assert.equal(await store.getRecord('c', 'k'), 1);
      } finally {
        await store.close();
      }
    }
  });

  it('fails at start, with the server\'s reason, when the database does not exist; the password never shows', async () => {
    const missing = database.replace('postgres@', 'postgres:hunter2@').replace(/\/kit$/, '/no_such_db');
    await assert.rejects(openStore(missing, { postgres: { logger: quiet } }), (error: Error) => {
      assert.match(error.message, /no_such_db/);
      assert.doesNotMatch(error.message, /hunter2/);
      return true;
    });
  });

  it('rejects malformed postgres specs before connecting, naming what is wrong', async () => {
    const cases: [string, RegExp][] = [
      ['postgres://', /not a valid URL|no host/],
      ['postgres://host', /names no database/],
      ['postgres://host/', /names no database/],
      ['postgres://u:pw@host/a%2Fb', /not a database name/],
      ['postgres://host/db#frag', /fragments/],
    ];
    for (const [spec, reason] of cases) {
      await assert.rejects(openStore(spec), (error: unknown) => {
        assert.ok(error instanceof StoreSpecError, `${spec} → ${String(error)}`);
        assert.match(error.message, reason);
        assert.doesNotMatch(error.message, /:pw@/);
        return true;
      });
    }
  });
});

describe('the PostgreSQL test server', () => {
  it('fails loudly, never skips, when PostgreSQL is missing', () => {
    assert.throws(() => findPostgresBin('/nonexistent/postgresql/bin'), /PostgreSQL not found.*never skip/s);
  });
});
