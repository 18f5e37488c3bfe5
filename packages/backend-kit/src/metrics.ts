/**
 * The kit's OpenTelemetry metrics. Recorded through `@opentelemetry/api` only: with no SDK installed
 * every instrument is a no-op, so a merchant who does not collect metrics pays nothing. Attributes
 * are small closed sets (outcomes, reason codes): never an id, a token, an amount or a body.
 */
import { metrics, type Attributes, type MeterProvider } from '@opentelemetry/api';

export const METER_NAME = '@mesh-pay/backend-kit';

/** One place the kit reports to; created once per kit. */
export interface KitMetrics {
  webhookAccepted(duplicate: boolean, ackSeconds: number): void;
  webhookRefused(reason: string): void;
  /** Acknowledged, but for a transfer this kit did not mint (recorded, never fulfilled). */
  webhookUnmatched(): void;
  hookAttempt(hook: 'succeeded' | 'failed' | 'update', ok: boolean): void;
  eventDead(): void;
  /** What the worker made of an event (credit, fail, mismatch, underpaid, overpaid, conflict, refund, update). */
  verdict(verdict: string): void;
  reconcileLookup(outcome: 'ok' | 'error'): void;
  linkToken(outcome: 'minted' | 'refused', code?: string): void;
}

/**
 * @param provider the app's MeterProvider; by default the global one at the time the kit is created
 *   (register your SDK before calling `createMeshPay`).
 * @param openStreams read when metrics are collected, so the gauge costs nothing per stream.
 */
export function createKitMetrics(openStreams: () => number, provider: MeterProvider = metrics.getMeterProvider()): KitMetrics {
  const meter = provider.getMeter(METER_NAME);
  const webhooks = meter.createCounter('mesh_pay.webhooks', {
    description: 'Webhook deliveries, by outcome (accepted, duplicate, unmatched, refused) and refusal reason.',
  });
  const ack = meter.createHistogram('mesh_pay.webhook.ack.duration', {
    description: 'Time from the webhook request to its 200: verify, parse and durable store.',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1] },
  });
  const attempts = meter.createCounter('mesh_pay.fulfilment.attempts', {
    description: "Runs of the merchant's hooks, by hook and outcome.",
  });
  const dead = meter.createCounter('mesh_pay.fulfilment.dead', {
    description: 'Events given up on after the retry window; each needs an operator.',
  });
  const verdicts = meter.createCounter('mesh_pay.fulfilment.verdicts', {
    description: 'Decisions carried out on webhook events, by verdict (a retried event counts again).',
  });
  meter
    .createObservableGauge('mesh_pay.status_streams.open', { description: 'Status streams (SSE) open on this instance.' })
    .addCallback((result) => result.observe(openStreams()));
  const lookups = meter.createCounter('mesh_pay.reconciliation.lookups', {
    description: "Look-ups of a transaction at Mesh's API by the reconciler, by outcome.",
  });
  const tokens = meter.createCounter('mesh_pay.link_tokens', {
    description: 'Link-token requests, by outcome (minted, refused) and problem code.',
  });
  return {
    webhookAccepted(duplicate, ackSeconds) {
      webhooks.add(1, { outcome: duplicate ? 'duplicate' : 'accepted' });
      ack.record(ackSeconds);
    },
    webhookRefused: (reason) => webhooks.add(1, { outcome: 'refused', reason }),
    webhookUnmatched: () => webhooks.add(1, { outcome: 'unmatched' }),
    hookAttempt: (hook, ok) => attempts.add(1, { hook, outcome: ok ? 'ok' : 'error' }),
    eventDead: () => dead.add(1),
    verdict: (verdict) => verdicts.add(1, { verdict }),
    reconcileLookup: (outcome) => lookups.add(1, { outcome }),
    linkToken(outcome, code) {
      const attributes: Attributes = { outcome };
      if (code) attributes.code = code;
      tokens.add(1, attributes);
    },
  };
}
