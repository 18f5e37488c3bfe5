// web-test-runner plugin for the framework pages (test/frameworks/*.test.*): React and Vue apps using the
// button the way a merchant's bundler would build them.
// - JSX pages (*.test.tsx, React 19 and Preact; the file's @jsxImportSource picks the runtime): React ships
//   CommonJS only, so each page is bundled by esbuild (the framework and the widget from source in one
//   file, one copy of React), leaving the test tooling and the Mesh SDK to the runner (the SDK plugin
//   serves it at its one URL).
// - Solid (test/frameworks/solid/*.test.tsx): compiled by Solid's own JSX compiler (babel-preset-solid,
//   after esbuild strips the types and keeps the JSX), then bundled like the JSX pages.
// - Svelte 5: components (*.svelte) compiled by svelte/compiler for the client, as Svelte's bundler plugins
//   do; the runtime (`svelte/internal/client`) is plain ESM the runner resolves.
// - Vue: its self-contained ESM browser build, which includes the template compiler, so the pages write
//   real templates (`@mesh-status`, `:userAgent`) compiled with `compilerOptions.isCustomElement`.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transformAsync } from '@babel/core';
import { build, transform } from 'esbuild';
import { compile } from 'svelte/compiler';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const BUNDLED_PAGES = /^\/packages\/widget\/test\/frameworks\/(solid\/)?[\w-]+\.test\.tsx$/;
const SOLID_PAGE = /[\\/]test[\\/]frameworks[\\/]solid[\\/][\w-]+\.test\.tsx$/;

/** esbuild plugin: a Solid page's JSX goes through Solid's compiler (JSX becomes DOM templates and effects). */
const solidJsx = {
  name: 'solid-jsx',
  setup(on) {
    on.onLoad({ filter: SOLID_PAGE }, async ({ path }) => {
      const typeless = await transform(await readFile(path, 'utf8'), { loader: 'tsx', jsx: 'preserve', sourcefile: path });
      const compiled = await transformAsync(typeless.code, { filename: path, babelrc: false, configFile: false, presets: [['babel-preset-solid', { generate: 'dom' }]] });
      return { contents: compiled.code, loader: 'js' };
    });
  },
};
const SVELTE_COMPONENTS = /^\/packages\/widget\/test\/[\w/-]+\.svelte$/;

export function frameworkPagesPlugin() {
  return {
    name: 'mesh-pay-framework-pages',
    resolveImport({ source }) {
      if (source === 'vue') return '/node_modules/vue/dist/vue.esm-browser.js';
      // The runner resolves without the `browser` condition, which picks Svelte's client entry.
      if (source === 'svelte') return '/node_modules/svelte/src/index-client.js';
    },
    async serve(context) {
      if (SVELTE_COMPONENTS.test(context.path)) {
        const filename = fileURLToPath(new URL(`../../..${context.path}`, import.meta.url));
        const { js } = compile(await readFile(filename, 'utf8'), { filename, generate: 'client', dev: true });
        return { body: js.code, type: 'js' };
      }
      if (!BUNDLED_PAGES.test(context.path)) return;
      const result = await build({
        entryPoints: [fileURLToPath(new URL(`../../..${context.path}`, import.meta.url))],
        absWorkingDir: repoRoot,
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        jsx: 'automatic',
        plugins: [solidJsx],
        // `@mesh-pay/widget` resolves to its source, as in the workspace's own typecheck.
        conditions: ['source'],
        external: ['@open-wc/testing', '@web/*', '@meshconnect/web-link-sdk'],
        define: { 'process.env.NODE_ENV': '"development"' },
        sourcemap: 'inline',
        write: false,
        logLevel: 'silent',
      });
      return { body: result.outputFiles[0].text, type: 'js' };
    },
  };
}
