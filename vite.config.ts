import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transform as transformCss } from 'lightningcss';
import MagicString from 'magic-string';
import { defineConfig, type Plugin, type UserConfig } from 'vite';

/**
 * Builds @mesh-pay/widget twice (run from the repo root):
 * - `vite build` (mode `production`): the script-tag bundle `packages/widget/dist/browser/mesh-pay-button.js`,
 *   self-contained (lit inlined), minified, with the Mesh SDK split into a lazily imported chunk next to
 *   it. Flat on purpose: CDNs serve it as is, and some hosts (Shopify theme assets, a WordPress
 *   plugin's folder) allow no subfolders. The demo serves `dist/browser/` at its site root. The build
 *   also writes `sri.json` (the Subresource Integrity hash of every browser file), `snippet.html`
 *   (the pinned, integrity-checked script tag for unpkg and jsDelivr) and `THIRD-PARTY-LICENSES.md`.
 * - `vite build --mode npm`: ESM for bundlers in `packages/widget/dist/*.js`, lit and the SDK external.
 * Type declarations come from `tsc -p packages/widget/tsconfig.build.json`.
 */
const widget = (path: string) => fileURLToPath(new URL(`./packages/widget/${path}`, import.meta.url));

const npm: UserConfig = {
  publicDir: false,
  build: {
    outDir: widget('dist'),
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    sourcemap: true,
    lib: {
      entry: { index: widget('src/index.ts'), 'mesh-pay-button': widget('src/mesh-pay-button.ts'), 'element-class': widget('src/element-class.ts') },
      formats: ['es'],
    },
    rolldownOptions: {
      // Bare imports stay imports: the merchant's bundler dedupes lit and lazy-loads the SDK.
      external: [/^lit($|\/)/, /^@lit\//, /^@meshconnect\//],
      output: { entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
};

const pkg = JSON.parse(readFileSync(widget('package.json'), 'utf8')) as { name: string; version: string };

/** `sha384-…` of a file's exact bytes, as `<script integrity>` wants it. */
const sri = (bytes: string | Uint8Array) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

/**
 * Writes the integrity of each emitted script, so a page loading the bundle from a CDN can pin its
 * bytes (a compromised CDN then serves nothing rather than something else).
 */
function subresourceIntegrity(): Plugin {
  return {
    name: 'mesh-pay-sri',
    apply: 'build',
    // From the written files, not the in-memory bundle: the hash must be of the exact bytes served.
    writeBundle(options, bundle) {
      const dir = options.dir!;
      const hashes: Record<string, string> = {};
      for (const [fileName, output] of Object.entries(bundle).sort(([a], [b]) => a.localeCompare(b))) {
        if (output.type === 'chunk') hashes[fileName] = sri(readFileSync(`${dir}/${fileName}`));
      }
      writeFileSync(`${dir}/sri.json`, `${JSON.stringify(hashes, null, 2)}\n`);
      const tag = (cdn: string) =>
        `<script type="module" src="${cdn}/${pkg.name}@${pkg.version}/dist/browser/mesh-pay-button.js" integrity="${hashes['mesh-pay-button.js']}" crossorigin="anonymous"></script>`;
      writeFileSync(
        `${dir}/snippet.html`,
        [
          `<!-- ${pkg.name}@${pkg.version}: the button from a CDN, pinned to these exact bytes. Use one of the two. -->`,
          tag('https://cdn.jsdelivr.net/npm'),
          tag('https://unpkg.com'),
          '',
        ].join('\n'),
      );
    },
  };
}

/**
 * Minifies the CSS inside the widget's `unsafeCSS(\`…\`)` styles (lightningcss, the minifier vite itself uses):
 * lit ships those templates verbatim, so their indentation would otherwise count against the entry's
 * size budget. Only literals without `${…}` are touched; anything lightningcss cannot parse fails the build.
 */
function minifyLitCss(): Plugin {
  return {
    name: 'mesh-pay-minify-lit-css',
    apply: 'build',
    transform(code, id) {
      if (!/packages\/widget\/src\/[\w-]+\.styles\.ts$/.test(id)) return undefined;
      const out = new MagicString(code);
      for (const literal of code.matchAll(/\bunsafeCSS\(`([^`$]*)`/g)) {
        const minified = transformCss({ filename: id, code: Buffer.from(literal[1]!), minify: true }).code.toString();
        out.overwrite(literal.index, literal.index + literal[0].length, `unsafeCSS(\`${minified}\``);
      }
      return { code: out.toString(), map: out.generateMap({ hires: true, source: id }) };
    },
  };
}

/**
 * Lit's optional integration hooks, which the script-tag bundle's own copy of Lit never meets: the
 * ShadyDOM polyfill's (`lit*PolyfillSupport` and the ShadyCSS check, for browsers without shadow DOM, which an es2022 bundle
 * does not run in), SSR hydration's (`litElementHydrateSupport`: nobody server-renders this copy; a
 * page that does hydrates its own Lit) and the version registries (`lit*Versions`, read only by
 * Lit's development build to warn of two copies on a page). About 150 B gzip of an 8 KB entry.
 * Each pattern must match exactly once, or the build fails: a Lit upgrade that reshapes them is
 * noticed here instead of silently shipping them again (or breaking the bundle).
 */
const LIT_HOOKS: ReadonlyArray<{ file: RegExp; pattern: RegExp; replacement: string }> = [
  // Not a hook: the error `new CSSResult()` throws, which only code holding Lit's private class could
  // meet (this bundle exports no way to it); its long text was 43 B gzip of the entry.
  { file: /@lit\/reactive-element\/css-tag\.js$/, pattern: /"CSSResult is not constructable\. Use `unsafeCSS` or `css` instead\."/, replacement: '"CSSResult: use unsafeCSS"' },
  // (ShadyCSS without native shadow DOM is the polyfill's: with native shadow DOM it says nativeShadow.)
  { file: /@lit\/reactive-element\/css-tag\.js$/, pattern: /\(void 0===\w+\.ShadyCSS\|\|\w+\.ShadyCSS\.nativeShadow\)&&/, replacement: '' },
  { file: /@lit\/reactive-element\/reactive-element\.js$/, pattern: /,(\w+)=\w+\.reactiveElementPolyfillSupport(?=,)/, replacement: '' },
  { file: /@lit\/reactive-element\/reactive-element\.js$/, pattern: /,\w+\?\.\(\{ReactiveElement:\w+\}\),\(\w+\.reactiveElementVersions\?\?=\[\]\)\.push\("[\d.]+"\)(?=;)/, replacement: '' },
  { file: /lit-html\/lit-html\.js$/, pattern: /,(\w+)=\w+\.litHtmlPolyfillSupport;\1\?\.\(\w+,\w+\),\(\w+\.litHtmlVersions\?\?=\[\]\)\.push\("[\d.]+"\);/, replacement: ';' },
  { file: /lit-element\/lit-element\.js$/, pattern: /,\w+\.litElementHydrateSupport\?\.\(\{LitElement:\w+\}\);const (\w+)=\w+\.litElementPolyfillSupport;\1\?\.\(\{LitElement:\w+\}\);/, replacement: ';' },
  { file: /lit-element\/lit-element\.js$/, pattern: /\(\w+\.litElementVersions\?\?=\[\]\)\.push\("[\d.]+"\);/, replacement: '' },
];

function withoutLitHooks(): Plugin {
  const matched = new Map<(typeof LIT_HOOKS)[number], number>(LIT_HOOKS.map((hook) => [hook, 0]));
  return {
    name: 'mesh-pay-without-lit-hooks',
    apply: 'build',
    transform(code, id) {
      const hooks = LIT_HOOKS.filter((hook) => hook.file.test(id));
      if (!hooks.length) return undefined;
      // Cut with magic-string so the source map still points into Lit's own files.
      const out = new MagicString(code);
      for (const hook of hooks) {
        const hits = [...code.matchAll(new RegExp(hook.pattern.source, 'g'))];
        if (hits.length !== 1) this.error(`Lit hook ${hook.pattern} matched ${hits.length} times in ${id}, expected once`);
        const hit = hits[0]!;
        out.overwrite(hit.index, hit.index + hit[0].length, hook.replacement);
        matched.set(hook, 1);
      }
      return { code: out.toString(), map: out.generateMap({ hires: true, source: id }) };
    },
    buildEnd(error) {
      if (error) return;
      const missed = LIT_HOOKS.filter((hook) => !matched.get(hook));
      if (missed.length) this.error(`Lit hooks not found (did Lit's files move?): ${missed.map((hook) => hook.pattern).join(', ')}`);
    },
  };
}

/**
 * The lazily loaded half uses the entry's module (its Lit, its languages, the element's class)
 * instead of a copy, so it imports it, and a static `import … from "./mesh-pay-button.js"` would name
 * the entry without the query string the page may have loaded it with: `?ver=` (WordPress),
 * `?v=<timestamp>` (Shopify's asset_url), a cache-buster. To the browser that is another module: a
 * second download and evaluation of the whole entry, whose state (the English the lazy half adds)
 * the button on the page never sees. So the entry passes its own query to the lazy half's URL, and
 * the lazy half imports the entry by that exact URL, the page's own module. ~20 B gzip of the entry;
 * no extra request, and none before the button renders. Both rewrites must happen, or the build fails.
 */
function lazyHalfSharesTheEntry(entryFile: string): Plugin {
  const entrySpec = `./${entryFile}`;
  const ownQuery = 'new URL(import.meta.url).search';
  let rewritten = { entry: 0, lazy: 0 };
  return {
    name: 'mesh-pay-lazy-half-shares-the-entry',
    apply: 'build',
    buildStart() {
      rewritten = { entry: 0, lazy: 0 };
    },
    renderChunk(code, chunk) {
      const out = new MagicString(code);
      if (chunk.fileName === entryFile) {
        // import("./link-flow-….js") → import("./link-flow-….js" + <the entry's own query>)
        for (const m of code.matchAll(/\bimport\((["'])(\.\/link-flow-[^"']+\.js)\1\)/g)) {
          out.overwrite(m.index, m.index + m[0].length, `import(${m[1]}${m[2]}${m[1]} + ${ownQuery})`);
          rewritten.entry += 1;
        }
      } else {
        // import { a as b, c } from "./mesh-pay-button.js"; → const { a: b, c } = await import("./mesh-pay-button.js" + <own query>);
        const spec = entrySpec.replace(/[.]/g, '\\.');
        for (const m of code.matchAll(new RegExp(`\\bimport\\s*\\{([^}]*)\\}\\s*from\\s*(["'])${spec}\\2;?`, 'g'))) {
          const bindings = m[1]!
            .split(',')
            .map((name) => name.trim())
            .filter(Boolean)
            .map((name) => name.replace(/\s+as\s+/, ': '));
          out.overwrite(m.index, m.index + m[0].length, `const { ${bindings.join(', ')} } = await import(${m[2]}${entrySpec}${m[2]} + ${ownQuery});`);
          rewritten.lazy += 1;
        }
        if (new RegExp(`from\\s*["']${spec}["']|import\\s*["']${spec}["']`).test(out.toString())) {
          this.error(`${chunk.fileName} still imports ${entrySpec} in a form this plugin does not rewrite`);
        }
      }
      return out.hasChanged() ? { code: out.toString(), map: out.generateMap({ hires: true }) } : null;
    },
    generateBundle() {
      if (rewritten.entry !== 1 || rewritten.lazy < 1) this.error(`expected the entry's one import of the lazy half and the lazy half's import of the entry, rewrote ${JSON.stringify(rewritten)}`);
    },
  };
}

/** Built-in languages, one lazily loaded chunk each (`src/locales/<lang>.ts`). */
const LOCALE_CHUNK = /^(de|es|fr|it|ja|pt|zh)$/;

const browser: UserConfig = {
  publicDir: false,
  plugins: [subresourceIntegrity(), minifyLitCss(), withoutLitHooks(), lazyHalfSharesTheEntry('mesh-pay-button.js')],
  // The SDK's dependencies expect Node's `global` and `process.env.NODE_ENV`.
  define: { global: 'globalThis', 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir: widget('dist/browser'),
    emptyOutDir: true,
    // The bundle inlines lit and the Mesh SDK (and their dependencies) with their comments stripped;
    // their licenses travel next to it instead, to CDNs and into the WordPress plugin.
    license: { fileName: 'THIRD-PARTY-LICENSES.md' },
    target: 'es2022',
    minify: true,
    sourcemap: true,
    lib: {
      entry: { 'mesh-pay-button': widget('src/mesh-pay-button.ts') },
      formats: ['es'],
    },
    rolldownOptions: {
      // The lazily loaded half imports what the entry already holds (lit, the saved-payment reader,
      // the locales) FROM the entry, instead of both importing a shared chunk the page would have to
      // fetch before the button renders (see lazyHalfSharesTheEntry for how it names the entry). The
      // entry then exports a few more (minified) names.
      preserveEntrySignatures: 'allow-extension',
      // Lib mode leaves ES output unminified by default; the script-tag bundle is for browsers, not bundlers.
      // No comments either: the `/* @__PURE__ */` annotations lit's code keeps are for a bundler that
      // never sees these files (13 of them were ~1% of the entry's gzip budget).
      output: {
        entryFileNames: '[name].js',
        // A language's chunk is named by the release, not by a content hash: the entry names all seven,
        // and seven random hashes were ~60 B gzip of its budget, where one repeated version string
        // compresses to almost nothing. It still changes with every release, so no cache serves an
        // old language to a new entry.
        chunkFileNames: (chunk) => (LOCALE_CHUNK.test(chunk.name) ? `locale-[name]-${pkg.version}.js` : '[name]-[hash].js'),
        minify: true,
        comments: false,
      },
    },
  },
};

export default defineConfig(({ mode }) => (mode === 'npm' ? npm : browser));
