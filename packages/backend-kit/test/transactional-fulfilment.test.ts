/**
 * Exactly-once EFFECTS on PostgreSQL: the success hook writes the merchant's credit through
 * `args.tx`, the transaction in which the kit marks the transfer credited. A kit instance SIGKILLed
 * at any moment leaves the credit and the mark both committed or both absent, and the instance that
 * takes over credits each transfer exactly once — proven on a ledger table with NO unique
 * constraint, so a second credit would show as a second row rather than be absorbed.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { encodeKey, postgresStore, type PostgresStore } from '../src/postgres-store.js';
import type { TransactionRecord, TransferEvent } from '../src/store.js';
import { startPostgresServer, type PostgresServer } from './postgres-server.js';

const LEASE_MS = 1500;
let server: PostgresServer;
let database: string;

before(async () => {
  server = await startPostgresServer();
  database = await server.createDatabase('shop');
});
after(async () => {
  await server?.stop();
});

interface Child {
  process: ChildProcess;
  lines: string[];
  next(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  kill9(): Promise<void>;
}

function startChild(schema: string, mode: 'hang' | 'run'): Child {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', fileURLToPath(new URL('./transactional-crash-child.ts', import.meta.url)), database, schema, mode, String(LEASE_MS)],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  let stderr = '';
  let wake: (() => void) | undefined;
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    wake?.();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    lines,
    async next(match, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find(match);
        if (found) return found;
        if (child.exitCode !== null) throw new Error(`child exited ${child.exitCode}: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`child said nothing matching within ${timeoutMs} ms: ${stderr}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 500);
        });
      }
    },
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

const DESTINATION = { networkId: 'e3c7fdd8-b1fc-4e51-85ae-bb276e075611', chain: 'Ethereum', token: 'USDC', address: '0x00000000000000000000000000000000000000a1' };

/** `count` paid orders, each with its succeeded webhook already acknowledged into the inbox. */
async function paidOrders(store: PostgresStore, label: string, count: number): Promise<string[]> {
  const transfers: string[] = [];
  for (let i = 0; i < count; i++) {
    const transactionId = `tx-${label}-${i}`;
    const transaction: TransactionRecord = {
      transactionId,
      orderId: `order-${label}-${i}`,
      userId: 'user-1',
      amountInFiat: '10.00',
      fiatCurrency: 'USD',
      destinations: [DESTINATION],
      createdAt: Date.now(),
    };
    await store.saveTransaction(transaction);
    const event: TransferEvent = {
      eventId: `evt-${label}-${i}`,
      id: `delivery-${label}-${i}`,
      transferId: `transfer-${label}-${i}`,
      transactionId,
      status: 'succeeded',
      sourceAmount: `${i + 1}.000000000000000001`,
      destinationAddress: DESTINATION.address,
      token: 'USDC',
      chain: 'Ethereum',
    };
    assert.equal(await store.addToInbox(event, Date.now()), true);
    transfers.push(event.transferId);
  }
  return transfers;
}

