import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transform as transformCss } from 'lightningcss';
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
 * Minifies the CSS inside the widget's `css\`…\`` styles (lightningcss, the minifier vite itself uses):
 * lit ships those templates verbatim, so their indentation would otherwise count against the entry's
 * size budget. Only literals without `${…}` are touched; anything lightningcss cannot parse fails the build.
 */
function minifyLitCss(): Plugin {
  return {
    name: 'mesh-pay-minify-lit-css',
    apply: 'build',
    transform(code, id) {
      if (!/packages\/widget\/src\/[\w-]+\.styles\.ts$/.test(id)) return undefined;
      return code.replace(/\bcss`([^`$]*)`/g, (_, text: string) => {
        const minified = transformCss({ filename: id, code: Buffer.from(text), minify: true }).code.toString();
        return `css\`${minified}\``;
      });
    },
  };
}

const browser: UserConfig = {
  publicDir: false,
  plugins: [subresourceIntegrity(), minifyLitCss()],
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
      // fetch before the button renders. The entry then exports a few more (minified) names.
      preserveEntrySignatures: 'allow-extension',
      // Lib mode leaves ES output unminified by default; the script-tag bundle is for browsers, not bundlers.
      output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', minify: true },
    },
  },
};

export default defineConfig(({ mode }) => (mode === 'npm' ? npm : browser));
