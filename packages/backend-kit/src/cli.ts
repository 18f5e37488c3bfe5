/**
 * `mesh-pay`: the operator's command line (CONTRACT.md §6). It works on the store directly
 * (`MESH_STORE`), so it needs no running kit to list or requeue events, and posts signed webhooks
 * (`MESH_WEBHOOK_SECRET`) to a kit for `trigger` and `resend`.
 *
 * Every failure is one line on stderr (`mesh-pay: …`) and a non-zero exit: 2 for a mistake in the
 * command line, 1 for everything else (unknown id, unreachable store or kit).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeError, MeshPayError } from './errors.js';
import { createInboxAdmin, isInboxState } from './inbox-admin.js';
import { JsonNumber, parseLosslessJson, type LosslessValue } from './lossless-json.js';
import { meshWebhookBody } from './mesh-webhook-body.js';
import { openStore, StoreSpecError } from './open-store.js';
import { INBOX_HISTORY_LIMIT, INBOX_STATES, type InboxEntry, type KitStore, type TransactionRecord, type TransferEvent } from './store.js';
import { signWebhookBody } from './webhook-verify.js';

/** The demo's public development secret (demo/config.ts): the CLI's default, like the demo's. */
export const DEV_WEBHOOK_SECRET = 'mesh-pay-dev-webhook-secret';
export const DEFAULT_STORE = 'sqlite:.data/mesh-pay.db';
/** The local sandbox's credentials (CONTRACT.md §5). */
const SANDBOX_CREDENTIALS = { 'X-Client-Id': 'sandbox-client-id', 'X-Client-Secret': 'sandbox-client-secret' };

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** A failure the CLI reports in one line; `exitCode` 2 for usage mistakes. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

const HELP = {
  main: `Usage: mesh-pay <command> [options]

Operate a Mesh Pay deployment's webhook inbox, or send test webhooks to a kit.

Commands:
  inbox list [--state <state>] [--json]     list webhook events (state: ${INBOX_STATES.join('|')})
  inbox show <eventId> [--json]             one event, with its attempts
  inbox retry <eventId> | --dead            queue event(s) for fulfilment again
  trigger <pending|succeeded|failed> --order <orderId> [--url <kit URL>] [--mesh-url <sandbox URL>]
                                            send a signed, Mesh-shaped webhook for that order
  resend <eventId> [--url <kit URL>]        post a stored event to the kit again, signed

Environment:
  MESH_STORE           the store (sqlite:<path>, redis://host:port[/db], postgres://user[:pass]@host:port/db); default ${DEFAULT_STORE}
  MESH_WEBHOOK_SECRET  webhook secret (the first one if comma-separated); default the demo's dev secret
  MESH_API_URL         Mesh base URL for trigger (a local sandbox's, to register the transfer)
  PORT                 where the kit runs when --url is not given (http://127.0.0.1:$PORT/mesh); default 3000

Run "mesh-pay <command> --help" for a command's options.`,
  inbox: `Usage: mesh-pay inbox <list|show|retry> …

  inbox list [--state ${INBOX_STATES.join('|')}] [--json] [--limit <n>]
  inbox show <eventId> [--json]
  inbox retry <eventId>
  inbox retry --dead`,
  list: `Usage: mesh-pay inbox list [--state ${INBOX_STATES.join('|')}] [--json] [--limit <n>]

Lists webhook events in the inbox (MESH_STORE), every state unless --state is given.
  --state <s>   only events in this state: pending (waiting for an attempt), processing (being
                tried now), done, dead (given up on; see "inbox retry --dead")
  --json        a JSON array of {eventId, transferId, transactionId, status, state, attempts,
                lastError, nextAttemptAt, receivedAt}
  --limit <n>   at most n events (default: all)`,
  show: `Usage: mesh-pay inbox show <eventId> [--json]

Shows one event: its state, attempts in the current retry window, last error, when it is next
tried, then one line per attempt (the last 50, oldest first):
  #<n>  <started at>  ok|failed  <duration> ms  <host/pid>  next <time>|dead  <error>
and the event as stored.
  --json   {eventId, transferId, transactionId, status, state, attempts, lastError,
           nextAttemptAt, receivedAt, windowStart, history: [{attempt, at, durationMs, outcome,
           error?, instance?, nextAttemptAt?}], event}; times are ISO 8601`,
  retry: `Usage: mesh-pay inbox retry <eventId>
       mesh-pay inbox retry --dead

Queues a dead (or waiting) event for fulfilment again with a fresh retry window; a running kit
sharing MESH_STORE picks it up within its poll interval. --dead queues every dead event.
A TransferId is still credited at most once.`,
  trigger: `Usage: mesh-pay trigger <pending|succeeded|failed> --order <orderId> [--url <kit URL>] [--mesh-url <sandbox URL>]

Sends a signed, Mesh-shaped transfer webhook for the order's latest transaction (found in
MESH_STORE) to the kit, like "stripe trigger". For local testing.
  --order <id>       the order (its token must have been minted)
  --url <url>        the kit's base URL (default http://127.0.0.1:$PORT/mesh, PORT default 3000)
  --mesh-url <url>   a local Mesh sandbox (default MESH_API_URL, else <kit origin>/sandbox/mesh if it
                     answers): the transfer is registered there first, so a kit that verifies
                     transfers with Mesh's API finds it`,
  resend: `Usage: mesh-pay resend <eventId> [--url <kit URL>]

Posts a stored event to the kit again, signed, with its EventId (the kit answers it as a duplicate
if it still has it) and a new delivery Id and SentTimestamp.
  --url <url>   the kit's base URL (default http://127.0.0.1:$PORT/mesh)`,
} as const;

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>, help: string): {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
} {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (err) {
    throw new CliError(`${(err as Error).message.split(/\.( |$)/)[0]} (${helpHint(help)})`, 2);
  }
}

