import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { parseAllowedOrigin } from '@mesh-pay/backend-kit';

/**
 * The demo server's configuration, read from the environment exactly as CONTRACT.md §2 lists it.
 * Parsing is a pure function of the env object so tests can feed it garbage without a process.
 */

/** Thrown when the environment cannot run the demo; `message` lists every problem at once. */
export class DemoConfigError extends Error {
  readonly code = 'MESH_PAY_DEMO_CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`The demo cannot start with this environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'DemoConfigError';
  }
}

/** Mesh's documented base URLs per environment. */
export const MESH_BASE_URLS = {
  sandbox: 'https://integration-api.meshconnect.com',
  production: 'https://production.meshconnect.com',
} as const;

/**
 * A well-known, printed-at-start webhook secret for local development. It is public on purpose: with
 * the local sandbox nothing is at stake, and with real Mesh the server refuses to start without a
 * real one (see `parseDemoConfig`).
 */
export const DEV_WEBHOOK_SECRET = 'mesh-pay-dev-webhook-secret';

// The contract's three, plus the sandbox's `close-after-approve` (the customer closes Link after
// approving the transfer, before its success screen: the payment still completes).
const autoplaySchema = z.enum(['succeed', 'fail', 'cancel', 'close-after-approve']);

/** Empty strings count as unset: `FOO= npm start` is how people unset things in a shell. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

const envSchema = z.object({
  PORT: optional(
    z.coerce
      .number({ error: 'PORT must be a number' })
      .int('PORT must be a whole number')
      .min(0, 'PORT must be between 0 and 65535')
      .max(65535, 'PORT must be between 0 and 65535'),
  ),
  MESH_CLIENT_ID: optional(z.string().max(200)),
  MESH_CLIENT_SECRET: optional(z.string().max(500)),
  // A comma-separated list while rotating: the first signs (local sandbox), any one verifies.
  MESH_WEBHOOK_SECRET: optional(
    z
      .string()
      .transform((v) => v.split(',').map((s) => s.trim()))
      .pipe(
        z
          .array(z.string().min(16, 'MESH_WEBHOOK_SECRET: each secret must be at least 16 characters'))
          .min(1)
          .max(10, 'MESH_WEBHOOK_SECRET: at most 10 secrets at once'),
      ),
  ),
  MESH_ENV: optional(z.enum(['sandbox', 'production'], { error: 'MESH_ENV must be "sandbox" or "production"' })),
  MESH_API_URL: optional(
    z
      .url({ protocol: /^https?$/, error: 'MESH_API_URL must be an http(s) URL' })
      .transform((u) => u.replace(/\/+$/, '')),
  ),
  MESH_STORE: optional(
    z
      .string()
      .regex(
        /^(memory|sqlite:.+|rediss?:\/\/.+|postgres(ql)?:\/\/.+)$/,
        'MESH_STORE must be "memory", "sqlite:<path>", "redis://host:port[/db]" or "postgres://user[:pass]@host[:port]/db"',
      ),
  ),
  MESH_KIT_SECRET: optional(z.string().min(32, 'MESH_KIT_SECRET must be at least 32 characters')),
  MESH_SANDBOX_AUTOPLAY: optional(
    z.enum(autoplaySchema.options, { error: 'MESH_SANDBOX_AUTOPLAY must be "succeed", "fail", "cancel" or "close-after-approve"' }),
  ),
  MESH_MAX_STREAMS: optional(
    z.coerce
      .number({ error: 'MESH_MAX_STREAMS must be a number of streams' })
      .int('MESH_MAX_STREAMS must be a whole number')
      .min(1, 'MESH_MAX_STREAMS must be at least 1')
      .max(1_000_000, 'MESH_MAX_STREAMS must be at most 1000000'),
  ),
  DEMO_CREDIT_DELAY_MS: optional(
    z.coerce
      .number({ error: 'DEMO_CREDIT_DELAY_MS must be a number of milliseconds' })
      .int('DEMO_CREDIT_DELAY_MS must be a whole number of milliseconds')
      .min(0, 'DEMO_CREDIT_DELAY_MS must not be negative')
      .max(600_000, 'DEMO_CREDIT_DELAY_MS must be at most 600000 (10 minutes)'),
  ),
  HOST: optional(
    z
      .string()
      .trim()
      .transform((h) => h.replace(/^\[(.*)\]$/, '$1'))
      .refine(isBindAddress, 'HOST must be an IP address (127.0.0.1, 0.0.0.0, ::1, ::) or a host name like localhost'),
  ),
  MESH_ALLOWED_ORIGINS: optional(
    z.string().transform((list, ctx) => {
      const origins: string[] = [];
      for (const item of list.split(',')) {
        if (item.trim() === '') continue;
        try {
          origins.push(parseAllowedOrigin(item.trim()));
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: `MESH_ALLOWED_ORIGINS: ${(err as Error).message.replace(/^MESH_PAY_\w+: /, '')}` });
        }
      }
      return [...new Set(origins)];
    }),
  ),
  MESH_RATE_LIMIT: optional(
    z.coerce
      .number({ error: 'MESH_RATE_LIMIT must be a number of requests per minute' })
      .int('MESH_RATE_LIMIT must be a whole number of requests per minute')
      .min(0, 'MESH_RATE_LIMIT must not be negative (0 turns the limit off)')
      .max(1_000_000, 'MESH_RATE_LIMIT must be at most 1000000 per minute (0 turns the limit off)'),
  ),
});

/** An address `listen()` can bind: an IP literal, or a DNS name the resolver can look up. */
function isBindAddress(host: string): boolean {
  if (isIP(host) !== 0) return true;
  return host.length <= 253 && /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/i.test(host);
}

