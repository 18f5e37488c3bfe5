/**
 * The plugin's build step: copies the widget's flat browser bundle (the entry, its lazy chunks and
 * their integrity list) into wordpress/mesh-pay/assets/, so the plugin ships every byte it loads.
 * Run after the widget build: `npm run build` at the root does both.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../packages/widget/dist/browser/', import.meta.url));
const target = fileURLToPath(new URL('./mesh-pay/assets/', import.meta.url));

if (!existsSync(join(source, 'mesh-pay-button.js'))) {
  console.error(`No widget bundle in ${source}: run \`npm run build\` at the repository root.`);
  process.exit(1);
}
// Stale chunks from an older build must not ship: their names carry old content hashes.
for (const old of existsSync(target) ? readdirSync(target) : []) {
  if (old.endsWith('.js') || old === 'sri.json') rmSync(join(target, old));
}
mkdirSync(target, { recursive: true });
const shipped = readdirSync(source).filter((name) => name.endsWith('.js') || name === 'sri.json');
for (const name of shipped) copyFileSync(join(source, name), join(target, name));
console.log(`wordpress/mesh-pay/assets: ${shipped.join(', ')}`);
