/**
 * Runs a benchmark server in its own Node process, so the load generator (or the 2,000 clients)
 * never shares the server's event loop or heap. The child announces its port over IPC and answers
 * `memory` requests (after full GCs, hence --expose-gc).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
}

export interface ChildServer {
  url: string;
  pid: number;
  /** Memory of the server process after forced GCs. */
  memory(): Promise<MemorySample>;
  /**
   * Waits until the server has used under 5% of a core for 500 ms (background work after a load
   * run, e.g. the kit's fulfilment backlog, has drained), at most `maxMs`. Resolves with the wait.
   */
  settle(maxMs?: number): Promise<number>;
  /** Sends a command the server script understands and waits for its answer. */
  command<T = unknown>(name: string, arg?: unknown): Promise<T>;
  close(): Promise<void>;
}

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** Starts `servers/<name>.ts` with `config` (JSON in BENCH_SERVER_CONFIG). */
export async function startChildServer(name: string, config: unknown = {}): Promise<ChildServer> {
  const script = fileURLToPath(new URL(`./servers/${name}.ts`, import.meta.url));
  const child = fork(script, [], {
    execArgv: ['--conditions=source', '--import', 'tsx', '--expose-gc'],
    env: { ...process.env, BENCH_SERVER_CONFIG: JSON.stringify(config), NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`bench server ${name} exited (${code}) before listening`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.once('message', (message: { ready?: number }) => {
      child.off('exit', onExit);
      if (typeof message.ready === 'number') resolve(message.ready);
      else reject(new Error(`bench server ${name} sent ${JSON.stringify(message)} instead of its port`));
    });
  });
  return wrap(child, port);
}

function wrap(child: ChildProcess, port: number): ChildServer {
  let nextId = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (reply: Reply) => {
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(new Error(reply.error));
  });
  child.on('exit', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('bench server exited'));
    pending.clear();
  });
  const command = <T>(name: string, arg?: unknown) =>
    new Promise<T>((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, name, arg });
    });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    memory: () => command<MemorySample>('memory'),
    command,
    settle: async (maxMs = 30_000) => {
      const started = Date.now();
      let last = await command<number>('cpu');
      while (Date.now() - started < maxMs) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const now = await command<number>('cpu');
        const busy = (now - last) / 500_000;
        last = now;
        if (busy < 0.05) break;
      }
      return Date.now() - started;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
