/**
 * Runs with better-sqlite3, ioredis and pg hidden (see optional-drivers.test.ts) and prints what a
 * shop without those drivers gets from the kit, one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const kit = await import('@mesh-pay/backend-kit');
const report: Record<string, unknown> = { rootLoaded: typeof kit.createMeshPay === 'function' };

const memory = await kit.openStore('memory');
report.memory = { kind: memory.kind, marked: await memory.markOnce('s', 'k') };
await memory.close();

const describe = (error: unknown) => {
  const e = error as { name?: string; code?: string; packageName?: string; store?: string; message?: string };
  return {
    isDriverMissing: error instanceof kit.StoreDriverMissingError,
    name: e.name,
    code: e.code,
    packageName: e.packageName,
    store: e.store,
    message: e.message,
  };
};

const temp = mkdtempSync(join(tmpdir(), 'mesh-pay-no-drivers-'));
try {
  await kit.openStore(`sqlite:${join(temp, 'never.db')}`).then(
    () => (report.sqlite = 'opened'),
    (error: unknown) => (report.sqlite = describe(error)),
  );
  await kit.openStore('redis://127.0.0.1:1/0').then(
    () => (report.redis = 'opened'),
    (error: unknown) => (report.redis = describe(error)),
  );
  await kit.openStore('postgres://127.0.0.1:1/never').then(
    () => (report.postgres = 'opened'),
    (error: unknown) => (report.postgres = describe(error)),
  );
  await import('@mesh-pay/backend-kit/sqlite').then(
    () => (report.sqliteSubpath = 'loaded'),
    (error: unknown) => (report.sqliteSubpath = { code: (error as { code?: string }).code }),
  );
} finally {
  rmSync(temp, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(report)}\n`);