/** "see `mesh-pay inbox list --help`", from a help text's usage line: keeps errors on one line. */
function helpHint(help: string): string {
  const command = /^Usage: (mesh-pay(?: [a-z]+){1,2})/.exec(help)?.[1] ?? 'mesh-pay';
  return `see ${command} --help`;
}

function kitUrl(flag: string | undefined, env: CliIo['env']): URL {
  const text = flag ?? `http://127.0.0.1:${env.PORT && /^\d{1,5}$/.test(env.PORT) ? env.PORT : '3000'}/mesh`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`--url ${JSON.stringify(text)} is not a URL (e.g. http://127.0.0.1:3000/mesh)`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`--url must be http(s), not ${url.protocol}`, 2);
  return url;
}

function webhookSecret(env: CliIo['env']): string {
  const first = (env.MESH_WEBHOOK_SECRET ?? '').split(',')[0]!.trim();
  return first === '' ? DEV_WEBHOOK_SECRET : first;
}

async function withStore<T>(io: CliIo, run: (store: KitStore) => Promise<T>): Promise<T> {
  const spec = (io.env.MESH_STORE ?? '').trim() || DEFAULT_STORE;
  if (spec === 'memory') throw new CliError('MESH_STORE=memory lives inside one process: the CLI cannot see it; use sqlite:, redis:// or postgres://');
  if (spec.startsWith('sqlite:')) {
    // Opening a missing file would create an empty store and report "nothing here" — a lie.
    const file = resolve(io.cwd, spec.slice('sqlite:'.length));
    if (!existsSync(file)) throw new CliError(`no store at ${file} (MESH_STORE=${spec}): run the kit once, or point MESH_STORE at its file`);
  }
  let store: KitStore;
  try {
    store = await openStore(spec.startsWith('sqlite:') ? `sqlite:${resolve(io.cwd, spec.slice(7))}` : spec, {
      redis: {
        logger: { warn: () => {} },
        // Fail fast: an operator wants "unreachable", not a silent reconnect loop.
        redis: { retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 3000, lazyConnect: false },
      },
    });
  } catch (err) {
    if (err instanceof StoreSpecError) throw new CliError(err.message.split('. Expected')[0]!, 2);
    throw new CliError(`cannot open the store ${spec.replace(/\/\/[^@/]*@/, '//***@')}: ${describeError(err)}`);
  }
  try {
    return await run(store);
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (err instanceof MeshPayError) throw new CliError(err.detail);
    throw new CliError(`cannot use the store ${store.kind}: ${describeError(err)}`);
  } finally {
    await store.close().catch(() => {});
  }
}

const iso = (ms: number): string => (Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : '-');

function summary(entry: InboxEntry) {
  return {
    eventId: entry.event.eventId,
    transferId: entry.event.transferId,
    transactionId: entry.event.transactionId,
    status: entry.event.status,
    state: entry.state,
    attempts: entry.attempts,
    lastError: entry.lastError ?? null,
    nextAttemptAt: entry.state === 'pending' || entry.state === 'processing' ? iso(entry.nextAttemptAt) : null,
    receivedAt: iso(entry.receivedAt),
  };
}

