// `node --import ./hide-packages.ts`: installs hide-packages-hooks.mjs before the program loads.
import { register } from 'node:module';

register('./hide-packages-hooks.mjs', import.meta.url);
