// A `cem analyze` plugin: typed JSX and templates for React 19, Preact, Solid, Vue 3 and Svelte, generated
// from the same manifest as custom-elements.json by break-stuff's maintained cem-tools generators, so the
// framework types follow every attribute, property and event the element's JSDoc declares.
// Output: dist/types/*.d.ts, exported as @mesh-pay/widget/react, /preact, /solid, /vue and /svelte.
// Vue is typed from the JSX generator's props: custom-element-vuejs-integration names the events
// "onmesh-status", which vue-tsc never matches against `@mesh-status` (it looks for `onMeshStatus`).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateJsxTypes } from 'custom-element-jsx-integration';
import { generateSolidJsTypes } from 'custom-element-solidjs-integration';
import { generateSvelteTypes } from 'custom-element-svelte-integration';

/**
 * The manifest as the generators expect it, leaving custom-elements.json itself untouched:
 * - an event's `type` is its DETAIL type (they write `CustomEvent<type>`), while the manifest schema,
 *   and our JSDoc, give the event object's type `CustomEvent<Detail>`;
 * - `status` is left out: it is read-only (a page writing it is put back), so no framework should offer it.
 */
export function manifestForFrameworks(manifest) {
  const copy = structuredClone(manifest);
  for (const mod of copy.modules ?? []) {
    for (const declaration of mod.declarations ?? []) {
      if (!declaration.customElement) continue;
      for (const event of declaration.events ?? []) {
        const detail = /^CustomEvent<(.+)>$/.exec(event.type?.text ?? '')?.[1];
        if (detail) event.type = { text: detail };
      }
      declaration.attributes = (declaration.attributes ?? []).filter((attr) => attr.fieldName !== 'status');
      declaration.members = (declaration.members ?? []).filter((member) => member.name !== 'status');
    }
  }
  return copy;
}

