import type { RequestHandler } from 'express';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/**
 * The demo's metrics: an OpenTelemetry SDK whose only reader is the Prometheus exporter, served at
 * `GET /metrics` on the demo's own port (no second server). The kit records through
 * `@opentelemetry/api` and is handed this provider, so nothing global is installed.
 *
 * The route is as public as the shop itself here; in production put it behind your own auth or on
 * an internal port. No label carries an id, a token, an amount or a body.
 */
export function createDemoMetrics(): { meterProvider: MeterProvider; route: RequestHandler; shutdown(): Promise<void> } {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  return {
    meterProvider,
    route: (req, res) => exporter.getMetricsRequestHandler(req, res),
    shutdown: () => meterProvider.shutdown(),
  };
}
