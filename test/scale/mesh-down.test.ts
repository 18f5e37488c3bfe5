import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDemo, type DemoProcess } from '../support/demo-process.js';
import { startControllableMesh, type ControllableMesh } from './controllable-mesh.js';
import { httpFrom, type HttpAnswer } from './shop-client.js';

/**
 * Mesh down or slow: a shopper clicking "pay" gets a clear problem+json quickly (never a hung
 * spinner), and the next click after Mesh is back works. The kit's per-request timeout to Mesh is
 * its default, 10 s (the demo does not change it).
 */

const KIT_TIMEOUT_MS = 10_000;
let mesh: ControllableMesh;
let demo: DemoProcess;
let attempt = 0;

before(async () => {
  mesh = await startControllableMesh();
  demo = await startDemo({ store: 'memory', env: { MESH_API_URL: mesh.url } });
});

after(async () => {
  await demo?.stop();
  await mesh?.close();
});

const pay = (): Promise<HttpAnswer> =>
  httpFrom('127.0.0.9', `${demo.url}/mesh/link-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ orderId: `mesh-down-${attempt++}` }),
    timeoutMs: KIT_TIMEOUT_MS * 3,
  });

function assertProblem(answer: HttpAnswer, status: number, code: string): void {
  assert.equal(answer.status, status, answer.body);
  assert.match(String(answer.headers['content-type']), /^application\/problem\+json/);
  const problem = JSON.parse(answer.body) as { status: number; code: string; title: string; detail: string };
  assert.equal(problem.status, status);
  assert.equal(problem.code, code);
  assert.ok(problem.title.length > 0 && problem.detail.length > 0, 'a title and a detail a shopper can read');
  assert.doesNotMatch(answer.body, /secret|127\.0\.0\.1|ECONNREFUSED|stack/i, 'nothing internal leaks');
}

describe('the token route when Mesh is down or slow', { timeout: 90_000 }, () => {
  it('Mesh not listening at all (cold start): 502 at once; works as soon as Mesh listens again', async (t) => {
    await mesh.unplug();
    const down = await pay();
    assertProblem(down, 502, 'MESH_PAY_MESH_UNAVAILABLE');
    assert.ok(down.ms < 5000, `answered in ${down.ms} ms`);
    await mesh.listen();
    const back = await pay();
    assert.equal(back.status, 200, back.body);
    t.diagnostic(`figures: refused connection → 502 in ${down.ms} ms; recovered → 200 in ${back.ms} ms`);
  });

  it('Mesh closing connections without an answer: 502 quickly; recovers', async (t) => {
    mesh.mood = 'close';
    const closed = await pay();
    assertProblem(closed, 502, 'MESH_PAY_MESH_UNAVAILABLE');
    assert.ok(closed.ms < 5000, `answered in ${closed.ms} ms`);
    mesh.mood = 'up';
    const back = await pay();
    assert.equal(back.status, 200, back.body);
    t.diagnostic(`figures: connection reset → 502 in ${closed.ms} ms`);
  });

  it('Mesh slow but within the timeout: the shopper waits, then gets the token', async () => {
    mesh.mood = 'slow';
    mesh.slowMs = 1500;
    const slow = await pay();
    assert.equal(slow.status, 200, slow.body);
    assert.ok(slow.ms >= 1500, `waited for Mesh (${slow.ms} ms)`);
    mesh.mood = 'up';
  });

  it('Mesh hanging: 504 bounded by the kit’s timeout; recovers', async (t) => {
    mesh.mood = 'hang';
    const hung = await pay();
    assertProblem(hung, 504, 'MESH_PAY_MESH_TIMEOUT');
    assert.ok(hung.ms >= KIT_TIMEOUT_MS - 500 && hung.ms < KIT_TIMEOUT_MS + 5000, `answered in ${hung.ms} ms, bounded by the ${KIT_TIMEOUT_MS} ms timeout`);
    mesh.mood = 'up';
    const back = await pay();
    assert.equal(back.status, 200, back.body);
    t.diagnostic(`figures: hanging Mesh → 504 in ${hung.ms} ms`);
  });
});