async function inboxList(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parse(args, { state: { type: 'string' }, json: { type: 'boolean' }, limit: { type: 'string' } }, HELP.list);
  if (values.help) return io.stdout(`${HELP.list}\n`);
  if (positionals.length > 0) throw new CliError(`unexpected argument ${JSON.stringify(positionals[0])} (${helpHint(HELP.list)})`, 2);
  const state = values.state as string | undefined;
  if (state !== undefined && !isInboxState(state)) throw new CliError(`--state must be one of ${INBOX_STATES.join(', ')}`, 2);
  const limitText = values.limit as string | undefined;
  if (limitText !== undefined && !/^[1-9]\d{0,8}$/.test(limitText)) throw new CliError('--limit must be a whole number from 1', 2);
  const max = limitText === undefined ? Infinity : Number(limitText);
  const rows = await withStore(io, async (store) => {
    const admin = createInboxAdmin(store);
    const out: ReturnType<typeof summary>[] = [];
    let cursor: string | undefined;
    do {
      const page = await admin.list({ limit: Math.min(500, max - out.length), ...(state ? { state } : {}), ...(cursor ? { cursor } : {}) });
      out.push(...page.entries.map(summary));
      cursor = page.cursor;
    } while (cursor && out.length < max);
    return out.slice(0, max);
  });
  if (values.json) return io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
  if (rows.length === 0) return io.stdout(`no events${state ? ` in state ${state}` : ''}\n`);
  const table = [['EVENT', 'STATE', 'STATUS', 'ATTEMPTS', 'TRANSFER', 'LAST ERROR'], ...rows.map((r) => [
    r.eventId, r.state, r.status, String(r.attempts), r.transferId, (r.lastError ?? '').slice(0, 80),
  ])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  io.stdout(`${table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n')}\n`);
}

async function inboxShow(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } }, HELP.show);
  if (values.help) return io.stdout(`${HELP.show}\n`);
  if (positionals.length !== 1) throw new CliError(`inbox show takes one eventId (${helpHint(HELP.show)})`, 2);
  const eventId = positionals[0]!;
  const entry = await withStore(io, async (store) => createInboxAdmin(store).get(eventId));
  if (!entry) throw new CliError(`no event ${JSON.stringify(eventId)} in the inbox`);
  const history = entry.history.map((a) => ({
    ...a,
    at: iso(a.at),
    ...(a.nextAttemptAt === undefined ? {} : { nextAttemptAt: iso(a.nextAttemptAt) }),
  }));
  if (values.json) {
    return io.stdout(`${JSON.stringify({ ...summary(entry), windowStart: iso(entry.windowStart), history, event: entry.event }, null, 2)}\n`);
  }
  const s = summary(entry);
  // A failed attempt without a next time is the one that gave up (dead); the newest ok one settled it.
  const lines = history.map((a) =>
    [
      `#${a.attempt}`,
      a.at,
      a.outcome.padEnd(6),
      `${a.durationMs} ms`.padStart(9),
      (a.instance ?? '-').replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' '),
      a.outcome === 'ok' ? '' : a.nextAttemptAt ? `next ${a.nextAttemptAt}` : 'dead',
      // One line per attempt, and no terminal escapes, whatever a hook's error text holds.
      (a.error ?? '').replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' '),
    ]
      .join('  ')
      .trimEnd(),
  );
  io.stdout(
    [
      `event        ${s.eventId}`,
      `state        ${s.state}`,
      `status       ${s.status}`,
      `transfer     ${s.transferId}`,
      `transaction  ${s.transactionId}`,
      `attempts     ${s.attempts} (since ${iso(entry.windowStart)})`,
      `last error   ${s.lastError ?? '-'}`,
      `next attempt ${s.nextAttemptAt ?? '-'}`,
      `received     ${s.receivedAt}`,
      `history      ${lines.length === 0 ? 'no attempt yet' : `${lines.length} attempt${lines.length === 1 ? '' : 's'} (the last ${INBOX_HISTORY_LIMIT} are kept)`}`,
      ...lines.map((line) => `  ${line}`),
      `event as stored:`,
      JSON.stringify(entry.event, null, 2),
    ].join('\n') + '\n',
  );
}

async function inboxRetry(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parse(args, { dead: { type: 'boolean' } }, HELP.retry);
  if (values.help) return io.stdout(`${HELP.retry}\n`);
  if (values.dead) {
    if (positionals.length > 0) throw new CliError('give either an eventId or --dead, not both', 2);
    const ids = await withStore(io, (store) => createInboxAdmin(store).retryDead());
    return io.stdout(`queued ${ids.length} dead event${ids.length === 1 ? '' : 's'} for fulfilment${ids.length ? `: ${ids.join(', ')}` : ''}\n`);
  }
  if (positionals.length !== 1) throw new CliError(`inbox retry takes one eventId, or --dead (${helpHint(HELP.retry)})`, 2);
  const eventId = positionals[0]!;
  const result = await withStore(io, (store) => createInboxAdmin(store).retry(eventId));
  if (result.queued) return io.stdout(`queued ${eventId} for fulfilment (it was ${result.was})\n`);
  throw new CliError(
    result.was === 'done' ? `event ${eventId} is done (already fulfilled): nothing to retry` : `event ${eventId} is being processed right now: nothing to retry`,
  );
}

