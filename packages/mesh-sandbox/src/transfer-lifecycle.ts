/**
 * What happens to a confirmed transfer: `pending` at once, then after the settle delay the final
 * status (`succeeded`, or `failed` for the fail scenario), each as a webhook. With the reorder rate
 * the final event is delivered before `pending`, as Mesh's at-least-once queue can.
 */
import { randomUUID } from 'node:crypto';
import type { SandboxTransfer } from './transfers.js';
import type { TransferEvent } from './webhook-payload.js';
import type { WebhookDispatcher } from './webhook-delivery.js';

export interface LifecycleOptions {
  settleDelayMs: number;
  reorderRate: number;
  random: () => number;
  now: () => number;
}

export function runTransferLifecycle(transfer: SandboxTransfer, dispatcher: WebhookDispatcher, options: LifecycleOptions): void {
  const pending: TransferEvent = { eventId: randomUUID(), status: 'pending', timestamp: options.now(), transfer };
  const reorder = options.random() < options.reorderRate;
  if (!reorder) void dispatcher.send(pending);
  dispatcher.later(options.settleDelayMs, async () => {
    transfer.status = transfer.outcome;
    transfer.executedTimestamp = options.now();
    const final: TransferEvent = { eventId: randomUUID(), status: transfer.outcome, timestamp: options.now(), transfer };
    await dispatcher.send(final);
    if (reorder) await dispatcher.send(pending);
  });
}
