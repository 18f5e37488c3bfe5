// svelte-check reads this (otherwise it looks for a Svelte plugin in the repo's vite.config.ts).
export default {};