// The per-framework entry files: each augments that framework's own element table with the generated types.
const ENTRIES = {
  'react.d.ts': `// React 19 sets properties and listens to custom events on custom elements: <mesh-pay-button onmesh-status={…}>.
import type { HTMLAttributes, RefAttributes } from 'react';
import type { MeshPayButton } from '../index.js';
import type { CustomElements } from './jsx-elements.js';
export type { CustomElements, MeshPayButtonProps, ScopedElements } from './jsx-elements.js';

/** Everything React accepts on <mesh-pay-button>: the generated attributes, properties and \`onmesh-*\` events, React's own props, and a typed ref. */
export type MeshPayButtonReactProps = CustomElements['mesh-pay-button'] &
  Omit<HTMLAttributes<MeshPayButton>, keyof CustomElements['mesh-pay-button']> &
  RefAttributes<MeshPayButton>;

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'mesh-pay-button': MeshPayButtonReactProps;
    }
  }
}
`,
  'preact.d.ts': `// Preact sets properties and listens to custom events on custom elements: <mesh-pay-button onmesh-status={…}>.
import type { CustomElements } from './jsx-elements.js';
export type { CustomElements, MeshPayButtonProps, ScopedElements } from './jsx-elements.js';

declare module 'preact' {
  namespace JSX {
    interface IntrinsicElements extends CustomElements {}
  }
}
`,
  'solid.d.ts': `// Solid: attributes as attributes, \`prop:userAgent\`, \`on:mesh-status={…}\` for the custom events.
import type { CustomElements } from './solid-elements.js';
export type { CustomElements, ScopedElements } from './solid-elements.js';

declare module 'solid-js' {
  namespace JSX {
    interface IntrinsicElements extends CustomElements {}
  }
}
`,
  'vue.d.ts': `// Vue 3 templates (checked by vue-tsc / Volar): <mesh-pay-button token-url="…" @mesh-status="…">.
// Tell Vue's compiler the tag is a custom element: compilerOptions.isCustomElement = (tag) => tag === 'mesh-pay-button'.
import type { DefineComponent } from 'vue';
import type { MeshPayButtonProps } from './jsx-elements.js';

/** 'mesh-status' → 'MeshStatus', as Vue's compiler names the prop for \`@mesh-status\` (onMeshStatus). */
type Pascal<Name extends string> = Name extends \`\${infer Head}-\${infer Tail}\` ? \`\${Capitalize<Head>}\${Pascal<Tail>}\` : Capitalize<Name>;

/**
 * The generated props under the names Vue's template checker looks up: \`token-url\` as \`tokenUrl\` (it
 * camelizes attributes), each \`on<event>\` as \`onPascalEvent\` (\`@mesh-status\` → \`onMeshStatus\`).
 */
export type MeshPayButtonVueProps = {
  [Key in keyof MeshPayButtonProps as Key extends \`on\${infer Event}\` ? \`on\${Pascal<Event>}\` : Uncapitalize<Pascal<Key & string>>]: MeshPayButtonProps[Key];
};

declare module 'vue' {
  interface GlobalComponents {
    'mesh-pay-button': DefineComponent<MeshPayButtonVueProps>;
  }
}
`,
  'svelte.d.ts': `// Svelte: the generated Svelte 4 forms (\`on:mesh-status\`, \`bind:userAgent\`) and Svelte 5's (\`onmesh-status\`, \`userAgent\`).
import type { HTMLAttributes } from 'svelte/elements';
import type { MeshPayButton } from '../index.js';
import type { MeshPayButtonProps } from './jsx-elements.js';
import type { CustomElements } from './svelte-elements.js';
export type { CustomElements } from './svelte-elements.js';

/**
 * Svelte 5 sets a prop the element has as a property and takes \`on<event>\` attributes as listeners: the
 * JSX generator's \`onmesh-status\` and \`userAgent\` keys, where the Svelte generator has \`on:\`/\`bind:\` forms.
 */
type Svelte5Props = Omit<MeshPayButtonProps, keyof CustomElements['mesh-pay-button']>;

/** Everything Svelte accepts on <mesh-pay-button>. */
export type MeshPayButtonSvelteProps = CustomElements['mesh-pay-button'] &
  Svelte5Props &
  Omit<HTMLAttributes<MeshPayButton>, keyof CustomElements['mesh-pay-button'] | keyof Svelte5Props>;

declare module 'svelte/elements' {
  interface SvelteHTMLElements {
    'mesh-pay-button': MeshPayButtonSvelteProps;
  }
}
`,
};

// The Svelte generator's base props name React's global `JSX.Element` and `JSX.CSSProperties`, which a
// Svelte project does not have (an error wherever libraries are type-checked, `skipLibCheck: false`).
// Declared in that module, the names resolve there and nowhere else: Svelte's own meanings.
const SVELTE_JSX_NAMES = `
declare namespace JSX {
  /** Children of an element are markup, a snippet to Svelte. */
  type Element = import('svelte').Snippet;
  /** \`style\` is a string attribute in Svelte. */
  type CSSProperties = string;
}
`;

/** The plugin; `outdir` is relative to the package (cem runs there). */
export function frameworkTypesPlugin({ outdir = 'dist/types' } = {}) {
  return {
    name: 'mesh-pay-framework-types',
    packageLinkPhase({ customElementsManifest }) {
      // Paths in the generated imports are relative to outdir: the package's own index.d.ts.
      const common = { outdir, globalTypePath: '../index.js', hideLogs: true };
      // A fresh copy each: some generators annotate the manifest they are given.
      generateJsxTypes(manifestForFrameworks(customElementsManifest), { ...common, fileName: 'jsx-elements.d.ts' });
      generateSolidJsTypes(manifestForFrameworks(customElementsManifest), { ...common, fileName: 'solid-elements.d.ts' });
      generateSvelteTypes(manifestForFrameworks(customElementsManifest), { ...common, fileName: 'svelte-elements.d.ts' });
      appendFileSync(join(outdir, 'svelte-elements.d.ts'), SVELTE_JSX_NAMES);
      mkdirSync(outdir, { recursive: true });
      for (const [fileName, text] of Object.entries(ENTRIES)) writeFileSync(join(outdir, fileName), text);
    },
  };
}
