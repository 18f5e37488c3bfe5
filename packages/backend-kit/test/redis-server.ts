/**
 * Starts a real `redis-server` for tests: free port, private temp dir, AOF with fsync on every
 * write (so `restart()` and even `kill9()` + `restart()` keep every acknowledged write). Used by the
 * store contract suite and by the scale tests, so it takes options rather than assuming one use.
 *
 * If redis-server is missing this throws: the tests must fail loudly, never skip (CI installs it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServerOptions {
  /** Binary to run. Default: `$REDIS_SERVER`, else `redis-server` on PATH. */
  binary?: string;
  /** Port to listen on. Default: a free one. */
  port?: number;
  /** Data directory. Default: a fresh temp dir, removed by `stop()`. */
  dir?: string;
  /** `always` (default), `everysec` or `no`. */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** `yes` (default) or `no`: `no` lets a test prove what is lost without the AOF. */
  appendonly?: 'yes' | 'no';
  /** Extra `--name value` arguments, e.g. `['--maxclients', '20000']`. */
  args?: string[];
  /** How long to wait for PONG before giving up. Default 10 s. */
  startTimeoutMs?: number;
}

export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  /** Graceful SHUTDOWN via SIGTERM; removes the temp dir if this helper made it. */
  stop(): Promise<void>;
  /** SIGKILL: no goodbye, no final fsync — what a crash looks like. */
  kill9(): void;
  /** Stops (or, after `kill9`, just waits for the corpse), then starts again on the same port and dir. */
  restart(): Promise<void>;
  /** Sends a raw command over a fresh connection and returns the raw reply text. */
  command(...args: string[]): Promise<string>;
}

const MISSING = (binary: string): Error =>
  new Error(
    `redis-server not found (tried "${binary}"). The Redis store tests need a real redis-server: ` +
      'install it (Debian/Ubuntu: apt-get install redis-server) or set REDIS_SERVER=/path/to/redis-server. ' +
      'These tests never skip.',
  );

/** A port the OS just told us is free. Redis is then started on it; `startRedisServer` retries on a race. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Length of one complete RESP reply at the start of `text`, or `undefined` while incomplete.
 * Enough of RESP2 for what the stories read: simple strings, errors, integers, bulk strings, arrays.
 */
function replyLength(text: string, at = 0): number | undefined {
  const eol = text.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const head = text[at];
  if (head === '+' || head === '-' || head === ':') return eol + 2 - at;
  const n = Number(text.slice(at + 1, eol));
  if (head === '$') {
    if (n < 0) return eol + 2 - at;
    const end = eol + 2 + n + 2;
    return Buffer.byteLength(text) >= end ? end - at : undefined;
  }
  if (head === '*') {
    let cursor = eol + 2;
    for (let i = 0; i < Math.max(n, 0); i++) {
      const length = replyLength(text, cursor);
      if (length === undefined) return undefined;
      cursor += length;
    }
    return cursor - at;
  }
  throw new Error(`unexpected RESP reply ${JSON.stringify(text.slice(at, at + 40))}`);
}

function encode(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/**
 * One command on a fresh connection (after `SELECT db` when given); resolves with the command's raw
 * RESP reply once it is complete. Deliberately not ioredis: tests read the server as it is, with no
 * client-side state in between.
 */
export function redisCommand(port: number, args: string[], { db, timeoutMs = 5000 }: { db?: number; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis on ${port} did not answer ${args[0]} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    const select = db === undefined ? '' : encode(['SELECT', String(db)]);
    socket.on('connect', () => socket.write(select + encode(args)));
    socket.on('data', (chunk: string) => {
      data += chunk;
      try {
        let selected = 0;
        if (select) {
          const length = replyLength(data);
          if (length === undefined) return;
          if (!data.startsWith('+OK')) throw new Error(`SELECT refused: ${data.slice(0, 80)}`);
          selected = length;
        }
        const reply = replyLength(data, selected);
        if (reply === undefined) return;
        clearTimeout(timer);
        socket.end();
        resolve(data.slice(selected, selected + reply));
      } catch (err) {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = options.binary ?? process.env.REDIS_SERVER ?? 'redis-server';
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw MISSING(binary);

  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'mesh-pay-redis-'));
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  let port = options.port ?? 0;
  let child: ChildProcess | undefined;

  const launch = async (onPort: number): Promise<ChildProcess> => {
    const args = [
      '--port', String(onPort),
      '--bind', '127.0.0.1',
      '--dir', dir,
      '--save', '',
      '--appendonly', options.appendonly ?? 'yes',
      '--appendfsync', options.appendfsync ?? 'always',
      '--daemonize', 'no',
      '--protected-mode', 'yes',
      '--logfile', '',
      ...(options.args ?? []),
    ];
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-4000)));
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-4000)));
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`redis-server did not become ready on port ${onPort} within ${startTimeoutMs} ms:\n${output}`));
      }, startTimeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        reject(error);
      };
      proc.once('error', (error) =>
        fail((error as NodeJS.ErrnoException).code === 'ENOENT' ? MISSING(binary) : error),
      );
      proc.once('exit', (code, signal) =>
        fail(new Error(`redis-server exited (${signal ?? code}) before it was ready on port ${onPort}:\n${output}`)),
      );
      // The log line is the event; PING proves it (the AOF is loaded before Redis says it is ready).
      const onData = (): void => {
        if (!/Ready to accept connections/.test(output)) return;
        proc.stdout?.off('data', onData);
        redisCommand(onPort, ['PING'], { timeoutMs: 2000 })
          .then((reply) => {
            if (!reply.startsWith('+PONG')) throw new Error(`unexpected PING reply ${JSON.stringify(reply)}`);
            clearTimeout(timer);
            proc.removeAllListeners('exit');
            resolve();
          })
          .catch(fail);
      };
      proc.stdout?.on('data', onData);
    });
    await ready;
    return proc;
  };

  // A free port can be taken between asking and binding: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    const candidate = options.port ?? (await freePort());
    try {
      child = await launch(candidate);
      port = candidate;
    } catch (error) {
      lastError = error;
      if ((error as Error).message.includes('not found')) throw error;
      if (options.port !== undefined) break;
    }
  }
  if (!child) throw lastError instanceof Error ? lastError : new Error(String(lastError));

  const stopChild = async (): Promise<void> => {
    const proc = child;
    if (!proc) return;
    child = undefined;
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited(proc);
  };

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      await stopChild();
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
    kill9() {
      child?.kill('SIGKILL');
    },
    async restart() {
      await stopChild();
      child = await launch(port);
    },
    command: (...args: string[]) => redisCommand(port, args, { timeoutMs: 2000 }),
  };
}
