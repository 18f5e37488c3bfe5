/**
 * 1. Page weight: the JavaScript a shop page downloads before anyone interacts with
 * `<mesh-pay-button>` (the built entry and its static imports, not the lazily imported SDK chunk),
 * against a page that imports `@meshconnect/web-link-sdk` eagerly, as the SDK's own README does.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build as esbuild } from 'esbuild';
import { build as vite } from 'vite';
import { init, parse } from 'es-module-lexer';
import { NotMeasuredError, type Section } from './report.js';
import { kb, int } from './stats.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const distBrowser = join(root, 'packages/widget/dist/browser');
const entryPath = join(distBrowser, 'mesh-pay-button.js');

const goalGzipBytes = 8 * 1024;
const goalRatio = 9;

/** The baseline page's script: lit and the SDK, imported up front, the way most integrations start. */
const baselineEntry = fileURLToPath(new URL('./eager-baseline.js', import.meta.url));
/** The SDK's dependencies expect Node's `global` and `process.env.NODE_ENV`; the widget's build defines the same. */
const define = { global: 'globalThis', 'process.env.NODE_ENV': '"production"' };

interface Weight {
  raw: number;
  gzip: number;
  brotli: number;
}

function weigh(code: Uint8Array | string): Weight {
  const bytes = typeof code === 'string' ? Buffer.from(code) : Buffer.from(code);
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  };
}

function add(a: Weight, b: Weight): Weight {
  return { raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli };
}

/**
 * Files a browser fetches for `entry` before any code runs (the entry and its static imports,
 * transitively), and the files fetched later with `import()`: from those, or from a lazily loaded
 * file in turn (the button's lazy half imports the SDK), with their own static imports.
 */
