/**
 * The status stream as a browser meets it: only the holder of a transaction's capability reads
 * it, the current status comes at once, reconnects resume without repeats, heartbeats keep it
 * alive, it ends on a terminal status, and a client that goes away leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signCapability, verifyCapability } from '../src/capability.js';
import { MeshPayError } from '../src/errors.js';
import { KIT_SECRET, SseClient, eventually, mint, postWebhook, startKit, stats, webhookBody, type Kit } from './harness.js';

function capabilityOf(statusUrl: string): string {
  return statusUrl.split('/').at(-1)!;
}

describe('status capabilities', () => {
  let k: Kit;
  before(async () => {
    k = await startKit();
  });
  after(() => k.close());

  async function expectRefused(path: string, status: number, code: string) {
    const stream = await SseClient.open(`${k.url}${path}`);
    assert.equal(stream.status, status, path);
    const body = JSON.parse(stream.body) as { code: string };
    assert.equal(body.code, code);
    return body;
  }

  it('refuses flipped bytes anywhere in the capability with 403', async () => {
    const { statusUrl } = await mint(k);
    const cap = capabilityOf(statusUrl);
    for (const i of [0, 5, cap.indexOf('.') - 1, cap.indexOf('.') + 1, cap.length - 2]) {
      const c = cap[i] === 'A' ? 'B' : 'A';
      const flipped = cap.slice(0, i) + c + cap.slice(i + 1);
      await expectRefused(`/mesh/status/${flipped}`, 403, 'MESH_PAY_CAPABILITY_INVALID');
    }
  });

  it("refuses another transaction's payload carrying this transaction's signature", async () => {
    const mine = capabilityOf((await mint(k)).statusUrl);
    const theirs = capabilityOf((await mint(k)).statusUrl);
    const spliced = `${theirs.split('.')[0]}.${mine.split('.')[1]}`;
    await expectRefused(`/mesh/status/${spliced}`, 403, 'MESH_PAY_CAPABILITY_INVALID');
    // And a payload naming their transaction, signed with a guessed secret.
    const guessed = signCapability('guessed-secret-0123456789', (await mint(k)).transactionId, Date.now() + 60_000);
    await expectRefused(`/mesh/status/${guessed}`, 403, 'MESH_PAY_CAPABILITY_INVALID');
  });

  it('refuses garbage', async () => {
    for (const garbage of ['x', 'a.b', '...', 'a.b.c', '%00', encodeURIComponent('{"t":"x"}.sig'), 'A'.repeat(2000)]) {
      await expectRefused(`/mesh/status/${garbage}`, 403, 'MESH_PAY_CAPABILITY_INVALID');
    }
  });

  it('refuses an expired capability with 403 and a validly signed one for an unknown transaction with 404', async () => {
    const { transactionId } = await mint(k);
    const expired = signCapability(KIT_SECRET, transactionId, Date.now() - 1000);
    await expectRefused(`/mesh/status/${expired}`, 403, 'MESH_PAY_CAPABILITY_EXPIRED');
    const unknown = signCapability(KIT_SECRET, 'mp_never_minted', Date.now() + 60_000);
    await expectRefused(`/mesh/status/${unknown}`, 404, 'MESH_PAY_TRANSACTION_NOT_FOUND');
  });

  it('expires after statusTtlSeconds (checked against the clock, not trusted from the client)', () => {
    const cap = signCapability(KIT_SECRET, 'mp_x', 10_000_000);
    assert.equal(verifyCapability(KIT_SECRET, cap, 9_000_000).transactionId, 'mp_x');
    assert.throws(() => verifyCapability(KIT_SECRET, cap, 10_000_000), (e: unknown) => e instanceof MeshPayError && e.code === 'MESH_PAY_CAPABILITY_EXPIRED');
  });

  it('issues capabilities that expire after the configured TTL', async () => {
    const short = await startKit({ fakeMesh: k.mesh, statusTtlSeconds: 60 });
    try {
      const { statusUrl } = await mint(short);
      const claims = verifyCapability(KIT_SECRET, capabilityOf(statusUrl));
      const left = claims.exp * 1000 - Date.now();
      assert.ok(left > 0 && left <= 60_000, `expires in ${left} ms`);
    } finally {
      await short.close();
    }
  });
});

describe('status stream', () => {
  let k: Kit;
  before(async () => {
    k = await startKit();
  });
  after(() => k.close());

  it('sends the current status at once on connect, then live updates, with ids', async () => {
    const { transactionId: t, statusUrl } = await mint(k);
    await postWebhook(k, webhookBody({ transactionId: t, status: 'pending' }));
    await eventually(async () => (await k.store.statusesSince(t, 0)).length === 1, 'pending stored');
    await postWebhook(k, webhookBody({ transactionId: t, status: 'processing' }));
    await eventually(async () => (await k.store.statusesSince(t, 0)).length === 2, 'processing stored');

    const stream = await SseClient.open(`${k.url}${statusUrl}`);
    await stream.until((s) => s.statuses().length === 1, 'the current status');
    assert.deepEqual(stream.statuses().map((s) => [s.seq, s.update.status]), [[2, 'processing']]);
    assert.equal(stream.comments.includes('waiting'), false);

    await postWebhook(k, webhookBody({ transactionId: t, status: 'failed' }));
    await stream.until((s) => s.ended, 'the stream to end after failed');
    assert.deepEqual(stream.statuses().map((s) => [s.seq, s.update.status]), [
      [2, 'processing'],
      [3, 'failed'],
    ]);
  });

  it('resumes from Last-Event-ID (header or query) without repeating what the client had', async () => {
    const { transactionId: t, statusUrl } = await mint(k);
    for (const status of ['pending', 'processing']) {
      await postWebhook(k, webhookBody({ transactionId: t, status }));
      await eventually(async () => (await k.store.statusesSince(t, 0)).some((s) => s.update.status === status), status);
    }
    const first = await SseClient.open(`${k.url}${statusUrl}`, { 'Last-Event-ID': '1' });
    await first.until((s) => s.statuses().length === 1, 'the missed status');
    assert.deepEqual(first.statuses().map((s) => s.seq), [2]);
    await first.close();

    await postWebhook(k, webhookBody({ transactionId: t, status: 'succeeded' }));
    const resumed = await SseClient.open(`${k.url}${statusUrl}?lastEventId=2`);
    await resumed.until((s) => s.ended, 'the end');
    assert.deepEqual(resumed.statuses().map((s) => [s.seq, s.update.status]), [[3, 'succeeded']]);

    // A client that already saw everything gets nothing again (and the stream ends at once only if it was terminal: here it waits).
    const caughtUp = await SseClient.open(`${k.url}${statusUrl}`, { 'Last-Event-ID': '3' });
    await caughtUp.until((s) => s.comments.includes('heartbeat'), 'a heartbeat');
    assert.deepEqual(caughtUp.statuses(), []);
    await caughtUp.close();

    // Garbage Last-Event-ID is treated as none: the current status.
    const garbage = await SseClient.open(`${k.url}${statusUrl}`, { 'Last-Event-ID': '1; DROP TABLE' });
    await garbage.until((s) => s.ended, 'the end');
    assert.deepEqual(garbage.statuses().map((s) => s.seq), [3]);
  });

  it('sends heartbeat comments while waiting', async () => {
    const { statusUrl } = await mint(k);
    const stream = await SseClient.open(`${k.url}${statusUrl}`);
    await stream.until((s) => s.comments.filter((c) => c === 'heartbeat').length >= 2, 'two heartbeats');
    await stream.close();
  });

  it('lets go of every listener and timer when clients disconnect', async () => {
    // Streams closed by earlier tests are released asynchronously; start from a quiet kit.
    await eventually(() => k.kit.openStreamCount() === 0, 'earlier streams to be released');
    const before = await stats(k.store);
    const minted = await Promise.all([mint(k), mint(k), mint(k)]);
    const streams = await Promise.all(minted.flatMap((m) => [SseClient.open(`${k.url}${m.statusUrl}`), SseClient.open(`${k.url}${m.statusUrl}`)]));
    await Promise.all(streams.map((s) => s.until((c) => c.comments.includes('waiting'), 'connected')));
    assert.equal(k.kit.openStreamCount(), 6);
    assert.equal((await stats(k.store)).listeners, before.listeners + 6);

    await Promise.all(streams.map((s) => s.close()));
    await eventually(() => k.kit.openStreamCount() === 0, 'streams to be released');
    await eventually(async () => (await stats(k.store)).listeners === before.listeners, 'listeners to be released');
  });

  it('lets go of listeners when the stream ends on a terminal status', async () => {
    await eventually(() => k.kit.openStreamCount() === 0, 'earlier streams to be released');
    const before = await stats(k.store);
    const { transactionId: t, statusUrl } = await mint(k);
    const stream = await SseClient.open(`${k.url}${statusUrl}`);
    await stream.until((s) => s.comments.includes('waiting'), 'connected');
    await postWebhook(k, webhookBody({ transactionId: t, status: 'succeeded' }));
    await stream.until((s) => s.ended, 'the end');
    await eventually(() => k.kit.openStreamCount() === 0, 'streams to be released');
    assert.equal((await stats(k.store)).listeners, before.listeners);
  });

  it('ends open streams when the kit closes', async () => {
    const other = await startKit({ fakeMesh: k.mesh });
    const { statusUrl } = await mint(other);
    const stream = await SseClient.open(`${other.url}${statusUrl}`);
    await stream.until((s) => s.comments.includes('waiting'), 'connected');
    await other.close({ closeStore: false });
    await stream.until((s) => s.ended, 'the end');
    assert.equal((await stats(other.store)).listeners, 0);
    await other.store.close();
  });
});
