/**
 * A body parser mounted before the kit consumes the webhook's bytes, and then no signature can
 * match: every webhook is refused and Mesh retries for days. The kit's router is an Express sub-app
 * so it hears its own `mount`, and looks at what the host app registered before it.
 */
import type { Application } from 'express';
import type { Logger } from './config.js';

/** Function names of body-parser's (and so express.json/urlencoded/text/raw's) middleware. */
const BODY_PARSERS = new Set(['jsonParser', 'urlencodedParser', 'textParser', 'rawParser']);

interface LayerLike {
  name?: string;
}

/** Names of body parsers the host app runs, for every path, before the point where the kit is mounted. */
export function bodyParsersBefore(parent: Application): string[] {
  const stack = (parent as unknown as { router?: { stack?: LayerLike[] } }).router?.stack ?? [];
  return stack.map((layer) => layer.name ?? '').filter((name) => BODY_PARSERS.has(name));
}

export function warnOnEarlierBodyParsers(parent: Application, mountPath: string | string[], logger: Logger): void {
  const parsers = bodyParsersBefore(parent);
  if (parsers.length === 0) return;
  logger.warn(
    `mesh-pay: ${parsers.join(', ')} runs before the kit mounted at ${String(mountPath)}: webhooks will be refused unless it keeps the raw bytes on req.rawBody. Mount the kit first, or exclude its /webhook path from the parser.`,
    { parsers },
  );
}
