import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const browserDir = fileURLToPath(new URL('../dist/browser/', import.meta.url));
const entry = join(browserDir, 'mesh-pay-button.js');
const BUDGET_BYTES = 12 * 1024;

/** Relative specifiers of static imports (`import … from "./x.js"`, `import "./x.js"`); `import()` is lazy and excluded. */
function staticImports(code: string): string[] {
  const found: string[] = [];
  const re = /(?:^|[;}\s])(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["'`](\.{1,2}\/[^"'`]+)["'`]/g;
  for (const match of code.matchAll(re)) found.push(match[1]!);
  return found;
}

function lazyImports(code: string): string[] {
  return [...code.matchAll(/import\(\s*["'`](\.{1,2}\/[^"'`]+)["'`]\s*\)/g)].map((m) => m[1]!);
}

/** Every file the entry loads before interaction: the entry and, transitively, its static imports. */
function eagerGraph(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const spec of staticImports(readFileSync(file, 'utf8'))) eagerGraph(resolve(dirname(file), spec), seen);
  return seen;
}

test('the script-tag entry loads at most 12 KB gzip before the customer shows intent', () => {
  assert.ok(existsSync(entry), `missing ${entry}: run \`npm run build\` first`);
  const files = [...eagerGraph(entry)];
  let total = 0;
  for (const file of files) {
    const gz = gzipSync(readFileSync(file), { level: 9 }).length;
    total += gz;
    console.log(`  eager  ${file.slice(browserDir.length).padEnd(40)} ${(gz / 1024).toFixed(2)} KB gzip`);
  }
  console.log(`  total  ${(total / 1024).toFixed(2)} KB gzip of ${(BUDGET_BYTES / 1024).toFixed(0)} KB budget`);
  assert.ok(total <= BUDGET_BYTES, `eager script-tag bundle is ${total} B gzip, budget ${BUDGET_BYTES} B`);
});

test('the Mesh SDK is a lazily imported chunk, never part of the eager graph', () => {
  const eager = [...eagerGraph(entry)].map((f) => readFileSync(f, 'utf8'));
  const all = eager.join('\n');
  assert.ok(!all.includes('meshSDKSpecs'), 'SDK code found in an eagerly loaded file');
  const lazy = eager.flatMap(lazyImports);
  assert.ok(lazy.some((spec) => /^\.\/web-link-sdk-[\w-]+\.js$/.test(spec)), `no lazy SDK chunk import in ${lazy.join(', ')}`);
  const sdkChunk = lazy.find((spec) => spec.includes('web-link-sdk'))!;
  const sdkCode = readFileSync(resolve(browserDir, sdkChunk), 'utf8');
  assert.ok(sdkCode.includes('meshSDKSpecs'), 'the lazy chunk is the SDK');
  console.log(`  lazy   ${sdkChunk.padEnd(40)} ${(gzipSync(sdkCode, { level: 9 }).length / 1024).toFixed(2)} KB gzip`);
});

test('the script-tag bundle is self-contained: no bare imports left for a browser to fail on', () => {
  for (const file of eagerGraph(entry)) {
    const code = readFileSync(file, 'utf8');
    const bare = [...code.matchAll(/(?:from|import)\s*\(?\s*["'`]([^"'`./][^"'`]*)["'`]/g)].map((m) => m[1]);
    assert.deepEqual(bare, [], `${file} imports ${bare.join(', ')}`);
  }
});