/** ECONNREFUSED, a timeout, "bad port": what fetch's "fetch failed" hides in its cause. */
function networkCause(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return (err as Error).name === 'TimeoutError' ? 'timed out' : String((err as Error).message ?? err);
}

async function postSigned(url: URL, body: string, io: CliIo): Promise<{ duplicate: boolean }> {
  const target = new URL(`${url.pathname.replace(/\/+$/, '')}/webhook`, url);
  let res: Response;
  try {
    res = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Mesh-Signature-256': signWebhookBody(webhookSecret(io.env), body) },
      body,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    const cause = networkCause(err);
    throw new CliError(`cannot reach the kit at ${target.href} (${cause}): is it running? (--url)`);
  }
  const text = await res.text();
  if (res.status === 401) throw new CliError(`the kit at ${target.href} refused the signature (401): set MESH_WEBHOOK_SECRET to the kit's secret`);
  if (!res.ok) throw new CliError(`the kit at ${target.href} answered ${res.status}: ${text.replace(/\s+/g, ' ').slice(0, 200)}`);
  let duplicate = false;
  try {
    duplicate = (JSON.parse(text) as { duplicate?: unknown }).duplicate === true;
  } catch {
    // A 2xx is an acknowledgement whatever its body.
  }
  return { duplicate };
}

/** The part of the sandbox's TransferModel the webhook repeats, amounts as their exact text. */
interface RegisteredTransfer {
  id: string;
  amount?: string;
  hash?: string;
  symbol?: string;
  networkName?: string;
  destinationAddress?: string;
}

/**
 * Registers the transfer with a local sandbox (which fills amount, token, network and address from
 * the link token it minted), so a kit verifying transfers with Mesh's API finds one that matches the
 * webhook. `undefined`: no sandbox there.
 */
async function sandboxTransfer(meshUrl: string, explicit: boolean, tx: TransactionRecord, status: string): Promise<RegisteredTransfer | undefined> {
  const target = `${meshUrl.replace(/\/+$/, '')}/_sandbox/transfers`;
  let res: Response;
  try {
    res = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...SANDBOX_CREDENTIALS },
      body: JSON.stringify({ clientTransactionId: tx.transactionId, status }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    if (!explicit) return undefined;
    throw new CliError(`cannot reach the Mesh sandbox at ${target} (${networkCause(err)})`);
  }
  const text = await res.text();
  if (res.status === 201) {
    const content = (parseLosslessJson(text) as { content?: Record<string, LosslessValue> }).content ?? {};
    const textOf = (v: LosslessValue | undefined) => (typeof v === 'string' ? v : v instanceof JsonNumber ? v.source : undefined);
    const id = textOf(content.id);
    if (id) {
      const registered: RegisteredTransfer = { id };
      for (const key of ['amount', 'hash', 'symbol', 'networkName', 'destinationAddress'] as const) {
        const value = textOf(content[key]);
        if (value !== undefined) registered[key] = value;
      }
      return registered;
    }
  }
  if (!explicit && (res.status === 404 || res.status === 405)) return undefined;
  throw new CliError(`the Mesh sandbox at ${target} answered ${res.status}: ${text.replace(/\s+/g, ' ').slice(0, 200)}`);
}

