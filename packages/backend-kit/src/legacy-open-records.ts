/**
 * Data written before the reconciliation index existed. Kit versions before it tracked open
 * transactions in two merchant-record collections, read whole on every sweep:
 *
 *   `mesh-pay:open`    key transactionId → `{transactionId, createdAt}` (a token was minted)
 *   `mesh-pay:closed`  key transactionId → `{transactionId, closedAt}`  (a terminal status came)
 *
 * Today's sweep reads only the index, so a store opened on such data moves them over: each open
 * transaction that is not closed (and still has its record) joins the reconciliation index due at
 * its `createdAt` — overdue, so the next sweep asks Mesh about it, or closes it if it is past
 * looking up — and each closed one joins the retention index at its `closedAt` (unless one of its
 * events is dead: an operator may still retry it). Then both collections are deleted. Nothing
 * already in an index is moved, so running it again, or on two instances at once, changes nothing.
 *
 * SQLite does this each time it opens (cheap when the collections are empty, and it also catches
 * what a not-yet-upgraded instance wrote during a rolling upgrade); PostgreSQL in its migration 4,
 * and for an old instance still running afterwards a trigger (migration 5) files each of its
 * inserts the same way; Redis in a one-time, paged backfill (see `RedisStore.upgradeLegacyData`),
 * and before each reconciliation sweep for what an old instance wrote since.
 */
export const LEGACY_OPEN_COLLECTION = 'mesh-pay:open';
export const LEGACY_CLOSED_COLLECTION = 'mesh-pay:closed';
