/**
 * One kit instance on PostgreSQL whose success hook credits through `args.tx`, for
 * transactional-fulfilment.test.ts to SIGKILL at awkward moments. Started as
 *
 *   node --conditions=source --import tsx test/transactional-crash-child.ts <url> <schema> <mode> <leaseMs>
 *
 * mode `hang`: the hook writes its ledger row, prints `wrote <transferId>`, then never returns (the
 * test kills it there). mode `run`: the hook writes, prints, and returns after a short random pause,
 * so a kill lands anywhere: before the write, after it, during COMMIT, between COMMIT and settle.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createMeshPay } from '../src/create-mesh-pay.js';
import { postgresStore } from '../src/postgres-store.js';

const [url, schema, mode, leaseText] = process.argv.slice(2);
if (!url || !schema || (mode !== 'hang' && mode !== 'run') || !leaseText) {
  console.error('usage: transactional-crash-child.ts <url> <schema> hang|run <leaseMs>');
  process.exit(2);
}
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const store = postgresStore(url, { schema, logger: quiet });
await store.ready;

const kit = createMeshPay({
  store,
  // The worker never calls Mesh here: every event is already in the inbox.
  mesh: { clientId: 'crash-test', clientSecret: 'crash-test', apiUrl: 'http://127.0.0.1:9' },
  webhookSecret: 'crash-test-webhook-secret',
  kitSecret: 'crash-test-kit-secret-0123456789',
  resolveOrder: async () => undefined,
  fulfilment: { leaseMs: Number(leaseText), pollMs: 50, baseDelayMs: 50, batchSize: 4 },
  logger: quiet,
  onTransferSucceeded: async ({ tx, idempotencyKey, event }) => {
    if (!tx) throw new Error('expected a transaction on PostgreSQL');
    // The merchant's own table, beside the kit's in the shop's schema.
    await tx.query(`INSERT INTO "${schema}".merchant_ledger (transfer_id, amount) VALUES ($1, $2)`, [idempotencyKey, event.sourceAmount]);
    process.stdout.write(`wrote ${idempotencyKey}\n`);
    if (mode === 'hang') await new Promise(() => {});
    await sleep(Math.floor(Math.random() * 30));
  },
});
await kit.start();
process.stdout.write('started\n');
