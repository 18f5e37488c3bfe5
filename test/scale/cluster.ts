import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { redisCommand, startRedisServer, type RedisServer, type RedisServerOptions } from '../../packages/backend-kit/test/redis-server.js';
import { startMeshSandbox, type StandaloneMeshSandbox } from '@mesh-pay/mesh-sandbox';
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
  /**
   * With `sharedMesh`: the one Mesh (a standalone sandbox) every instance asks, where a story records
   * the transfers it then posts webhooks about, so the kit's look-up before crediting finds them.
   */
  mesh?: StandaloneMeshSandbox;
  /** Running instances, in start order (killed ones are removed). */
  instances: DemoProcess[];
  /** Starts one more instance on the shared store. */
  addInstance(env?: Record<string, string>): Promise<DemoProcess>;
  /** SIGKILL, no goodbye: what a crashed host looks like. Resolves once the process is gone. */
  kill9(instance: DemoProcess): Promise<void>;
  /** The tail of what every instance (alive or dead) printed, for failure messages. */
  output(): string;
  /** How many times `pattern` occurs in everything every instance (alive or dead) printed. */
  countInOutput(pattern: RegExp): number;
  stop(): Promise<void>;
}

export async function startCluster({
  instances = 2,
  env = {},
  redis: redisOptions = {},
  sharedMesh = false,
}: { instances?: number; env?: Record<string, string>; redis?: RedisServerOptions; sharedMesh?: boolean } = {}): Promise<Cluster> {
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
  const mesh = sharedMesh ? await startMeshSandbox() : undefined;
  let stopped = false;
  const meshEnv: Record<string, string> = mesh
    ? { MESH_API_URL: mesh.url }
    : // The other scale stories sign their own webhooks for transfers no Mesh made, and each instance runs
      // its own local sandbox. TODO: every story on `sharedMesh`, recording its transfers first, verification on.
      { MESH_VERIFY_TRANSFERS: 'off' };
  const cluster: Cluster = {
    ...(mesh ? { mesh } : {}),
    redis,
    command: (...args) => redisCommand(redis.port, args, { db }),
    webhookSecret,
    kitSecret,
    instances: [],
    async addInstance(extra = {}) {
      const demo = await startDemo({
        store: storeUrl,
        env: { MESH_WEBHOOK_SECRET: webhookSecret, MESH_KIT_SECRET: kitSecret, ...meshEnv, ...env, ...extra },
      });
      if (stopped) {
        // Started while the cluster was being stopped (a failed story's replacement): never orphaned.
        await demo.stop();
        throw new Error('the cluster was stopped while this instance started');
      }
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
    countInOutput: (pattern) => {
      const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
      return all.reduce((sum, d) => sum + (d.output().match(global)?.length ?? 0), 0);
    },
    async stop() {
      stopped = true;
      await Promise.allSettled(all.map((d) => d.stop()));
      await mesh?.close();
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
