// `cem analyze` config: the manifest IDEs and docs tools read (custom-elements.json), and the framework types.
import { frameworkTypesPlugin } from './framework-types.mjs';

export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts'],
  litelement: true,
  plugins: [
    {
      // The analyzer cannot follow two dynamic spots: `define(tagName)` (it reports a definition named
      // "tagName") and the generic `#emit(type, …)` (an event named "type"). State the truth instead.
      name: 'mesh-pay-tidy',
      packageLinkPhase({ customElementsManifest }) {
        for (const mod of customElementsManifest.modules) {
          for (const declaration of mod.declarations ?? []) {
            if (declaration.events) declaration.events = declaration.events.filter((event) => event.name !== 'type');
          }
          if (mod.path === 'src/mesh-pay-button.ts') {
            mod.exports = (mod.exports ?? []).filter((entry) => entry.kind !== 'custom-element-definition');
            mod.exports.push({
              kind: 'custom-element-definition',
              name: 'mesh-pay-button',
              declaration: { name: 'MeshPayButton', module: 'src/mesh-pay-button.component.ts' },
            });
          }
        }
      },
    },
    // After the tidy-up above: typed JSX/templates for React, Preact, Solid, Vue and Svelte (dist/types).
    frameworkTypesPlugin(),
  ],
};
