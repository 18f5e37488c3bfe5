import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
// A plain .mjs build script (the cem plugin): typed from its JavaScript (the root tsconfig has allowJs).
import { manifestForFrameworks } from '../framework-types.mjs';

// A merchant's React, Preact, Solid, Vue or Svelte project type-checks <mesh-pay-button> against the typings
// generated from custom-elements.json. Each test/types/<framework>/ folder is such a project, reaching the
// typings the way users do (the package's exports map, dist/types); its `@ts-expect-error` lines are
// mistakes the typings must catch, so stale or loosened typings fail here (an unused directive is an error).
const exec = promisify(execFile);
const require = createRequire(import.meta.url);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const typesDir = fileURLToPath(new URL('../dist/types/', import.meta.url));
const pkg = () => JSON.parse(readFileSync(`${packageDir}package.json`, 'utf8'));

async function typeCheck(checker: 'typescript/bin/tsc' | 'vue-tsc/bin/vue-tsc.js', framework: string, project = `test/types/${framework}`): Promise<void> {
  assert.ok(existsSync(`${typesDir}${framework}.d.ts`), 'run `npm run build` first');
  try {
    await exec(process.execPath, [require.resolve(checker), '-p', `${project}/tsconfig.json`], { cwd: packageDir, timeout: 240_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    assert.fail(`${project}: ${stdout ?? ''}${stderr ?? ''}`);
  }
}

test('React 19: attributes, the userAgent property, onmesh-* handlers with their detail types, a typed ref', () =>
  typeCheck('typescript/bin/tsc', 'react'));
test('the React and Preact pages of the browser tests type-check as apps of their framework', () => typeCheck('typescript/bin/tsc', 'react', 'test/frameworks'));
test('Preact: the same JSX typings, through preact.JSX', () => typeCheck('typescript/bin/tsc', 'preact'));
test('Solid: attributes, prop:userAgent and on:mesh-* handlers', () => typeCheck('typescript/bin/tsc', 'solid'));
test('the Solid page of the browser tests type-checks as a Solid app', () => typeCheck('typescript/bin/tsc', 'solid', 'test/frameworks/solid'));
test('Svelte: SvelteHTMLElements has the attributes, on:mesh-* and Svelte 5 onmesh-* handlers', () => typeCheck('typescript/bin/tsc', 'svelte'));
test('Svelte 5: svelte-check reports exactly the marked mistakes in .svelte markup, and none in a correct page', async () => {
  const workspace = `${packageDir}test/types/svelte`;
  const { stdout } = await exec(
    process.execPath,
    [require.resolve('svelte-check/bin/svelte-check'), '--workspace', workspace, '--tsconfig', `${workspace}/tsconfig.json`, '--output', 'machine'],
    { cwd: workspace, timeout: 240_000 },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }));
  assert.match(stdout, /COMPLETED/, stdout);
  // Machine output: `<time> ERROR "<file>" <line>:<column> "<message>"`.
  const errors = [...stdout.matchAll(/ ERROR "([^"]+)" (\d+):\d+ (.*)/g)].map(([, file, line, message]) => ({ file, line: Number(line), message }));
  assert.deepEqual(errors.filter((e) => e.file !== 'Mistakes.svelte'), [], 'the correct checkout type-checks');
  const marked = readFileSync(`${workspace}/Mistakes.svelte`, 'utf8')
    .split('\n')
    .flatMap((text, index) => (text.includes('<!-- mistake:') ? [index + 1] : []));
  assert.ok(marked.length >= 4);
  assert.deepEqual(errors.map((e) => e.line), marked, JSON.stringify(errors, null, 2));
});
test('Vue 3: vue-tsc checks templates (strictTemplates) against GlobalComponents, @mesh-status typed', () =>
  typeCheck('vue-tsc/bin/vue-tsc.js', 'vue'));

test('all five typings are valid declaration files, checked in full (skipLibCheck: false, the tsc default)', () =>
  typeCheck('typescript/bin/tsc', 'svelte', 'test/types/declarations'));

test('the typings carry every event of the manifest with its real detail type, and never the read-only status', () => {
  const manifest = JSON.parse(readFileSync(`${packageDir}custom-elements.json`, 'utf8'));
  const element = manifest.modules.flatMap((mod: { declarations?: unknown[] }) => mod.declarations ?? []).find((d: { tagName?: string }) => d.tagName === 'mesh-pay-button');
  const jsx = readFileSync(`${typesDir}jsx-elements.d.ts`, 'utf8');
  assert.ok(element.events.length >= 8, 'the manifest lists the events');
  for (const event of element.events as { name: string; type: { text: string } }[]) {
    const detail = /^CustomEvent<(.+)>$/.exec(event.type.text)?.[1];
    assert.ok(detail, `${event.name} is declared as CustomEvent<Detail> in the JSDoc`);
    assert.ok(jsx.includes(`"on${event.name}"?: (e: CustomEvent<${detail}>) => void;`), `${event.name} typed with ${detail}`);
  }
  assert.doesNotMatch(jsx, /^\s*status\?:/m);
});

test('preparing the manifest for the generators leaves custom-elements.json as the schema wants it', () => {
  const manifest = JSON.parse(readFileSync(`${packageDir}custom-elements.json`, 'utf8'));
  const before = JSON.stringify(manifest);
  const prepared = manifestForFrameworks(manifest);
  assert.equal(JSON.stringify(manifest), before, 'the original is not mutated');
  const element = prepared.modules.flatMap((mod: { declarations?: unknown[] }) => mod.declarations ?? []).find((d: { tagName?: string }) => d.tagName === 'mesh-pay-button');
  assert.equal(element.events.find((e: { name: string }) => e.name === 'mesh-status').type.text, 'TransferStatusEvent');
  assert.equal(element.attributes.some((a: { name: string }) => a.name === 'status'), false);
  // Garbage in (no modules, declarations without events, odd event types) is passed through, not thrown on.
  assert.deepEqual(manifestForFrameworks({ schemaVersion: '1.0.0' }), { schemaVersion: '1.0.0' });
  const odd = manifestForFrameworks({ modules: [{ declarations: [{ customElement: true, events: [{ name: 'x' }, { name: 'y', type: { text: 'Event' } }] }] }] });
  assert.deepEqual(odd.modules[0].declarations[0].events, [{ name: 'x' }, { name: 'y', type: { text: 'Event' } }]);
});

test('no framework code reaches what the package ships to browsers: the typings are types only', () => {
  const shipped = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? (entry.name === 'types' ? [] : shipped(`${dir}${entry.name}/`)) : entry.name.endsWith('.js') ? [`${dir}${entry.name}`] : [],
    );
  const files = shipped(`${packageDir}dist/`);
  assert.ok(files.some((file) => file.includes('/browser/')) && files.some((file) => file.endsWith('/element-class.js')), 'run `npm run build` first');
  for (const file of files) {
    const code = readFileSync(file, 'utf8');
    // React 19's element symbol, Vue's ref marker, and any import of a framework package.
    assert.doesNotMatch(code, /react\.transitional\.element|__v_isRef|["'](react|react-dom|vue|preact|solid-js|svelte)(\/[\w/-]*)?["']/, file);
  }
  for (const typings of ['react', 'preact', 'solid', 'vue', 'svelte']) {
    assert.deepEqual(Object.keys(pkg().exports[`./${typings}`]), ['types'], `./${typings} is a types-only export`);
  }
});
