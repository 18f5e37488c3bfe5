/**
 * A merchant who collects OpenTelemetry metrics sees what the kit did: a payment from token to
 * credit, a forgery refused by reason, a hook that failed once, a reconciliation look-up and the
 * open streams, with labels that never carry an id, a token or an amount.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { SseClient, eventually, mint, postWebhook, startKit, webhookBody } from './harness.js';

/** Collects on demand: what a Prometheus scrape would read. */
class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

type Points = { name: string; attributes: Record<string, unknown>; value: unknown }[];

async function scrape(reader: OnDemandReader): Promise<Points> {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics.flatMap((scope) =>
    scope.metrics.flatMap((metric) =>
      (metric.dataPoints as DataPoint<unknown>[]).map((p) => ({ name: metric.descriptor.name, attributes: p.attributes, value: p.value })),
    ),
  );
}

function sum(points: Points, name: string, attributes: Record<string, string> = {}): number {
  return points
    .filter((p) => p.name === name && Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))
    .reduce((total, p) => total + (typeof p.value === 'number' ? p.value : (p.value as Histogram).count), 0);
}

describe('OpenTelemetry metrics', () => {
  it('count a payment, a forgery, a failing hook, a reconciliation look-up and the open streams', async () => {
    const reader = new OnDemandReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    let failOnce = true;
    const k = await startKit({
      meterProvider,
      onTransferSucceeded: () => {
        if (failOnce) {
          failOnce = false;
          throw new Error('ledger briefly down');
        }
      },
    });
    try {
      const minted = await mint(k);
      const stream = await SseClient.open(`${k.url}${minted.statusUrl}`);
      await eventually(async () => sum(await scrape(reader), 'mesh_pay.status_streams.open') === 1, 'the open stream to be seen');

      const forged = await postWebhook(k, webhookBody({ transactionId: minted.transactionId, status: 'pending' }), { signature: null });
      assert.equal(forged.status, 401);
      for (const status of ['pending', 'succeeded']) {
        const res = await postWebhook(k, webhookBody({ transactionId: minted.transactionId, status, transferId: 'tr-metrics' }));
        assert.equal(res.status, 200);
      }
      await stream.until((s) => s.ended, 'the stream to end on succeeded');
      // The status is Mesh's and is shown at once; the credit comes with the hook's retry.
      await eventually(
        async () => sum(await scrape(reader), 'mesh_pay.fulfilment.attempts', { hook: 'succeeded', outcome: 'ok' }) === 1,
        'the retried hook to succeed',
      );
      await k.kit.reconcile(minted.transactionId);

      const points = await scrape(reader);
      assert.equal(sum(points, 'mesh_pay.link_tokens', { outcome: 'minted' }), 1);
      assert.equal(sum(points, 'mesh_pay.webhooks', { outcome: 'accepted' }), 2);
      assert.equal(sum(points, 'mesh_pay.webhooks', { outcome: 'refused', reason: 'signature-missing' }), 1);
      assert.equal(sum(points, 'mesh_pay.webhook.ack.duration'), 2);
      assert.equal(sum(points, 'mesh_pay.fulfilment.attempts', { hook: 'succeeded', outcome: 'error' }), 1);
      assert.equal(sum(points, 'mesh_pay.fulfilment.attempts', { hook: 'succeeded', outcome: 'ok' }), 1);
      assert.ok(sum(points, 'mesh_pay.fulfilment.verdicts', { verdict: 'credit' }) >= 1);
      assert.equal(sum(points, 'mesh_pay.reconciliation.lookups', { outcome: 'ok' }), 1);
      await eventually(async () => sum(await scrape(reader), 'mesh_pay.status_streams.open') === 0, 'the ended stream to be let go');

      // Labels are closed sets: nothing that names a shopper, a transaction or money.
      const labels = JSON.stringify(points.map((p) => p.attributes));
      for (const secretish of [minted.transactionId, 'tr-metrics', '25.000000000000000001', 'user-1']) {
        assert.ok(!labels.includes(secretish), `${secretish} appears in a metric label`);
      }
    } finally {
      await k.close();
      await meterProvider.shutdown();
    }
  });
});
