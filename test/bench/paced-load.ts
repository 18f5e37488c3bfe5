/**
 * An open-loop load generator at a steady rate: request i is due at start + i/rate and its latency
 * is measured from that due time, so a stalled server cannot hide its stall (no coordinated
 * omission). autocannon's `overallRate` is not that: each connection fires its share of a second
 * back to back, then idles until the next second, so its "1,000 req/s" is a burst of 1,000.
 */
import { Agent, request } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

export interface PacedResult {
  latencies: number[];
  failures: number;
  /** Answered (200) requests per second over the whole run. */
  achievedRate: number;
  /** The generator's own worst event-loop stall (ms): latencies include it. */
  generatorStallMs: number;
}

export interface PacedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export async function pacedLoad(
  baseUrl: string,
  next: () => PacedRequest,
  options: { rate: number; seconds: number; maxSockets?: number; graceSeconds?: number },
): Promise<PacedResult> {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const total = Math.round(options.rate * options.seconds);
  const interval = 1000 / options.rate;
  const latencies: number[] = [];
  let failures = 0;
  let done = 0;
  let sent = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const start = performance.now();

  // A server slower than the rate builds a queue; past the grace period what is left counts as failed.
  const graceMs = (options.graceSeconds ?? 10) * 1000;
  let unfinished = 0;
  await new Promise<void>((resolve) => {
    const deadline = setTimeout(() => {
      unfinished = total - done;
      resolve();
    }, options.seconds * 1000 + graceMs);
    const finish = () => {
      if (++done === total) {
        clearTimeout(deadline);
        resolve();
      }
    };
    const fire = (due: number) => {
      const { path, headers, body } = next();
      const req = request(
        { agent, host: url.hostname, port: url.port, method: 'POST', path, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (unfinished > 0) return;
            if (res.statusCode === 200) latencies.push(performance.now() - due);
            else failures++;
            finish();
          });
        },
      );
      req.on('error', () => {
        if (unfinished > 0) return;
        failures++;
        finish();
      });
      req.end(body);
    };
    const tick = () => {
      if (unfinished > 0) return;
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) fire(start + sent++ * interval);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  loopDelay.disable();
  return { latencies, failures: failures + unfinished, achievedRate: latencies.length / seconds, generatorStallMs: loopDelay.max / 1e6 };
}
