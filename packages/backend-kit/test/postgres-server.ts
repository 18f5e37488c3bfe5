/**
 * Starts a real PostgreSQL for tests: `initdb` of a private cluster in a temp dir, run as the
 * `postgres` user when we are root (PostgreSQL refuses to run as root), on a free port, with its
 * unix socket in the temp dir. `kill9()` kills the postmaster and every backend at once, as a crash
 * of the machine's PostgreSQL would; `restart()` recovers from the WAL like a real restart.
 *
 * The binaries come from `$POSTGRES_BIN` (a `bin` directory), else the newest
 * /usr/lib/postgresql/<version>/bin, else PATH. If they are missing this throws: the tests must
 * fail loudly, never skip (CI installs Debian's `postgresql`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './redis-server.js';

export interface PostgresServerOptions {
  /** Directory holding `initdb` and `postgres`. Default: `$POSTGRES_BIN`, else found (see above). */
  binDir?: string;
  /** Extra `-c name=value` settings, e.g. `['max_connections=300']`. */
  settings?: string[];
  /** How long to wait for the server to accept connections. Default 30 s. */
  startTimeoutMs?: number;
}

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth, a private cluster). */
  url: string;
  port: number;
  dir: string;
  /** Creates a fresh database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Runs one statement on a fresh connection (to the `postgres` database unless `url` is given). */
  query<R extends object = Record<string, unknown>>(sql: string, values?: unknown[], url?: string): Promise<R[]>;
  /** Fast shutdown (SIGINT) and removal of the temp dir. */
  stop(): Promise<void>;
  /** SIGKILL to the postmaster and all its backends at once: no checkpoint, no goodbye. */
  kill9(): Promise<void>;
  /** Stops (or, after `kill9`, only waits), then starts again on the same port and data. */
  restart(): Promise<void>;
}

const MISSING = (where: string): Error =>
  new Error(
    `PostgreSQL not found (looked for initdb and postgres in ${where}). The PostgreSQL store tests need a real ` +
      'server: install it (Debian/Ubuntu: apt-get install postgresql) or set POSTGRES_BIN=/path/to/postgresql/bin. ' +
      'These tests never skip.',
  );

/** The directory with `initdb` and `postgres`, or a clear error. */
export function findPostgresBin(binDir = process.env.POSTGRES_BIN): string {
  if (binDir !== undefined && binDir !== '') {
    if (existsSync(join(binDir, 'initdb')) && existsSync(join(binDir, 'postgres'))) return binDir;
    throw MISSING(`POSTGRES_BIN=${binDir}`);
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] !== undefined) return join(root, versions[0], 'bin');
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
  if (onPath && existsSync(join(onPath, '..', 'postgres'))) return join(onPath, '..');
  throw MISSING(`${root}/*/bin and PATH`);
}

/** As root, who to run PostgreSQL as: the `postgres` user. Otherwise ourselves. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid <= 0) {
    throw new Error('Running as root, but there is no "postgres" user to run PostgreSQL as (apt-get install postgresql creates it).');
  }
  return { uid, gid };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function queryOnce<R extends object>(url: string, sql: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const bin = findPostgresBin(options.binDir);
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'mesh-pay-pg-'));
  const data = join(dir, 'data');
  const socketDir = join(dir, 'socket');
  mkdirSync(socketDir);
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(socketDir, user.uid, user.gid);
  }
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const as = user ? { uid: user.uid, gid: user.gid } : {};

  const init = spawnSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'],
    { encoding: 'utf8', ...as, env: { ...process.env, LC_ALL: 'C' } },
  );
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status ?? init.signal}):\n${init.stdout}\n${init.stderr}`);
  }

  let child: ChildProcess | undefined;
  let port = 0;

  const launch = async (onPort: number): Promise<ChildProcess> => {
    const args = [
      '-D', data,
      '-p', String(onPort),
      '-k', socketDir,
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=200',
      // The defaults the kit's durability rests on, stated so nobody "speeds up" the tests with them.
      '-c', 'fsync=on',
      '-c', 'synchronous_commit=on',
      ...(options.settings ?? []).flatMap((setting) => ['-c', setting]),
    ];
    // Its own process group, so kill9() reaches every backend too.
    const proc = spawn(join(bin, 'postgres'), args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...as });
    let output = '';
    const collect = (chunk: string): void => {
      output = (output + chunk).slice(-8000);
    };
    proc.stdout?.setEncoding('utf8').on('data', collect);
    proc.stderr?.setEncoding('utf8').on('data', collect);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`postgres did not accept connections on port ${onPort} within ${startTimeoutMs} ms:\n${output}`));
      }, startTimeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        proc.stderr?.off('data', onData);
        reject(error);
      };
      proc.once('error', fail);
      proc.once('exit', (code, signal) => fail(new Error(`postgres exited (${signal ?? code}) before it was ready on port ${onPort}:\n${output}`)));
      // The log line is the event (after crash recovery from the WAL); a query proves it.
      const onData = (): void => {
        if (!/database system is ready to accept connections/.test(output)) return;
        proc.stderr?.off('data', onData);
        queryOnce(`postgres://postgres@127.0.0.1:${onPort}/postgres`, 'SELECT 1')
          .then(() => {
            clearTimeout(timer);
            proc.removeAllListeners('exit');
            resolve();
          })
          .catch(fail);
      };
      proc.stderr?.on('data', onData);
    });
    return proc;
  };

  const startOn = async (candidate?: number): Promise<void> => {
    // A free port can be taken between asking and binding; a killed cluster's last backends can
    // hold its shared memory for a moment. Both are retried, a bounded number of times.
    let lastError: unknown;
    for (let attempt = 0; attempt < 10; attempt++) {
      const onPort = candidate ?? (await freePort());
      try {
        child = await launch(onPort);
        port = onPort;
        return;
      } catch (error) {
        lastError = error;
        if (candidate !== undefined) await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  };

  try {
    await startOn();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const url = (): string => `postgres://postgres@127.0.0.1:${port}/postgres`;

  const stopChild = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc) return;
    child = undefined;
    if (proc.exitCode === null && proc.signalCode === null) {
      if (signal === 'SIGKILL' && proc.pid !== undefined) {
        try {
          process.kill(-proc.pid, 'SIGKILL');
        } catch {
          proc.kill('SIGKILL');
        }
      } else {
        proc.kill(signal);
      }
    }
    await exited(proc);
  };

  return {
    get url() {
      return url();
    },
    get port() {
      return port;
    },
    dir,
    async createDatabase(name) {
      await queryOnce(url(), `CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      return `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`;
    },
    query: (sql, values, at) => queryOnce(at ?? url(), sql, values),
    async stop() {
      await stopChild('SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
    async kill9() {
      await stopChild('SIGKILL');
    },
    async restart() {
      await stopChild('SIGINT');
      await startOn(port);
    },
  };
}