export type SandboxAutoplay = z.infer<typeof autoplaySchema>;

export interface DemoConfig {
  port: number;
  /** `sandbox`: the local Mesh sandbox is mounted at /sandbox/mesh; `mesh`: Mesh's real API. */
  mode: 'sandbox' | 'mesh';
  /** Real credentials, or `undefined` in sandbox mode (the sandbox's own are used). */
  mesh?: { clientId: string; clientSecret: string };
  meshEnv: 'sandbox' | 'production';
  /** Explicit base URL override; in sandbox mode `undefined` means "this server's /sandbox/mesh". */
  apiUrl?: string;
  /** The secret the local sandbox signs with: the first of `webhookSecrets`. */
  webhookSecret: string;
  /** Every secret that verifies (several while rotating). */
  webhookSecrets: string[];
  webhookSecretIsDev: boolean;
  store: string;
  kitSecret: string;
  kitSecretIsRandom: boolean;
  autoplay?: SandboxAutoplay;
  creditDelayMs: number;
  /** Status streams open at once on this instance (the kit's `streamLimits.perInstance`). */
  maxStreams: number;
  /** Address the server binds (`HOST`); IPv6 without brackets. */
  host: string;
  /** Page origins that may use the kit and the widget bundle from another origin (`MESH_ALLOWED_ORIGINS`). */
  allowedOrigins: string[];
  /** Link-token requests per minute per client address; 0 means no limit (`MESH_RATE_LIMIT`). */
  rateLimit: number;
}

/** Reads the environment into a `DemoConfig`, or throws one `DemoConfigError` naming every problem. */
export function parseDemoConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined>): DemoConfig {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path.join('.');
      problems.push(issue.message.includes(name) ? issue.message : `${name}: ${issue.message}`);
    }
    throw new DemoConfigError(problems);
  }
  const e = parsed.data;

  const hasId = e.MESH_CLIENT_ID !== undefined;
  const hasSecret = e.MESH_CLIENT_SECRET !== undefined;
  if (hasId !== hasSecret) problems.push('set both MESH_CLIENT_ID and MESH_CLIENT_SECRET (real Mesh) or neither (local sandbox)');
  const mode = hasId && hasSecret ? 'mesh' : 'sandbox';
  if (mode === 'mesh' && e.MESH_WEBHOOK_SECRET === undefined) {
    problems.push('MESH_WEBHOOK_SECRET is required with real Mesh credentials: copy it from your Mesh dashboard');
  }
  if (mode === 'mesh' && e.MESH_SANDBOX_AUTOPLAY !== undefined) {
    problems.push('MESH_SANDBOX_AUTOPLAY only applies to the local sandbox; unset it or unset MESH_CLIENT_ID/MESH_CLIENT_SECRET');
  }
  if (problems.length > 0) throw new DemoConfigError(problems);

  const meshEnv = e.MESH_ENV ?? 'sandbox';
  const config: DemoConfig = {
    port: e.PORT ?? 3000,
    mode,
    meshEnv,
    webhookSecret: e.MESH_WEBHOOK_SECRET?.[0] ?? DEV_WEBHOOK_SECRET,
    webhookSecrets: e.MESH_WEBHOOK_SECRET ?? [DEV_WEBHOOK_SECRET],
    webhookSecretIsDev: e.MESH_WEBHOOK_SECRET === undefined,
    store: e.MESH_STORE ?? 'sqlite:.data/mesh-pay.db',
    kitSecret: e.MESH_KIT_SECRET ?? randomBytes(32).toString('base64url'),
    kitSecretIsRandom: e.MESH_KIT_SECRET === undefined,
    creditDelayMs: e.DEMO_CREDIT_DELAY_MS ?? 0,
    maxStreams: e.MESH_MAX_STREAMS ?? 1000,
    host: e.HOST ?? '127.0.0.1',
    allowedOrigins: e.MESH_ALLOWED_ORIGINS ?? [],
    rateLimit: e.MESH_RATE_LIMIT ?? 30,
  };
  if (mode === 'mesh') {
    config.mesh = { clientId: e.MESH_CLIENT_ID!, clientSecret: e.MESH_CLIENT_SECRET! };
    config.apiUrl = e.MESH_API_URL ?? MESH_BASE_URLS[meshEnv];
  } else if (e.MESH_API_URL !== undefined) {
    config.apiUrl = e.MESH_API_URL;
  }
  if (e.MESH_SANDBOX_AUTOPLAY !== undefined) config.autoplay = e.MESH_SANDBOX_AUTOPLAY;
  return config;
}
