/**
 * The operator's handle on the webhook inbox: see what is pending, processing, done or dead, look
 * at one event, and send events back for fulfilment. It talks to the store only, so it works from
 * any instance sharing the store, and from the `mesh-pay` CLI with no kit running at all (a
 * running kit picks requeued events up on its next poll).
 *
 * Retrying never risks a double credit: a requeued `succeeded` event goes through the same
 * `credit:<transferId>` lock and once-mark as the first attempt did.
 */
import { MeshPayError } from './errors.js';
import { INBOX_STATES, type InboxEntryWithHistory, type InboxPage, type InboxState, type KitStore } from './store.js';

export interface InboxListQuery {
  state?: InboxState;
  cursor?: string;
  /** 1–1000; default 100. */
  limit?: number;
}

/** What an operator's retry of one event did. */
export interface InboxRetryResult {
  eventId: string;
  /** The state it was found in. */
  was: InboxState;
  /** `true` when it is now queued (it was `dead` or `pending`); `false` for `done` or `processing`, left alone. */
  queued: boolean;
}

export interface InboxAdmin {
  list(query?: InboxListQuery): Promise<InboxPage>;
  /**
   * One event with its state, schedule, last error and `history`: one record per attempt (the last
   * 50), oldest first. `undefined` when unknown.
   */
  get(eventId: string): Promise<InboxEntryWithHistory | undefined>;
  /** @throws {MeshPayError} `MESH_PAY_INBOX_EVENT_NOT_FOUND` for an unknown EventId. */
  retry(eventId: string): Promise<InboxRetryResult>;
  /** Requeues every dead event (in pages); returns their EventIds. */
  retryDead(): Promise<string[]>;
}

const MAX_ID = 200;

function checkEventId(eventId: unknown): string {
  if (typeof eventId !== 'string' || eventId.length === 0 || eventId.length > MAX_ID) {
    throw new MeshPayError('MESH_PAY_INVALID_REQUEST', 400, `An EventId is 1-${MAX_ID} characters.`);
  }
  return eventId;
}

export function isInboxState(value: unknown): value is InboxState {
  return typeof value === 'string' && (INBOX_STATES as readonly string[]).includes(value);
}

/**
 * @param onQueued called after something was requeued (the kit wakes its worker; the CLI has none).
 */
export function createInboxAdmin(store: KitStore, onQueued: () => void = () => {}, clock: () => number = Date.now): InboxAdmin {
  return {
    async list(query = {}) {
      if (query.state !== undefined && !isInboxState(query.state)) {
        throw new MeshPayError('MESH_PAY_INVALID_REQUEST', 400, `state must be one of ${INBOX_STATES.join(', ')}.`);
      }
      if (query.cursor !== undefined && (typeof query.cursor !== 'string' || query.cursor.length > 1000)) {
        throw new MeshPayError('MESH_PAY_INVALID_REQUEST', 400, 'cursor must be the string a previous page returned.');
      }
      return store.listInbox({
        limit: query.limit ?? 100,
        ...(query.state ? { state: query.state } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
    },

    async get(eventId) {
      return store.getInboxEntry(checkEventId(eventId));
    },

    async retry(eventId) {
      const was = await store.requeueInbox(checkEventId(eventId), clock());
      if (was === undefined) {
        throw new MeshPayError('MESH_PAY_INBOX_EVENT_NOT_FOUND', 404, `No event ${JSON.stringify(eventId)} in the inbox.`);
      }
      const queued = was === 'dead' || was === 'pending';
      if (queued) onQueued();
      return { eventId, was, queued };
    },

    async retryDead() {
      const all: string[] = [];
      for (;;) {
        const page = await store.requeueDeadInbox(clock(), 100);
        if (page.length === 0) break;
        all.push(...page);
        onQueued();
      }
      return all;
    },
  };
}
