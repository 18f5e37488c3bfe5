/**
 * A shop on the memory store installs neither better-sqlite3 (a native addon), ioredis nor pg: the
 * kit's root never imports them, and a spec that needs one says which package to install.
 * Proven in a child process where those packages cannot be resolved, as on such a shop's server.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

const run = promisify(execFile);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

async function withoutDrivers(): Promise<Record<string, any>> {
  const { stdout } = await run(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', '--import', here('./hide-packages.ts'), here('./without-drivers-child.ts')],
    { env: { ...process.env, MESH_PAY_HIDE_PACKAGES: 'better-sqlite3,ioredis,pg' }, timeout: 60_000 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

describe('a shop without the optional store drivers', () => {
  it('loads the kit and runs the memory store; sqlite, redis and postgres specs name the package to install', async () => {
    const report = await withoutDrivers();
    assert.equal(report.rootLoaded, true);
    assert.deepEqual(report.memory, { kind: 'memory', marked: true });

    for (const [store, packageName] of [['sqlite', 'better-sqlite3'], ['redis', 'ioredis'], ['postgres', 'pg']] as const) {
      const failure = report[store];
      assert.equal(failure.isDriverMissing, true, `${store}: ${JSON.stringify(failure)}`);
      assert.equal(failure.code, 'MESH_PAY_STORE_DRIVER_MISSING');
      assert.equal(failure.packageName, packageName);
      assert.equal(failure.store, store);
      assert.match(failure.message, new RegExp(`npm install ${packageName}`));
    }
    // The hook really hides the driver: importing the subpath directly fails as Node would.
    assert.deepEqual(report.sqliteSubpath, { code: 'ERR_MODULE_NOT_FOUND' });
  });
});
