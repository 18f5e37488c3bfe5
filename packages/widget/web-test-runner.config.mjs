// Browser tests of <mesh-pay-button>: system Chromium, the REAL Mesh SDK, a fake kit and a fake
// Link page served by this dev server (see test/fake-kit.mjs and test/fake-link.js).
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { createFakeKit } from './test/fake-kit.mjs';
import { frameworkPagesPlugin } from './test/framework-pages.mjs';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
// No file extension on purpose: the test runner marks every path with one as immutable for a year,
// and each test page must fetch the SDK afresh (lazy-load and load-failure stories need real requests).
const SDK_PATH = '/__mesh-sdk__/web-link-sdk';

// The button's lazily loaded half, as the dev server serves it (the entry's `import('./link-flow.js')`).
const LAZY_HALF_PATH = '/packages/widget/src/link-flow.ts';

const kit = createFakeKit({ linkPagePath: '/packages/widget/test/fake-link.html', lazyHalfPath: LAZY_HALF_PATH });

// The same fake kit on a second port: another ORIGIN of the same SITE (like shop.example and
// pay.shop.example), so a kit cookie reaches it only when the button sends credentials. It also
// serves the fake Link page, which its link tokens point at. The page learns its URL from
// GET /kit/second-origin on the test server.
const secondKit = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const file = { '/packages/widget/test/fake-link.html': 'text/html', '/packages/widget/test/fake-link.js': 'text/javascript' }[path];
  if (file) {
    readFile(new URL(`.${path.slice('/packages/widget'.length)}`, import.meta.url)).then((body) => {
      res.writeHead(200, { 'content-type': file });
      res.end(body);
    });
    return;
  }
  kit.handle(req, res).then((handled) => {
    if (!handled) res.writeHead(404).end();
  });
});
const secondOrigin = new Promise((resolve) => secondKit.listen(0, () => resolve(`http://localhost:${secondKit.address().port}`)));
secondKit.unref();

// The SDK's published files are extensionless ESM with CommonJS-era dependencies (solana, comlink):
// bundle it once with esbuild, as the script-tag build does with Vite, and serve it at one URL (the
// lazy-sdk tests look for that URL in Resource Timing to prove it is not fetched before intent).
let sdkBundle;
function meshSdkPlugin() {
  return {
    name: 'mesh-sdk-bundle',
    resolveImport({ source }) {
      if (source === '@meshconnect/web-link-sdk') return SDK_PATH;
    },
    async serve(context) {
      if (context.path !== SDK_PATH) return;
      sdkBundle ??= build({
        entryPoints: ['@meshconnect/web-link-sdk'],
        absWorkingDir: repoRoot,
        bundle: true,
        format: 'esm',
        platform: 'browser',
        write: false,
        logLevel: 'silent',
        define: { global: 'globalThis', 'process.env.NODE_ENV': '"test"' },
      }).then((result) => result.outputFiles[0].text);
      return { body: await sdkBundle, type: 'js' };
    },
  };
}

export default {
  rootDir: repoRoot,
  files: [fileURLToPath(new URL('./src/**/*.test.ts', import.meta.url)), fileURLToPath(new URL('./test/frameworks/**/*.test.{ts,tsx}', import.meta.url))],
  nodeResolve: true,
  concurrency: 1,
  testFramework: { config: { timeout: 10000 } },
  testsFinishTimeout: 120000,
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
        // Classic scrollbars that take room, as on a desktop (headless hides them): the dialog's scroll
        // lock must keep their room so the page does not shift sideways.
        ignoreDefaultArgs: ['--hide-scrollbars'],
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'],
      },
    }),
  ],
  middleware: [
    // The runner caches every path with an extension for a year, and the test files share one browser:
    // the lazy half is revalidated instead (a 304 when unchanged), so a page whose test makes its
    // download fail meets a real request rather than a copy another page left in the cache.
    async function lazyHalfRevalidated(context, next) {
      if (context.path === LAZY_HALF_PATH) {
        const setHeader = context.res.setHeader.bind(context.res);
        context.res.setHeader = (name, value) => setHeader(name, name.toLowerCase() === 'cache-control' ? 'no-cache' : value);
      }
      await next();
    },
    async function secondOriginUrl(context, next) {
      if (context.path !== '/kit/second-origin') return next();
      context.body = { origin: await secondOrigin };
    },
    async function fakeKit(context, next) {
      if (await kit.handle(context.req, context.res)) {
        context.respond = false;
        return;
      }
      await next();
    },
  ],
  plugins: [meshSdkPlugin(), frameworkPagesPlugin(), esbuildPlugin({ ts: true, target: 'es2022', tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) })],
};
