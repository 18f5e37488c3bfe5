import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vite';

/**
 * Builds @mesh-pay/widget twice (run from the repo root):
 * - `vite build` (mode `production`): the script-tag bundle `packages/widget/dist/browser/mesh-pay-button.js`,
 *   self-contained (lit inlined), minified, with the Mesh SDK split into a lazily imported chunk under
 *   `dist/browser/chunks/`. The demo serves `dist/browser/` at its site root.
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

const browser: UserConfig = {
  publicDir: false,
  // The SDK's dependencies expect Node's `global` and `process.env.NODE_ENV`.
  define: { global: 'globalThis', 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir: widget('dist/browser'),
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    sourcemap: true,
    lib: {
      entry: { 'mesh-pay-button': widget('src/mesh-pay-button.ts') },
      formats: ['es'],
    },
    rolldownOptions: {
      // Lib mode leaves ES output unminified by default; the script-tag bundle is for browsers, not bundlers.
      output: { entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', minify: true },
    },
  },
};

export default defineConfig(({ mode }) => (mode === 'npm' ? npm : browser));
