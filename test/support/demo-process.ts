import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { REPO_ROOT, ensureWidgetBundle } from './widget-bundle.js';

/**
 * Runs the demo shop exactly as a user does (`node --conditions=source --import tsx demo/server.ts`),
 * as a real child process with its own environment, and waits until it answers HTTP.
 */

export interface DemoProcessOptions {
  /** `MESH_SANDBOX_AUTOPLAY`; omitted → a person clicks through the sandbox Link page. */
  autoplay?: 'succeed' | 'fail' | 'cancel' | 'close-after-approve';
  /** `DEMO_CREDIT_DELAY_MS`. */
  creditDelayMs?: number;
  /** `MESH_STORE`; default a fresh SQLite file in a temporary folder removed on stop. */
  store?: string;
  /** `MESH_WEBHOOK_SECRET` / `MESH_KIT_SECRET`; random per process unless given (instances of one deployment share them). */
  webhookSecret?: string;
  kitSecret?: string;
  /** Extra or overriding environment variables (an empty string unsets one, as in a shell). */
  env?: Record<string, string>;
  /** How long to wait for the server to answer; default 30 s. */
  startTimeoutMs?: number;
}

export interface DemoProcess {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  webhookSecret: string;
  kitSecret: string;
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Stops the process (SIGTERM, then SIGKILL) and removes its temporary store. */
  stop(): Promise<void>;
}

/** The line `demo/server.ts` prints once it listens. */
const READY_LINE = /Mesh Pay demo shop: http:\/\/localhost:(\d+)/;

export async function startDemo(options: DemoProcessOptions = {}): Promise<DemoProcess> {
  ensureWidgetBundle();
  const tmp = mkdtempSync(join(tmpdir(), 'mesh-pay-e2e-'));
  const webhookSecret = options.webhookSecret ?? `e2e-webhook-${randomBytes(12).toString('hex')}`;
  const kitSecret = options.kitSecret ?? randomBytes(32).toString('base64url');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmp,
    NODE_ENV: 'test',
    PORT: '0',
    MESH_STORE: options.store ?? `sqlite:${join(tmp, 'mesh-pay.db')}`,
    MESH_WEBHOOK_SECRET: webhookSecret,
    MESH_KIT_SECRET: kitSecret,
    DEMO_CREDIT_DELAY_MS: String(options.creditDelayMs ?? 0),
    ...(options.autoplay ? { MESH_SANDBOX_AUTOPLAY: options.autoplay } : {}),
    ...options.env,
  };

  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'demo/server.ts'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = once(child, 'exit');

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(tmp, { recursive: true, force: true });
    })());

  try {
    const port = await waitForReadyLine(child, () => output, options.startTimeoutMs ?? 30_000);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/api/shop`, options.startTimeoutMs ?? 30_000);
    return { url, port, webhookSecret, kitSecret, child, output: () => output, stop };
  } catch (err) {
    await stop();
    throw new Error(`The demo did not start: ${(err as Error).message}\n--- demo output ---\n${output}`);
  }
}

async function waitForReadyLine(child: ChildProcess, output: () => string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = READY_LINE.exec(output());
    if (match) return Number(match[1]);
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`it exited (${child.exitCode ?? child.signalCode})`);
    if (Date.now() > deadline) throw new Error(`no "Mesh Pay demo shop: …" line within ${timeoutMs} ms`);
    await new Promise<void>((ok) => {
      const done = () => {
        clearTimeout(timer);
        child.stdout!.off('data', done);
        child.off('exit', done);
        ok();
      };
      const timer = setTimeout(done, 250);
      child.stdout!.on('data', done);
      child.on('exit', done);
    });
  }
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}
