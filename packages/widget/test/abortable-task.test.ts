// The token request's task shape, in Node: each run has its own AbortSignal, a newer run, abort()
// or the host leaving the page aborts the older one, and only the latest run's outcome counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { AbortableTask } from '../src/abortable-task.js';

function fakeHost(): ReactiveControllerHost & { controllers: ReactiveController[] } {
  const controllers: ReactiveController[] = [];
  return {
    controllers,
    addController: (c) => void controllers.push(c),
    removeController: () => undefined,
    requestUpdate: () => undefined,
    updateComplete: Promise.resolve(true),
  };
}

/** A task whose runs the test settles by hand, recording each run's signal. */
function manual() {
  const runs: { args: unknown[]; signal: AbortSignal; resolve: (v: string) => void; reject: (e: unknown) => void }[] = [];
  const host = fakeHost();
  const task = new AbortableTask(host, (args: [string], { signal }) => new Promise<string>((resolve, reject) => runs.push({ args, signal, resolve, reject })));
  return { host, task, runs };
}

test('a run is pending, then complete with its result; the host knows the task as a controller', async () => {
  const { host, task, runs } = manual();
  assert.equal(host.controllers[0], task);
  assert.equal(task.status, 'initial');
  const result = task.run('order-1');
  assert.equal(task.status, 'pending');
  assert.deepEqual(runs[0]!.args, ['order-1']);
  runs[0]!.resolve('token-1');
  assert.equal(await result, 'token-1');
  assert.equal(task.status, 'complete');
  assert.equal(runs[0]!.signal.aborted, false);
});

test('a newer run aborts the older one, whose late answer changes nothing', async () => {
  const { task, runs } = manual();
  const first = task.run('a');
  first.catch(() => undefined);
  const second = task.run('b');
  assert.equal(runs[0]!.signal.aborted, true);
  assert.equal(runs[1]!.signal.aborted, false);
  runs[0]!.resolve('late');
  await first;
  assert.equal(task.status, 'pending');
  runs[1]!.reject(new Error('boom'));
  await assert.rejects(second, /boom/);
  assert.equal(task.status, 'error');
});

test('abort() and the host leaving the page abort the running run, with the given reason', async () => {
  const { task, runs } = manual();
  task.run('a').catch(() => undefined);
  task.abort('abandoned');
  assert.equal(runs[0]!.signal.aborted, true);
  assert.equal(runs[0]!.signal.reason, 'abandoned');
  assert.equal(task.status, 'initial');
  task.abort(); // nothing running: nothing happens
  task.run('b').catch(() => undefined);
  task.hostDisconnected();
  assert.equal(runs[1]!.signal.aborted, true);
});

test('a task that throws synchronously is a rejected run, not an exception out of run()', async () => {
  const task = new AbortableTask(fakeHost(), () => {
    throw new TypeError('bad input');
  });
  await assert.rejects(task.run(), TypeError);
  assert.equal(task.status, 'error');
});
