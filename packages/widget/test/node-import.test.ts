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

test('the element can be constructed and rendered to a template under Node (SSR shims)', async () => {
  const { MeshPayButton } = await import(dist('index.js'));
  const el = new MeshPayButton();
  assert.equal(el.status, 'idle');
  assert.equal(el.theme, 'light');
  // render() is what an SSR renderer calls; it must not reach for window, document or navigator.
  type Template = { strings: readonly string[]; values: unknown[] };
  const template = (el as unknown as { render(): Template }).render();
  // The markup and the values of the template and of the templates nested in it, in order.
  const flat = (t: Template): { markup: string; values: unknown[] } => {
    const nested = t.values.filter((v): v is Template => typeof v === 'object' && v !== null && 'strings' in v).map(flat);
    return { markup: t.strings.join('') + nested.map((n) => n.markup).join(''), values: [...t.values, ...nested.flatMap((n) => n.values)] };
  };
  const { markup, values } = flat(template);
  assert.match(markup, /part="button"/);
  assert.ok(values.includes('Pay with crypto'), 'idle label rendered');
});