async function trigger(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parse(args, { order: { type: 'string' }, url: { type: 'string' }, 'mesh-url': { type: 'string' } }, HELP.trigger);
  if (values.help) return io.stdout(`${HELP.trigger}\n`);
  if (positionals.length !== 1) throw new CliError(`trigger takes one status: pending, succeeded or failed (${helpHint(HELP.trigger)})`, 2);
  const status = positionals[0]!;
  if (!['pending', 'succeeded', 'failed'].includes(status)) throw new CliError(`unknown status ${JSON.stringify(status)}: pending, succeeded or failed (${helpHint(HELP.trigger)})`, 2);
  const orderId = values.order as string | undefined;
  if (!orderId || !/^[A-Za-z0-9_-]{1,64}$/.test(orderId)) throw new CliError(`--order <orderId> is required (1-64 of A-Za-z0-9_-) (${helpHint(HELP.trigger)})`, 2);
  const url = kitUrl(values.url as string | undefined, io.env);
  const explicitMesh = (values['mesh-url'] as string | undefined) ?? io.env.MESH_API_URL;
  if (explicitMesh !== undefined && !/^https?:\/\//.test(explicitMesh)) throw new CliError('--mesh-url must be an http(s) URL', 2);

  const { tx, lastTransferId } = await withStore(io, async (store) => {
    const found = await store.findTransactionByOrder(orderId);
    if (!found) throw new CliError(`no transaction for order ${orderId} in ${store.kind}: mint a link token for it first`);
    const history = await store.statusesSince(found.transactionId, 0);
    return { tx: found, lastTransferId: history.at(-1)?.update.transferId };
  });
  const meshUrl = explicitMesh ?? `${url.origin}/sandbox/mesh`;
  const registered = await sandboxTransfer(meshUrl, explicitMesh !== undefined, tx, status);
  const transferId = registered?.id ?? lastTransferId ?? `trigger-${randomUUID()}`;

  const destination = tx.destinations[0];
  const now = Date.now();
  // What the sandbox recorded wins (so verification matches); else the order's own destination.
  const amount = registered?.amount ?? tx.amountInFiat;
  const token = registered?.symbol ?? destination?.token;
  const chain = registered?.networkName ?? destination?.chain;
  const address = registered?.destinationAddress ?? destination?.address;
  const event: TransferEvent = {
    eventId: randomUUID(),
    id: randomUUID(),
    transferId,
    transactionId: tx.transactionId,
    status,
    timestamp: String(Math.floor(now / 1000)),
    userId: tx.userId,
    sourceAmount: amount,
    sourceAccountProvider: 'mesh-pay trigger',
    ...(status === 'succeeded'
      ? { destinationAmount: amount, txHash: registered?.hash ?? `0x${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '')}` }
      : {}),
    ...(token ? { token } : {}),
    ...(chain ? { chain } : {}),
    ...(address ? { destinationAddress: address } : {}),
  };
  const body = meshWebhookBody(event, { id: event.id, sentTimestamp: Math.floor(now / 1000) });
  await postSigned(url, body, io);
  io.stdout(`sent ${status} for order ${orderId} (transaction ${tx.transactionId}, transfer ${transferId}) as event ${event.eventId}\n`);
  if (!registered) io.stderr(`mesh-pay: note: no Mesh sandbox at ${meshUrl}; a kit that verifies transfers with Mesh's API will not find ${transferId}\n`);
}

async function resend(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parse(args, { url: { type: 'string' } }, HELP.resend);
  if (values.help) return io.stdout(`${HELP.resend}\n`);
  if (positionals.length !== 1) throw new CliError(`resend takes one eventId (${helpHint(HELP.resend)})`, 2);
  const url = kitUrl(values.url as string | undefined, io.env);
  const eventId = positionals[0]!;
  const entry = await withStore(io, async (store) => createInboxAdmin(store).get(eventId));
  if (!entry) throw new CliError(`no event ${JSON.stringify(eventId)} in the inbox`);
  const body = meshWebhookBody(entry.event, { id: randomUUID(), sentTimestamp: Math.floor(Date.now() / 1000) });
  const { duplicate } = await postSigned(url, body, io);
  io.stdout(`resent ${eventId}: ${duplicate ? 'the kit already has it (duplicate)' : 'accepted as new'}\n`);
}

/** Runs one command line; returns the exit code. Never throws. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout(`${HELP.main}\n`);
        return command === undefined ? 2 : 0;
      case 'inbox': {
        const [sub, ...args] = rest;
        if (sub === 'list') await inboxList(args, io);
        else if (sub === 'show') await inboxShow(args, io);
        else if (sub === 'retry') await inboxRetry(args, io);
        else if (sub === undefined || sub === '--help' || sub === '-h') {
          io.stdout(`${HELP.inbox}\n`);
          return sub === undefined ? 2 : 0;
        } else throw new CliError(`unknown inbox command ${JSON.stringify(sub)}: list, show or retry`, 2);
        return 0;
      }
      case 'trigger':
        await trigger(rest, io);
        return 0;
      case 'resend':
        await resend(rest, io);
        return 0;
      default:
        throw new CliError(`unknown command ${JSON.stringify(command)}: inbox, trigger or resend (mesh-pay --help)`, 2);
    }
  } catch (err) {
    const error = err instanceof CliError ? err : new CliError(describeError(err));
    io.stderr(`mesh-pay: ${error.message.replace(/\s*\n\s*/g, ' ')}\n`);
    return error.exitCode;
  }
}