describe('transactional fulfilment on PostgreSQL under SIGKILL', () => {
  let schemas = 0;
  const stores: PostgresStore[] = [];
  const children: Child[] = [];
  after(async () => {
    for (const child of children) await child.kill9();
    for (const store of stores) await store.close();
  });

  async function shop(): Promise<{ store: PostgresStore; schema: string }> {
    const schema = `shop${++schemas}`;
    const store = postgresStore(database, { schema, logger: { warn: () => {} } });
    stores.push(store);
    await store.ready;
    await store.pool.query(`CREATE TABLE IF NOT EXISTS "${schema}".merchant_ledger (id bigserial PRIMARY KEY, transfer_id text NOT NULL, amount numeric NOT NULL)`);
    return { store, schema };
  }

  /** Credited transfers in the merchant's ledger, with how many rows each has. */
  async function ledger(store: PostgresStore, schema: string): Promise<Map<string, number>> {
    const { rows } = await store.pool.query<{ transfer_id: string; n: string }>(
      `SELECT transfer_id, count(*) AS n FROM "${schema}".merchant_ledger GROUP BY transfer_id`,
    );
    return new Map(rows.map((r) => [r.transfer_id, Number(r.n)]));
  }

  /**
   * The invariant at any instant: the ledger rows and the kit's credit marks are the same set. Read
   * in one REPEATABLE READ snapshot, because a live instance may commit between two separate reads.
   */
  async function assertBothOrNeither(store: PostgresStore, schema: string, transfers: string[]): Promise<number> {
    const client = await store.pool.connect();
    let rows: Map<string, number>;
    const marked = new Set<string>();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const ledgerRows = await client.query<{ transfer_id: string; n: string }>(
        `SELECT transfer_id, count(*) AS n FROM "${schema}".merchant_ledger GROUP BY transfer_id`,
      );
      rows = new Map(ledgerRows.rows.map((r) => [r.transfer_id, Number(r.n)]));
      for (const transferId of transfers) {
        const mark = await client.query(`SELECT 1 FROM "${schema}".marks WHERE scope = $1 AND key = $2`, [encodeKey('credit'), encodeKey(transferId)]);
        if (mark.rows.length > 0) marked.add(transferId);
      }
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    let credited = 0;
    for (const transferId of transfers) {
      const written = rows.get(transferId) ?? 0;
      assert.ok(written <= 1, `${transferId} credited ${written} times`);
      assert.equal(written === 1, marked.has(transferId), `${transferId}: ledger row ${written === 1 ? 'present' : 'absent'} but credit mark ${marked.has(transferId) ? 'set' : 'unset'}`);
      if (marked.has(transferId)) credited += 1;
    }
    return credited;
  }

  it('a kill inside the hook, after its write, leaves neither the credit nor the mark; the next instance credits once', async () => {
    const { store, schema } = await shop();
    const [transferId] = await paidOrders(store, 'hang', 1);
    const first = startChild(schema, 'hang');
    children.push(first);
    await first.next((line) => line === `wrote ${transferId}`);
    await first.kill9();
    assert.equal(await assertBothOrNeither(store, schema, [transferId!]), 0, 'the written row died with its transaction');

    const second = startChild(schema, 'run');
    children.push(second);
    await second.next((line) => line === `wrote ${transferId}`);
    await waitFor(async () => (await store.getInboxEntry(`evt-hang-0`))?.state === 'done', 'the entry to settle');
    assert.equal(await assertBothOrNeither(store, schema, [transferId!]), 1);
    assert.deepEqual([...(await ledger(store, schema))], [[transferId, 1]]);
    await second.kill9();
  });

  it('instances killed at random moments across 24 transfers: never one without the other, finally each exactly once', async () => {
    const { store, schema } = await shop();
    const transfers = await paidOrders(store, 'storm', 24);
    let kills = 0;
    // Kill after every few credits, wherever the instance happens to be, until all are credited.
    for (let round = 0; round < 40; round++) {
      const child = startChild(schema, 'run');
      children.push(child);
      await child.next((line) => line === 'started');
      const before = child.lines.filter((l) => l.startsWith('wrote ')).length;
      const credited = await assertBothOrNeither(store, schema, transfers);
      if (credited === transfers.length) {
        await child.kill9();
        break;
      }
      // Wait until this instance has written 1–3 rows (committed or not), then kill it mid-stride.
      const target = before + 1 + (round % 3);
      await waitFor(
        async () =>
          child.lines.filter((l) => l.startsWith('wrote ')).length >= target ||
          (await store.pool.query(`SELECT 1 FROM "${schema}".inbox WHERE state <> 'done'`)).rows.length === 0,
        'the instance to write or the work to run out',
      );
      await child.kill9();
      kills += 1;
      await assertBothOrNeither(store, schema, transfers);
    }
    assert.ok(kills >= 3, `the instances were killed mid-work (${kills} kills)`);
    // A last instance finishes whatever is left, and we wait for the inbox to drain.
    const last = startChild(schema, 'run');
    children.push(last);
    await waitFor(async () => {
      const { rows } = await store.pool.query(`SELECT 1 FROM "${schema}".inbox WHERE state <> 'done'`);
      return rows.length === 0;
    }, 'every entry to settle');
    assert.equal(await assertBothOrNeither(store, schema, transfers), transfers.length);
    const rows = await ledger(store, schema);
    assert.deepEqual([...rows.values()].filter((n) => n !== 1), [], 'each transfer credited exactly once');
    assert.equal(rows.size, transfers.length);
    await last.kill9();
  });
});

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
