// What a .svelte import is to TypeScript in these tests (svelte-check types the component itself).
declare module '*.svelte' {
  import type { Component } from 'svelte';
  const component: Component<Record<string, unknown>>;
  export default component;
}
