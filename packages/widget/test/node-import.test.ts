import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// SSR and Node tooling import the package: nothing may touch window/document at module top.
const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));

test('the built npm ESM imports in Node without a DOM', async () => {
  assert.ok(existsSync(dist('index.js')), 'run `npm run build` first');
  assert.equal(typeof (globalThis as { window?: unknown }).window, 'undefined');
  assert.equal(typeof (globalThis as { document?: unknown }).document, 'undefined');
  const api = await import(dist('index.js'));
  assert.equal(typeof api.MeshPayButton, 'function');
  assert.equal(typeof api.define, 'function');
  // define() twice (and after the import already defined it) never throws.
  api.define();
  api.define();
  const element = await import(dist('mesh-pay-button.js'));
  assert.equal(element.MeshPayButton, api.MeshPayButton);
  assert.equal(typeof (globalThis as { window?: unknown }).window, 'undefined', 'importing created a window global');
});
