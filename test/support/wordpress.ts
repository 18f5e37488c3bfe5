import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { REPO_ROOT } from './widget-bundle.js';
import type { WordPressCore } from './wordpress-core.js';

/**
 * A real, private WordPress for one test run, of the release the caller picks (see
 * wordpress-core.ts), served with Debian's php-cli, php-mysql and mariadb-server: its own MariaDB
 * in a temp folder, its own copy of WordPress served by `php -S`, installed through its own
 * installer, with our plugin copied in and activated. Nothing is shared with the machine's own
 * (unstarted) services; `stop()` removes everything.
 */

const run = promisify(execFile);

export const PLUGIN_DIR = join(REPO_ROOT, 'wordpress/mesh-pay');

/** Why a real WordPress of this release cannot run here, or undefined when it can. */
export function wordpressMissing(core: WordPressCore): string | undefined {
  const coreMissing = core.missing();
  if (coreMissing) return coreMissing;
  for (const [what, path] of [
    ['php-cli', '/usr/bin/php'],
    ['mariadb-server', '/usr/sbin/mariadbd'],
    ['mariadb-install-db', '/usr/bin/mariadb-install-db'],
  ] as const) {
    if (!existsSync(path)) return `${what} is not installed (${path}); .ci/run installs it`;
  }
  return undefined;
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((ok, fail) => probe.once('error', fail).listen(0, '127.0.0.1', ok));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((ok) => probe.close(() => ok()));
  return port;
}

export interface WordPressSite {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** The release's full version as its wp-includes/version.php says, e.g. `6.5.5`. */
  version: string;
  /** Runs PHP inside WordPress (wp-load.php, admin includes and our plugin loaded); returns stdout. */
  php(code: string): Promise<string>;
  /** Publishes a post with raw content (no kses: as an administrator with unfiltered_html); returns its URL. */
  publish(title: string, content: string): Promise<string>;
  /** What PHP and WordPress logged so far (WP_DEBUG_LOG: errors, warnings, notices, deprecations). */
  debugLog(): string;
  output(): string;
  stop(): Promise<void>;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`${what}: the process exited (${child.exitCode ?? child.signalCode})`);
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

