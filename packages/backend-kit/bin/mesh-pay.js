#!/usr/bin/env node
// The `mesh-pay` operator CLI. The kit ships TypeScript sources and no build step (apps load it
// with the `source` export condition under tsx), so this launcher registers tsx's ESM loader for
// the imports below and runs src/cli.ts with plain `node`, from the repository or from an
// installed package alike. Plain JS here, so nothing but Node is needed to start it.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
});
