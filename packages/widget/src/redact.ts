/**
 * Access and refresh tokens let anyone act on the customer's exchange account. They go to the kit's
 * return-user route, never into DOM events (any script on the page, analytics included, listens
 * there) unless the merchant opts in with `expose-access-tokens`.
 */
export const REDACTED = '[redacted]';

const SECRET_KEYS = new Set(['accessToken', 'refreshToken']);

/** A deep copy of `value` with every `accessToken`/`refreshToken` string replaced by "[redacted]". */
export function redactTokens<T>(value: T): T {
  return walk(value, 0, new WeakSet()) as T;
}

// Past this depth (or on a cycle) we drop the value rather than risk passing a token through.
const MAX_DEPTH = 32;

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH || seen.has(value)) return REDACTED;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEYS.has(key) && typeof item === 'string' ? REDACTED : walk(item, depth + 1, seen);
  }
  return out;
}