/** Starts MariaDB + WordPress `core` on `port`, installs it, activates the plugin. */
export async function startWordPress(core: WordPressCore, options: { port?: number; startTimeoutMs?: number } = {}): Promise<WordPressSite> {
  const missing = wordpressMissing(core);
  if (missing) throw new Error(missing);
  const timeout = options.startTimeoutMs ?? 60_000;
  const dir = mkdtempSync(join(tmpdir(), 'mesh-pay-wp-'));
  const children: ChildProcess[] = [];
  let output = '';
  const capture = (child: ChildProcess, name: string) => {
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (output += `[${name}] ${c}`));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (output += `[${name}] ${c}`));
  };

  const stop = async () => {
    for (const child of children.reverse()) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        // Its own process group: `php -S` workers are children of the server and must go with it.
        const signal = (sig: NodeJS.Signals) => {
          try {
            process.kill(-child.pid!, sig);
          } catch {
            child.kill(sig);
          }
        };
        signal('SIGTERM');
        const timer = setTimeout(() => signal('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    // 1. A private database server.
    const data = join(dir, 'data');
    const socket = join(dir, 'mysql.sock');
    const dbPort = await freePort();
    await run('mariadb-install-db', [`--datadir=${data}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'], { timeout });
    const db = spawn('mariadbd', [`--datadir=${data}`, `--socket=${socket}`, `--port=${dbPort}`, '--bind-address=127.0.0.1', '--user=root', '--skip-log-bin', `--pid-file=${join(dir, 'mariadb.pid')}`, '--innodb-buffer-pool-size=32M'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.push(db);
    capture(db, 'mariadb');
    const dbPassword = randomBytes(12).toString('hex');
    await waitFor(
      async () => {
        await run('mariadb', [`--socket=${socket}`, '-uroot', '-e', 'SELECT 1']);
        return true;
      },
      'MariaDB did not accept connections',
      timeout,
      db,
    );
    await run('mariadb', [
      `--socket=${socket}`,
      '-uroot',
      '-e',
      `CREATE DATABASE wordpress; CREATE USER 'wp'@'127.0.0.1' IDENTIFIED BY '${dbPassword}'; GRANT ALL ON wordpress.* TO 'wp'@'127.0.0.1';`,
    ]);

    // 2. WordPress files, a plain wp-config.php, our plugin.
    const root = join(dir, 'site');
    const debugLog = join(dir, 'debug.log');
    await core.lay(root);
    const version = /\$wp_version\s*=\s*'([^']+)'/.exec(readFileSync(join(root, 'wp-includes/version.php'), 'utf8'))?.[1];
    // A story named for 6.5 must not quietly run on something else.
    if (!version?.startsWith(`${core.version}.`) && version !== core.version) throw new Error(`${core.source} laid out WordPress ${version}, not ${core.version}`);
    cpSync(PLUGIN_DIR, join(root, 'wp-content/plugins/mesh-pay'), { recursive: true, dereference: true });
    const salts = ['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT']
      .map((k) => `define('${k}', '${randomBytes(24).toString('hex')}');`)
      .join('\n');
    writeFileSync(
      join(root, 'wp-config.php'),
      `<?php
define('DB_NAME', 'wordpress');
define('DB_USER', 'wp');
define('DB_PASSWORD', '${dbPassword}');
define('DB_HOST', '127.0.0.1:${dbPort}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
${salts}
$table_prefix = 'wp_';
define('WP_DEBUG', true);
define('WP_DEBUG_DISPLAY', false);
define('WP_DEBUG_LOG', '${debugLog}');
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('DISABLE_WP_CRON', true);
if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');
require_once ABSPATH . 'wp-settings.php';
`,
    );

    // 3. Serve it (a few workers: a page pulls several files at once).
    const port = options.port ?? (await freePort());
    const url = `http://127.0.0.1:${port}`;
    const php = spawn('php', ['-S', `127.0.0.1:${port}`, '-t', root], {
      cwd: root,
      env: { ...process.env, PHP_CLI_SERVER_WORKERS: '4' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.push(php);
    capture(php, 'php');
    await waitFor(async () => (await fetch(`${url}/wp-login.php`, { redirect: 'manual' })).status < 500, 'php -S did not answer', timeout, php);

    // 4. Install through WordPress's own installer.
    const install = await fetch(`${url}/wp-admin/install.php?step=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        weblog_title: 'Mesh Pay on WordPress',
        user_name: 'admin',
        admin_password: 'admin-password-for-tests',
        admin_password2: 'admin-password-for-tests',
        pw_weak: '1',
        admin_email: 'admin@example.com',
        blog_public: '0',
      }),
    });
    const installed = await install.text();
    if (!installed.includes('Success!')) throw new Error(`WordPress did not install: ${install.status} ${installed.slice(0, 500)}`);

    const runPhp = async (code: string) => {
      const script = join(dir, `run-${randomBytes(6).toString('hex')}.php`);
      writeFileSync(
        script,
        `<?php
$_SERVER['HTTP_HOST'] = '127.0.0.1:${port}';
$_SERVER['REQUEST_URI'] = '/';
require ${JSON.stringify(join(root, 'wp-load.php'))};
require_once ABSPATH . 'wp-admin/includes/plugin.php';
${code}
`,
      );
      try {
        const { stdout } = await run('php', [script], { cwd: root, timeout });
        return stdout;
      } finally {
        rmSync(script, { force: true });
      }
    };

    // 5. Activate the plugin the way the Plugins screen does (its activation hooks run).
    const activated = await runPhp(`$r = activate_plugin('mesh-pay/mesh-pay.php'); echo is_wp_error($r) ? $r->get_error_message() : 'active';`);
    if (activated.trim() !== 'active') throw new Error(`the plugin did not activate: ${activated}`);

    return {
      url,
      port,
      version,
      php: runPhp,
      async publish(title, content) {
        const out = await runPhp(`
kses_remove_filters();
$id = wp_insert_post(wp_slash(array('post_title' => ${phpString(title)}, 'post_content' => ${phpString(content)}, 'post_status' => 'publish', 'post_author' => 1)), true);
if (is_wp_error($id)) { fwrite(STDERR, $id->get_error_message()); exit(1); }
echo get_permalink($id);`);
        return out.trim();
      },
      debugLog: () => (existsSync(debugLog) ? readFileSync(debugLog, 'utf8') : ''),
      output: () => output,
      stop,
    };
  } catch (err) {
    const message = `${(err as Error).message}\n--- wordpress output ---\n${output.slice(-4000)}`;
    await stop();
    throw new Error(message);
  }
}

/** A PHP single-quoted string literal of any text. */
export function phpString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
