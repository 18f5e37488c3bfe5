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
import { build } from 'esbuild';
import { init, parse } from 'es-module-lexer';
import { NotMeasuredError, type Section } from './report.js';
import { kb, int } from './stats.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const distBrowser = join(root, 'packages/widget/dist/browser');
const entryPath = join(distBrowser, 'mesh-pay-button.js');

const goalGzipBytes = 12 * 1024;
const goalRatio = 9;

/** What the baseline page ships: lit and the SDK, imported up front, the way most integrations start. */
const baselineSource = `
import { createLink } from '@meshconnect/web-link-sdk';
import { LitElement, html } from 'lit';
class EagerPayButton extends LitElement {
  static properties = { linkToken: { attribute: 'link-token' } };
  render() {
    return html\`<button @click=\${() => createLink({ onIntegrationConnected() {} }).openLink(this.linkToken)}>Pay with crypto</button>\`;
  }
}
customElements.define('eager-pay-button', EagerPayButton);
`;

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

/** Files a browser fetches for `entry` before any code runs: the entry and its static imports, transitively. */
export async function staticGraph(entry: string): Promise<{ eager: string[]; lazy: string[] }> {
  await init;
  const eager: string[] = [];
  const lazy = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (eager.includes(file)) continue;
    eager.push(file);
    const source = await readFile(file, 'utf8');
    const [imports] = parse(source);
    for (const spec of imports) {
      // Minifiers write import(`./x.js`): the lexer leaves a template literal's name unset.
      const name = spec.n ?? /^`([^`$]*)`$/.exec(source.slice(spec.s, spec.e).trim())?.[1];
      if (!name || !name.startsWith('.')) continue; // bare or absolute: not part of the bundle
      const target = resolve(dirname(file), name);
      if (spec.d === -1) queue.push(target);
      else if (spec.d >= 0) lazy.add(target); // import(): fetched on interaction
    }
  }
  return { eager, lazy: [...lazy].filter((file) => !eager.includes(file)) };
}

export async function baselineBundle(): Promise<Uint8Array> {
  const result = await build({
    stdin: { contents: baselineSource, resolveDir: root, loader: 'js', sourcefile: 'eager-baseline.js' },
    bundle: true,
    format: 'esm',
    minify: true,
    platform: 'browser',
    target: 'es2022',
    define: { global: 'globalThis', 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild produced no output for the baseline');
  return file.contents;
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
  const baseline = weigh(await baselineBundle());

  const gzRatio = baseline.gzip / eager.gzip;
  const brRatio = baseline.brotli / eager.brotli;
  return {
    id: 'page-weight',
    title: '1. Page weight',
    method: `
Bytes of JavaScript a page downloads before interaction. **Ours:** \`packages/widget/dist/browser/mesh-pay-button.js\`
plus every file it imports statically (found with es-module-lexer, transitively); the SDK chunk it
\`import()\`s on hover/focus/click is listed but not counted. **Baseline:** a minimal pay button written
with lit that imports \`@meshconnect/web-link-sdk\` eagerly (\`createLink\` + \`LitElement\`/\`html\`),
bundled by esbuild (ESM, bundle, minify, \`global\`→\`globalThis\`, es2022), i.e. lit + the whole SDK.
Compression with node:zlib: gzip level 9, brotli quality 11, each file compressed on its own (as served).
The HTML page around either is the same and is not counted.`,
    tables: [
      { caption: 'Our build, file by file', rows },
      {
        caption: 'Before interaction',
        rows: [
          ['page', 'raw bytes', 'gzip', 'brotli'],
          ['<mesh-pay-button> (ours)', int(eager.raw), `${int(eager.gzip)} (${kb(eager.gzip)})`, `${int(eager.brotli)} (${kb(eager.brotli)})`],
          ['eager SDK + lit (baseline)', int(baseline.raw), `${int(baseline.gzip)} (${kb(baseline.gzip)})`, `${int(baseline.brotli)} (${kb(baseline.brotli)})`],
          ['baseline / ours', `${(baseline.raw / eager.raw).toFixed(1)}x`, `${gzRatio.toFixed(1)}x`, `${brRatio.toFixed(1)}x`],
          ['ours after interaction (+ lazy chunks)', int(eager.raw + lazy.raw), int(eager.gzip + lazy.gzip), int(eager.brotli + lazy.brotli)],
        ],
      },
    ],
    goals: [
      { goal: '≤ 12 KB gzip before interaction', figure: `${kb(eager.gzip)} gzip (${int(eager.gzip)} B)`, met: eager.gzip <= goalGzipBytes },
      { goal: '≥ 9x less than the eager SDK page (gzip)', figure: `${gzRatio.toFixed(1)}x less (brotli ${brRatio.toFixed(1)}x)`, met: gzRatio >= goalRatio },
    ],
    notes: graph.lazy.length === 0 ? ['No lazy chunk was found: check that the SDK is still imported with import().'] : [],
  };
}
