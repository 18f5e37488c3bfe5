import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// An app that owns its registry imports `@mesh-pay/widget/element-class` and registers the class itself:
// that import must define nothing, and bundlers must be allowed to drop it.
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${packageDir}package.json`, 'utf8'));

test('the package exports ./element-class (types and ESM) and does not list it as having side effects', () => {
  const entry = pkg.exports['./element-class'];
  assert.deepEqual(entry, { source: './src/element-class.ts', types: './dist/element-class.d.ts', default: './dist/element-class.js' });
  const sideEffects: string[] = pkg.sideEffects;
  assert.ok(!sideEffects.some((path) => path.includes('element-class') || path.includes('mesh-pay-button.component') || path === './dist/chunks/*'), sideEffects.join(', '));
});

test('importing the built element-class module registers nothing, even where a registry exists', async () => {
  const file = `${packageDir}dist/element-class.js`;
  assert.ok(existsSync(file), 'run `npm run build` first');
  const defined: string[] = [];
  // A registry that records every define: importing must leave it empty.
  const registry = { define: (name: string) => void defined.push(name), get: () => undefined, whenDefined: () => Promise.resolve() };
  const globals = globalThis as { customElements?: unknown };
  globals.customElements = registry;
  try {
    const { MeshPayButton } = await import(file);
    assert.equal(typeof MeshPayButton, 'function');
    assert.deepEqual(defined, []);
    // The same class the main entry registers, so instanceof checks agree across entries.
    const main = await import(`${packageDir}dist/index.js`);
    assert.equal(main.MeshPayButton, MeshPayButton);
    assert.deepEqual(defined, ['mesh-pay-button'], 'the main entry, by contrast, registers the tag');
  } finally {
    delete globals.customElements;
  }
});
