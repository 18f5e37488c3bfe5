/**
 * What happens to a confirmed transfer: `Pending` at once, then after the settle delay the final
 * status (`Succeeded`, or `Failed` for the fail scenario), each as a webhook. With the reorder rate
 * the final event is delivered before `Pending`, as Mesh's at-least-once queue can. A refund (a
 * sandbox scenario for tests) sends `RefundPending`, then `RefundSucceeded`.
 */
import { randomUUID } from 'node:crypto';
import { unixSeconds, type SandboxTransfer } from './transfers.js';
import type { TransferEvent, WebhookTransferStatus } from './webhook-payload.js';
import type { WebhookDispatcher } from './webhook-delivery.js';

export interface LifecycleOptions {
  settleDelayMs: number;
  reorderRate: number;
  random: () => number;
  now: () => number;
}

const WEBHOOK_STATUS = { pending: 'Pending', succeeded: 'Succeeded', failed: 'Failed' } as const satisfies Record<string, WebhookTransferStatus>;

function event(status: WebhookTransferStatus, transfer: SandboxTransfer, now: () => number): TransferEvent {
  return { eventId: randomUUID(), status, timestamp: now(), transfer };
}

export function runTransferLifecycle(transfer: SandboxTransfer, dispatcher: WebhookDispatcher, options: LifecycleOptions): void {
  const pending = event('Pending', transfer, options.now);
  const reorder = options.random() < options.reorderRate;
  if (!reorder) void dispatcher.send(pending);
  dispatcher.later(options.settleDelayMs, async () => {
    transfer.status = transfer.outcome;
    transfer.executedTimestamp = unixSeconds(options.now());
    await dispatcher.send(event(WEBHOOK_STATUS[transfer.outcome], transfer, options.now));
    if (reorder) await dispatcher.send(pending);
  });
}

/** Refunds a transfer: `RefundPending` now, `RefundSucceeded` after the settle delay. */
export function runRefund(transfer: SandboxTransfer, dispatcher: WebhookDispatcher, options: LifecycleOptions): Promise<void> {
  transfer.refund = 'pending';
  const first = dispatcher.send(event('RefundPending', transfer, options.now));
  dispatcher.later(options.settleDelayMs, async () => {
    await first;
    transfer.refund = 'succeeded';
    await dispatcher.send(event('RefundSucceeded', transfer, options.now));
  });
  return first;
}
