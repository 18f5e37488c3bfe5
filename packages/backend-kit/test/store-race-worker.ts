/**
 * A separate OS process racing another one over the same store, the way two kit instances do in
 * production. Started by stores.test.ts:
 *
 *   node --conditions=source --import tsx test/store-race-worker.ts <spec> <keyPrefix> <count>
 *
 * Prints `ready` and waits for `add` on stdin (so both processes start together), then for ids
 * 0..count-1 (in a random order of its own) tries addToInbox and markOnce, prints `added` and waits for `claim`, then claims inbox
 * entries until none are left, then appends 5 statuses to `tx-race-status`. Prints one JSON line:
 * `{"added": [...], "marked": [...], "claimed": [...], "appended": [seq, ...]}`.
 */
import { createInterface } from 'node:readline';
import { openStore } from '../src/open-store.js';

const [spec, keyPrefix, countText] = process.argv.slice(2);
if (!spec || !keyPrefix || !countText) {
  console.error('usage: store-race-worker.ts <spec> <keyPrefix> <count>');
  process.exit(2);
}
const count = Number(countText);
const store = await openStore(spec, {
  redis: { keyPrefix, logger: { warn: () => {} } },
  // PostgreSQL keeps deployments apart by schema, as Redis does by key prefix.
  postgres: { schema: keyPrefix.replace(/\W/g, '_').toLowerCase(), logger: { warn: () => {} } },
});

const lines = createInterface({ input: process.stdin });
const commands: string[] = [];
let wake: (() => void) | undefined;
lines.on('line', (line) => {
  commands.push(line.trim());
  wake?.();
});
async function waitFor(command: string): Promise<void> {
  while (!commands.includes(command)) await new Promise<void>((resolve) => (wake = resolve));
}

process.stdout.write('ready\n');
await waitFor('add');

const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));
const added: number[] = [];
const marked: number[] = [];
const claimed: string[] = [];
const now = 1_000;
// Each process walks the ids in its own random order: in lock-step order the faster process would
// simply win everything and nothing would actually race.
const order = Array.from({ length: count }, (_, i) => i);
for (let i = order.length - 1; i > 0; i--) {
  const j = Math.floor(Math.random() * (i + 1));
  [order[i], order[j]] = [order[j]!, order[i]!];
}
for (const i of order) {
  const [wonInbox, wonMark] = await Promise.all([
    store.addToInbox({ eventId: `race-${i}`, id: `delivery-${process.pid}-${i}`, transferId: `t-${i}`, transactionId: 'tx-race', status: 'succeeded', sourceAmount: '0.1' }, now),
    store.markOnce('success', `t-${i}`),
  ]);
  if (wonInbox) added.push(i);
  if (wonMark) marked.push(i);
  // Like a real instance, which does other work between webhooks: without a pause, a process
  // hammering SQLite holds the write lock nearly all the time and the other only ever waits.
  await pause();
}
process.stdout.write('added\n');
await waitFor('claim');
lines.close();
// Keep claiming while the other process does too: every entry must land in exactly one process.
for (;;) {
  const batch = await store.claimInbox(now, 60_000, 7);
  if (batch.length === 0) break;
  claimed.push(...batch.map((entry) => entry.event.eventId));
  await pause();
}
// Then each process appends statuses to one transaction the test is listening to from its own
// process: seqs must stay gapless and every status must reach that listener.
const appended: number[] = [];
for (let i = 0; i < 5; i++) {
  const stored = await store.appendStatus({
    transactionId: 'tx-race-status', transferId: `t-${process.pid}`, status: `s-${process.pid}-${i}`, at: new Date().toISOString(),
  });
  appended.push(stored.seq);
  await pause();
}
await store.close();
process.stdout.write(`${JSON.stringify({ added, marked, claimed, appended })}\n`);
