/**
 * Two OS processes (test/store-race-worker.ts) racing over one store, the way two kit instances do
 * in production, while this process listens to the statuses they append. Used by the SQLite, Redis
 * and PostgreSQL store tests.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openStore } from '../src/open-store.js';
import type { StoredStatus } from '../src/store.js';

/** Starts a store-race-worker process and lets the test drive its phases over stdin/stdout. */
function startWorker(spec: string, keyPrefix: string, count: number) {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', fileURLToPath(new URL('./store-race-worker.ts', import.meta.url)), spec, keyPrefix, String(count)],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  let stderr = '';
  let waiter: (() => void) | undefined;
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    waiter?.();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    send: (command: string) => child.stdin.write(`${command}\n`),
    async line(match: (line: string) => boolean, timeoutMs = 30_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find(match);
        if (found) return found;
        if (child.exitCode !== null) throw new Error(`worker exited ${child.exitCode}: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`worker said nothing matching in ${timeoutMs} ms: ${stderr}`);
        await Promise.race([
          new Promise<void>((resolve) => (waiter = resolve)),
          exited,
          new Promise((resolve) => setTimeout(resolve, 1000)),
        ]);
      }
    },
    exited,
    kill: () => child.kill('SIGKILL'),
  };
}

/** Two processes race over one store: every event is added, marked and claimed by exactly one. */
export async function raceTwoProcesses(spec: string, keyPrefix: string, count: number): Promise<void> {
  // This process listens, through its own store, to statuses the two workers append.
  const listener = await openStore(spec, {
    redis: { keyPrefix, logger: { warn: () => {} } },
    postgres: { schema: keyPrefix.replace(/\W/g, '_').toLowerCase(), logger: { warn: () => {} } },
  });
  const heard: StoredStatus[] = [];
  let heardAll: () => void = () => {};
  const allHeard = new Promise<void>((resolve) => (heardAll = resolve));
  const unsubscribe = await listener.subscribe('tx-race-status', (status) => {
    heard.push(status);
    if (heard.length === 10) heardAll();
  });
  const workers = [startWorker(spec, keyPrefix, count), startWorker(spec, keyPrefix, count)];
  try {
    await Promise.all(workers.map((w) => w.line((l) => l === 'ready')));
    for (const w of workers) w.send('add');
    await Promise.all(workers.map((w) => w.line((l) => l === 'added')));
    for (const w of workers) w.send('claim');
    const results = await Promise.all(
      workers.map(async (w) => JSON.parse(await w.line((l) => l.startsWith('{'))) as { added: number[]; marked: number[]; claimed: string[]; appended: number[] }),
    );
    assert.deepEqual(await Promise.all(workers.map((w) => w.exited)), [0, 0]);
    const all = Array.from({ length: count }, (_, i) => i);
    const added = results.flatMap((r) => r.added).sort((a, b) => a - b);
    const marked = results.flatMap((r) => r.marked).sort((a, b) => a - b);
    const claimed = results.flatMap((r) => r.claimed);
    assert.deepEqual(added, all, 'each event accepted by exactly one process');
    assert.deepEqual(marked, all, 'each once-guard won by exactly one process');
    assert.equal(claimed.length, count, 'no entry claimed twice');
    assert.deepEqual(new Set(claimed), new Set(all.map((i) => `race-${i}`)), 'every entry claimed');
    const appended = results.flatMap((r) => r.appended).sort((a, b) => a - b);
    assert.deepEqual(appended, Array.from({ length: 10 }, (_, i) => i + 1), 'gapless seqs across processes');
    await Promise.race([
      allHeard,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`heard only ${heard.length} of 10 statuses`)), 10_000)),
    ]);
    assert.deepEqual(heard.map((s) => s.seq), Array.from({ length: 10 }, (_, i) => i + 1), 'heard once each, in order');
    // Both really took part (otherwise this proves nothing about racing).
    for (const r of results) assert.ok(r.added.length + r.marked.length > 0, `both processes won something: ${results.map((x) => [x.added.length, x.marked.length, x.claimed.length].join('/')).join(' vs ')}`);
  } finally {
    for (const w of workers) w.kill();
    unsubscribe();
    await listener.close();
  }
}