export async function staticGraph(entry: string): Promise<{ eager: string[]; lazy: string[] }> {
  await init;
  const eager: string[] = [];
  const lazy: string[] = [];
  const queue: { file: string; onLoad: boolean }[] = [{ file: entry, onLoad: true }];
  while (queue.length > 0) {
    const { file, onLoad } = queue.shift()!;
    if (eager.includes(file) || (!onLoad && lazy.includes(file))) continue;
    (onLoad ? eager : lazy).push(file);
    const source = await readFile(file, 'utf8');
    const [imports] = parse(source);
    for (const spec of imports) {
      // Minifiers write import(`./x.js`): the lexer leaves a template literal's name unset. The lazy
      // half's URL carries the entry's own query: import(`./link-flow-….js`+new URL(import.meta.url).search).
      const name = spec.n ?? /^`([^`$]*)`\s*(?:\+|$)/.exec(source.slice(spec.s, spec.e).trim())?.[1];
      if (!name || !name.startsWith('.')) continue; // bare or absolute: not part of the bundle
      const target = resolve(dirname(file), name);
      if (spec.d === -1) queue.push({ file: target, onLoad });
      else if (spec.d >= 0) queue.push({ file: target, onLoad: false }); // import(): fetched on interaction
    }
  }
  return { eager, lazy: lazy.filter((file) => !eager.includes(file)) };
}

/** The baseline bundled by esbuild: ESM, bundle, minify. */
export async function esbuildBaseline(): Promise<Uint8Array> {
  const result = await esbuild({
    entryPoints: [baselineEntry],
    bundle: true,
    format: 'esm',
    minify: true,
    platform: 'browser',
    target: 'es2022',
    define,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild produced no output for the baseline');
  return file.contents;
}

/** The baseline bundled by the toolchain that builds our widget (vite 8 / rolldown, same options). */
export async function viteBaseline(): Promise<string> {
  const output = await vite({
    configFile: false,
    logLevel: 'silent',
    root,
    publicDir: false,
    define,
    build: {
      write: false,
      target: 'es2022',
      minify: true,
      lib: { entry: baselineEntry, formats: ['es'], fileName: 'eager-baseline' },
      rolldownOptions: { output: { minify: true } },
    },
  });
  const chunks = (Array.isArray(output) ? output : [output]).flatMap((o) => ('output' in o ? o.output : []));
  const code = chunks.map((chunk) => ('code' in chunk ? chunk.code : '')).join('');
  if (!code) throw new Error('vite produced no output for the baseline');
  return code;
}

export async function measure(): Promise<Section> {
  if (!existsSync(entryPath)) {
    throw new NotMeasuredError(`${relative(root, entryPath)} is missing: the widget's browser build has not landed or failed`);
  }
  const graph = await staticGraph(entryPath);
  let eager: Weight = { raw: 0, gzip: 0, brotli: 0 };
  const rows: string[][] = [['file', 'loaded', 'raw bytes', 'gzip bytes', 'brotli bytes']];
  for (const file of graph.eager) {
    const w = weigh(await readFile(file));
    eager = add(eager, w);
    rows.push([relative(root, file), 'on page load', int(w.raw), int(w.gzip), int(w.brotli)]);
  }
  let lazy: Weight = { raw: 0, gzip: 0, brotli: 0 };
  for (const file of graph.lazy) {
    const w = weigh(await readFile(file));
    lazy = add(lazy, w);
    rows.push([relative(root, file), 'on interaction (import())', int(w.raw), int(w.gzip), int(w.brotli)]);
  }
  const baselines = [
    { name: 'eager SDK + lit, bundled by esbuild (baseline)', short: 'eager SDK + lit (esbuild)', weight: weigh(await esbuildBaseline()) },
    { name: 'eager SDK + lit, bundled by vite 8 as ours is (baseline)', short: 'eager SDK + lit (vite 8, as ours)', weight: weigh(await viteBaseline()) },
  ];
  const times = (w: Weight) => ({ raw: w.raw / eager.raw, gzip: w.gzip / eager.gzip, brotli: w.brotli / eager.brotli });
  const cell = (bytes: number) => `${int(bytes)} (${kb(bytes)})`;

  return {
    id: 'page-weight',
    title: '1. Page weight',
    method: `
Bytes of JavaScript a page downloads before interaction. **Ours:** \`packages/widget/dist/browser/mesh-pay-button.js\`
plus every file it imports statically (found with es-module-lexer, transitively); the chunks it
\`import()\`s on hover/focus/click (the SDK) are listed but not counted. **Baseline:** the same page with a
minimal lit pay button that imports \`@meshconnect/web-link-sdk\` eagerly (test/bench/eager-baseline.js:
\`createLink\` + \`LitElement\`/\`html\`), i.e. lit + the whole SDK, bundled twice: by esbuild (ESM, bundle,
minify, \`global\`→\`globalThis\`, \`process.env.NODE_ENV\`→\`"production"\`, es2022) and by vite 8 with the
options our own build uses. The bundlers differ by about 15% on the SDK, so both are shown and the ratio goal
is checked against each. Compression with node:zlib: gzip level 9, brotli quality 11, each file compressed
on its own (as served). The HTML page around either is the same and is not counted.`,
    tables: [
      { caption: 'Our build, file by file', rows },
      {
        caption: 'Before interaction',
        rows: [
          ['page', 'raw bytes', 'gzip', 'brotli', 'baseline / ours (gzip)', '(brotli)'],
          ['<mesh-pay-button> (ours)', int(eager.raw), cell(eager.gzip), cell(eager.brotli), '', ''],
          ...baselines.map(({ name, weight }) => [
            name,
            int(weight.raw),
            cell(weight.gzip),
            cell(weight.brotli),
            `${times(weight).gzip.toFixed(1)}x`,
            `${times(weight).brotli.toFixed(1)}x`,
          ]),
          ['ours after interaction (+ lazy chunks)', int(eager.raw + lazy.raw), cell(eager.gzip + lazy.gzip), cell(eager.brotli + lazy.brotli), '', ''],
        ],
      },
    ],
    goals: [
      { goal: '≤ 8 KB gzip before interaction', figure: `${kb(eager.gzip)} gzip (${int(eager.gzip)} B)`, met: eager.gzip <= goalGzipBytes },
      ...baselines.map(({ short, weight }) => ({
        goal: `≥ 9x less than ${short}, gzip`,
        figure: `${times(weight).gzip.toFixed(2)}x less (brotli ${times(weight).brotli.toFixed(2)}x)`,
        met: times(weight).gzip >= goalRatio,
      })),
    ],
    notes: graph.lazy.length === 0 ? ['No lazy chunk was found: check that the SDK is still imported with import().'] : [],
  };
}
