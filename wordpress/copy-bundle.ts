/**
 * The plugin's build step: copies the widget's flat browser bundle (the entry, its lazy chunks, their
 * integrity list and third-party licenses) into wordpress/mesh-pay/assets/, so the plugin ships every byte it loads.
 * Run after the widget build: `npm run build` at the root does both.
 *
 * The scripts go to assets/<plugin version>/: WordPress cannot put `?ver=` on the entry (its chunks
 * import it by its bare URL; includes/button-script.php says why), so the release is in the path
 * instead, and no browser or CDN cache can pair an old entry with the new release's chunks.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../packages/widget/dist/browser/', import.meta.url));
const plugin = fileURLToPath(new URL('./mesh-pay/', import.meta.url));
/** Besides the scripts: their integrity list, next to them. */
const isShippedWithScripts = (name: string): boolean => name.endsWith('.js') || name === 'sri.json';
/** The licenses of the code bundled into them, at a path that stays put across releases. */
const LICENSES = 'THIRD-PARTY-LICENSES.md';

if (!existsSync(join(source, 'mesh-pay-button.js'))) {
  console.error(`No widget bundle in ${source}: run \`npm run build\` at the repository root.`);
  process.exit(1);
}
const version = /define\(\s*'MESH_PAY_VERSION',\s*'([0-9A-Za-z.+-]+)'\s*\)/.exec(readFileSync(join(plugin, 'mesh-pay.php'), 'utf8'))?.[1];
if (!version) {
  console.error(`No MESH_PAY_VERSION in ${join(plugin, 'mesh-pay.php')}.`);
  process.exit(1);
}
// assets/ is generated whole (git ignores it): an older release's folder or stale chunks must not ship.
const assets = join(plugin, 'assets');
rmSync(assets, { recursive: true, force: true });
mkdirSync(join(assets, version), { recursive: true });
const scripts = readdirSync(source).filter(isShippedWithScripts);
for (const name of scripts) copyFileSync(join(source, name), join(assets, version, name));
if (existsSync(join(source, LICENSES))) copyFileSync(join(source, LICENSES), join(assets, LICENSES));
console.log(`wordpress/mesh-pay/assets: ${LICENSES}; ${version}/: ${scripts.join(', ')}`);
