/**
 * What a merchant who loads the button from a CDN (or a theme's flat asset folder) relies on: one
 * folder of files, each pinned by the integrity hash the build wrote, and package fields that point
 * unpkg, jsDelivr and `exports`-aware CDNs at the script-tag bundle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('../', import.meta.url));
const browserDir = join(packageDir, 'dist/browser');
const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  unpkg: string;
  jsdelivr: string;
  exports: Record<string, unknown>;
};

const sha384 = (file: string) => `sha384-${createHash('sha384').update(readFileSync(join(browserDir, file))).digest('base64')}`;

test('the browser build is one flat folder, loadable where subfolders are not allowed', () => {
  assert.ok(existsSync(join(browserDir, 'mesh-pay-button.js')), 'run `npm run build` first');
  const entries = readdirSync(browserDir);
  for (const name of entries) assert.ok(statSync(join(browserDir, name)).isFile(), `${name} is a folder`);
  for (const name of entries.filter((n) => n.endsWith('.js'))) {
    const code = readFileSync(join(browserDir, name), 'utf8');
    const relative = [...code.matchAll(/["'`](\.{1,2}\/[^"'`]+\.js)["'`]/g)].map((m) => m[1]!);
    for (const spec of relative) assert.match(spec, /^\.\/[^/]+\.js$/, `${name} imports ${spec} outside its own folder`);
  }
});

test('every file a release ships changes name with the release, so no cache serves an old chunk to a new entry', () => {
  const entry = readFileSync(join(browserDir, 'mesh-pay-button.js'), 'utf8');
  const chunks = [...entry.matchAll(/import\(\s*["'`]\.\/([^"'`]+\.js)["'`]\s*(?:\)|\+)/g)].map((m) => m[1]!);
  const languages = chunks.filter((name) => name.startsWith('locale-'));
  assert.deepEqual(
    languages.sort(),
    ['de', 'es', 'fr', 'it', 'ja', 'pt', 'zh'].map((lang) => `locale-${lang}-${pkg.version}.js`),
    'each built-in language is its own chunk, named by the release',
  );
  // The rest (the lazy half, the SDK) keep a content hash.
  for (const name of chunks.filter((n) => !n.startsWith('locale-'))) assert.match(name, /-[\w-]{8}\.js$/, name);
  for (const name of chunks) assert.ok(existsSync(join(browserDir, name)), `${name} is imported but not built`);
});

test('the bundle carries none of Lit\'s hooks for polyfills, SSR hydration or version registries', () => {
  const entry = readFileSync(join(browserDir, 'mesh-pay-button.js'), 'utf8');
  for (const hook of ['PolyfillSupport', 'HydrateSupport', 'Versions', 'ShadyCSS']) assert.ok(!entry.includes(hook), `${hook} is still in the entry`);
});

test('sri.json holds the integrity of every script, matching the bytes on disk', () => {
  const sri = JSON.parse(readFileSync(join(browserDir, 'sri.json'), 'utf8')) as Record<string, string>;
  const scripts = readdirSync(browserDir).filter((n) => n.endsWith('.js')).sort();
  assert.deepEqual(Object.keys(sri).sort(), scripts);
  for (const file of scripts) assert.equal(sri[file], sha384(file), file);
});

test('snippet.html is the pinned-version script tag with the entry’s integrity', () => {
  const snippet = readFileSync(join(browserDir, 'snippet.html'), 'utf8');
  const tags = [...snippet.matchAll(/<script [^>]+><\/script>/g)].map((m) => m[0]);
  assert.equal(tags.length, 2);
  for (const tag of tags) {
    assert.match(tag, /type="module"/);
    assert.match(tag, /crossorigin="anonymous"/);
    assert.ok(tag.includes(`${pkg.name}@${pkg.version}/dist/browser/mesh-pay-button.js"`), tag);
    assert.ok(tag.includes(`integrity="${sha384('mesh-pay-button.js')}"`), tag);
  }
});

test('unpkg, jsDelivr and the exports map resolve to the script-tag bundle', () => {
  for (const field of [pkg.unpkg, pkg.jsdelivr]) assert.ok(existsSync(join(packageDir, field)), field);
  const browserEntry = import.meta.resolve('@mesh-pay/widget/browser');
  assert.equal(fileURLToPath(browserEntry), join(browserDir, 'mesh-pay-button.js'));
  const sri = import.meta.resolve('@mesh-pay/widget/browser/sri.json');
  assert.ok(existsSync(fileURLToPath(sri)));
  assert.ok(existsSync(fileURLToPath(import.meta.resolve('@mesh-pay/widget/dist/browser/mesh-pay-button.js'))));
});

test('the licenses of what the bundle inlines travel with it', () => {
  const licenses = readFileSync(join(browserDir, 'THIRD-PARTY-LICENSES.md'), 'utf8');
  for (const dependency of ['lit-html', '@lit/reactive-element', '@meshconnect/web-link-sdk']) {
    assert.ok(licenses.includes(dependency), `${dependency} is missing from THIRD-PARTY-LICENSES.md`);
  }
});
