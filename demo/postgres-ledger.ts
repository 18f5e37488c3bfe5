import type { HookTransaction } from '@mesh-pay/backend-kit';
import type { LedgerBook, LedgerEntry } from './ledger.js';

/** What the book needs of a `pg` Pool: the kit's PostgreSQL store exposes its pool as `store.pool`. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount: number | null }>;
  connect(): Promise<HookTransaction & { release(destroy?: boolean): void }>;
}

/** The merchant's own ledger table, beside (not inside) the kit's `mesh_pay` schema. */
export const LEDGER_TABLE = 'demo_ledger';

/**
 * The demo ledger as a PostgreSQL table, as a shop on PostgreSQL would keep it. The success hook
 * writes through `args.tx`, the transaction in which the kit marks the transfer credited: the row
 * and the mark commit together or not at all, so a crash mid-hook never leaves a credit the kit
 * does not know about (or the reverse). The primary key keeps a credit per transfer besides.
 *
 * Amounts are kept as the exact text Mesh sent, like everywhere in the kit.
 */
export async function postgresLedgerBook(pool: Queryable): Promise<LedgerBook> {
  // Instances starting together: one creates the table, the others wait on the lock and find it.
  const client = await pool.connect();
  let healthy = false;
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('mesh-pay-demo:${LEDGER_TABLE}'))`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (
        transfer_id text PRIMARY KEY,
        order_id text NOT NULL,
        transaction_id text NOT NULL,
        token text,
        chain text,
        source_amount text,
        tx_hash text,
        credited_at timestamptz NOT NULL,
        position bigserial NOT NULL
      )`);
    await client.query('COMMIT');
    healthy = true;
  } finally {
    if (!healthy) await client.query('ROLLBACK').catch(() => {});
    client.release(!healthy);
  }

  return {
    async add(entry: LedgerEntry, tx?: HookTransaction) {
      const { rowCount } = await (tx ?? pool).query(
        `INSERT INTO ${LEDGER_TABLE} (transfer_id, order_id, transaction_id, token, chain, source_amount, tx_hash, credited_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (transfer_id) DO NOTHING`,
        [entry.transferId, entry.orderId, entry.transactionId, entry.token, entry.chain, entry.sourceAmount, entry.txHash, entry.creditedAt],
      );
      return rowCount === 1;
    },
    async list() {
      const { rows } = await pool.query(
        `SELECT transfer_id, order_id, transaction_id, token, chain, source_amount, tx_hash, credited_at
         FROM ${LEDGER_TABLE} ORDER BY position`,
      );
      return rows.map(
        (row): LedgerEntry => ({
          orderId: row.order_id,
          transactionId: row.transaction_id,
          transferId: row.transfer_id,
          token: row.token,
          chain: row.chain,
          sourceAmount: row.source_amount,
          txHash: row.tx_hash,
          creditedAt: (row.credited_at as Date).toISOString(),
        }),
      );
    },
  };
}
