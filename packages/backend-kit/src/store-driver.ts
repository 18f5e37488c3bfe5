/**
 * The durable stores' drivers (better-sqlite3, ioredis, pg) are optional peer dependencies: a shop
 * on the memory store installs no native addon and no database client. `openStore` loads a store's
 * module only when its spec asks for it, and a missing driver becomes this error instead of a bare
 * ERR_MODULE_NOT_FOUND from deep inside an import.
 */

/** Thrown by `openStore` when the store a spec names needs a driver package that is not installed. */
export class StoreDriverMissingError extends Error {
  readonly code = 'MESH_PAY_STORE_DRIVER_MISSING';
  constructor(
    /** The npm package to install, e.g. `better-sqlite3`. */
    readonly packageName: string,
    /** The store that needs it, e.g. `sqlite`. */
    readonly store: string,
    options?: { cause?: unknown },
  ) {
    super(
      `The ${store} store needs the "${packageName}" package, which is not installed. ` +
        `Install it next to @mesh-pay/backend-kit: npm install ${packageName}`,
      options,
    );
    this.name = 'StoreDriverMissingError';
  }
}

/** Whether `error` is Node failing to find `packageName` itself (not something it imports). */
function isMissing(error: unknown, packageName: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return typeof message === 'string' && (message.includes(`'${packageName}'`) || message.includes(`"${packageName}"`));
}

/**
 * Imports a store module whose driver is `packageName`; a missing driver rejects with
 * {@link StoreDriverMissingError}, any other failure as it is.
 */
export async function loadStoreModule<T>(store: string, packageName: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissing(error, packageName)) throw new StoreDriverMissingError(packageName, store, { cause: error });
    throw error;
  }
}
