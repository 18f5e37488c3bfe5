// custom-elements.json is what IDEs, docs tools and framework wrappers read: it must tell the whole
// truth about the element from the source's own JSDoc (`npm run build` writes it with `cem analyze`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PAYMENT_STATUSES } from '../src/payment-machine.js';
import type { MeshPayEventName } from '../src/events.js';

const path = fileURLToPath(new URL('../custom-elements.json', import.meta.url));

interface Named {
  name: string;
}
interface Declaration {
  customElement?: boolean;
  tagName?: string;
  cssStates?: Named[];
  cssProperties?: Named[];
  events?: Named[];
}

function element(): Declaration {
  assert.ok(existsSync(path), `missing ${path}: run \`npm run build\` first`);
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as { modules: { declarations?: Declaration[] }[] };
  const found = manifest.modules.flatMap((m) => m.declarations ?? []).find((d) => d.customElement && d.tagName === 'mesh-pay-button');
  assert.ok(found, 'no <mesh-pay-button> in the manifest');
  return found;
}

test('the manifest lists every custom state a page can style (:state(…))', () => {
  const states = element().cssStates?.map((s) => s.name) ?? [];
  assert.deepEqual([...states].sort(), [...PAYMENT_STATUSES, 'already-paid', 'stream-expired'].sort());
});

test('the manifest lists the Link dialog’s custom properties next to the button’s', () => {
  const props = element().cssProperties?.map((p) => p.name) ?? [];
  for (const name of ['background', 'color', 'radius', 'backdrop', 'accent', 'accent-text', 'focus-ring']) {
    assert.ok(props.includes(`--mesh-pay-dialog-${name}`), `--mesh-pay-dialog-${name} missing`);
  }
  // Every dialog property documented is one the dialog's stylesheet really reads.
  const dialogCss = readFileSync(fileURLToPath(new URL('../src/link-dialog.styles.ts', import.meta.url)), 'utf8');
  for (const name of props.filter((p) => p.startsWith('--mesh-pay-dialog-'))) assert.ok(dialogCss.includes(`var(${name},`), `${name} is documented but unused`);
});

test('the manifest lists each event the element fires, and nothing else', () => {
  const expected: Record<MeshPayEventName, true> = {
    'mesh-click': true,
    'mesh-open': true,
    'mesh-integration-connected': true,
    'mesh-transfer-finished': true,
    'mesh-exit': true,
    'mesh-event': true,
    'mesh-status': true,
    'mesh-error': true,
  };
  assert.deepEqual(element().events?.map((e) => e.name).sort(), Object.keys(expected).sort());
});
