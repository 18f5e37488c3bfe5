import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { startRedisServer, type RedisServer, type RedisServerOptions } from '../../packages/backend-kit/test/redis-server.js';
import { startDemo, type DemoProcess } from '../support/demo-process.js';

/**
 * A deployment as a merchant runs it past one process: one redis-server (AOF, fsync always) and
 * several demo processes sharing `MESH_STORE`, `MESH_WEBHOOK_SECRET` and `MESH_KIT_SECRET`.
 * Instances can be killed with SIGKILL and replaced; `stop()` ends everything still running.
 */
export interface Cluster {
  redis: RedisServer;
  /** One Redis command in the deployment's database; resolves with the raw RESP reply. */
  command(...args: string[]): Promise<string>;
  webhookSecret: string;
  kitSecret: string;
  /** Running instances, in start order (killed ones are removed). */
  instances: DemoProcess[];
  /** Starts one more instance on the shared store. */
  addInstance(env?: Record<string, string>): Promise<DemoProcess>;
  /** SIGKILL, no goodbye: what a crashed host looks like. Resolves once the process is gone. */
  kill9(instance: DemoProcess): Promise<void>;
  /** Everything every instance (alive or dead) printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export async function startCluster({
  instances = 2,
  env = {},
  redis: redisOptions = {},
}: { instances?: number; env?: Record<string, string>; redis?: RedisServerOptions } = {}): Promise<Cluster> {
  // Other suites on the same machine run their own Redis servers and demo processes; one whose Redis
  // died keeps reconnecting to its old port, which may now be ours. They use database 0, so this
  // deployment lives in another one. (Not ACLs: on Redis 7.0 a restricted `default` user makes AOF
  // loading refuse every MULTI/EXEC block with NOPERM, silently dropping acknowledged writes; see
  // README.md.)
  const redis = await startRedisServer(redisOptions);
  const db = 1 + randomInt(15);
  const storeUrl = `redis://127.0.0.1:${redis.port}/${db}`;
  const webhookSecret = `scale-webhook-${randomBytes(16).toString('hex')}`;
  const kitSecret = randomBytes(32).toString('base64url');
  const all: DemoProcess[] = [];
  const cluster: Cluster = {
    redis,
    command: (...args) => commandInDb(redis.port, db, args),
    webhookSecret,
    kitSecret,
    instances: [],
    async addInstance(extra = {}) {
      const demo = await startDemo({
        store: storeUrl,
        env: { MESH_WEBHOOK_SECRET: webhookSecret, MESH_KIT_SECRET: kitSecret, ...env, ...extra },
      });
      all.push(demo);
      cluster.instances.push(demo);
      return demo;
    },
    async kill9(instance) {
      cluster.instances = cluster.instances.filter((i) => i !== instance);
      if (instance.child.exitCode !== null || instance.child.signalCode !== null) return;
      const gone = new Promise<void>((ok) => instance.child.once('exit', () => ok()));
      instance.child.kill('SIGKILL');
      await gone;
    },
    output: () => all.map((d, i) => `--- instance ${i} (${d.url}) ---\n${d.output().slice(-4000)}`).join('\n'),
    async stop() {
      await Promise.allSettled(all.map((d) => d.stop()));
      await redis.stop();
    },
  };
  try {
    // One at a time: two tsx compilations at once on two cores only slow each other down.
    for (let i = 0; i < instances; i++) await cluster.addInstance();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}


/** Resident memory of a process in KiB, read from outside via /proc/<pid>/status (Linux). */
export function vmRssKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
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

/** SELECT the deployment's database, then one command, on a fresh connection; the command's raw reply. */
function commandInDb(port: number, db: number, args: string[], timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis on ${port} did not answer ${args[0]} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(encode(['SELECT', String(db)]) + encode(args)));
    socket.on('data', (chunk: string) => {
      data += chunk;
      try {
        const selected = replyLength(data);
        if (selected === undefined) return;
        if (!data.startsWith('+OK')) throw new Error(`SELECT refused: ${data.slice(0, 80)}`);
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

/** An integer reply (`:n`), e.g. `HLEN`. */
export async function redisInteger(cluster: Cluster, ...args: string[]): Promise<number> {
  const reply = await cluster.command(...args);
  const match = /^:(-?\d+)\r\n/.exec(reply);
  if (!match) throw new Error(`${args[0]} answered ${JSON.stringify(reply.slice(0, 80))}`);
  return Number(match[1]);
}

/** A bulk-string reply, e.g. `HGET`; `undefined` for nil. */
export async function redisText(cluster: Cluster, ...args: string[]): Promise<string | undefined> {
  const reply = await cluster.command(...args);
  if (reply.startsWith('$-1')) return undefined;
  const match = /^\$(\d+)\r\n/.exec(reply);
  if (!match) throw new Error(`${args[0]} answered ${JSON.stringify(reply.slice(0, 80))}`);
  return reply.slice(match[0].length, match[0].length + Number(match[1]));
}

/** Status channels with a subscriber on the Redis server, across every instance. */
export async function subscribedStatusChannels(cluster: Cluster): Promise<number> {
  const reply = await cluster.command('PUBSUB', 'CHANNELS', 'meshpay:status-events:*');
  const header = /^\*(\d+)\r\n/.exec(reply);
  if (!header) throw new Error(`unexpected PUBSUB CHANNELS reply ${JSON.stringify(reply.slice(0, 80))}`);
  return Number(header[1]);
}
