/** What the benchmarks need from a running kit, spoken over HTTP as a browser would. */
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const required = ['packages/backend-kit/src/index.ts', 'packages/mesh-sandbox/src/index.ts'];

/** Whether the kit and the sandbox have landed (their public entry points exist). */
export async function kitAvailable(): Promise<boolean> {
  return required.every((path) => existsSync(fileURLToPath(new URL(`../../${path}`, import.meta.url))));
}

export function missingKitReason(): string {
  const missing = required.filter((path) => !existsSync(fileURLToPath(new URL(`../../${path}`, import.meta.url))));
  return `${missing.join(' and ')} not found: the backend kit / Mesh sandbox had not landed`;
}

export interface MintedTransaction {
  linkToken: string;
  transactionId: string;
  statusUrl: string;
}

/** `POST /mesh/link-token` for a fresh order. */
export async function mintTransaction(baseUrl: string, orderId = `bench-${randomUUID().slice(0, 18)}`): Promise<MintedTransaction> {
  const res = await fetch(`${baseUrl}/mesh/link-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ orderId }),
  });
  const body = (await res.json()) as Partial<MintedTransaction>;
  if (res.status !== 200 || !body.transactionId || !body.statusUrl || !body.linkToken) {
    throw new Error(`POST /mesh/link-token answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
  return body as MintedTransaction;
}

/** Absolute URL of a status stream (the kit answers a path). */
export function streamUrl(baseUrl: string, statusUrl: string): string {
  return new URL(statusUrl, baseUrl).href;
}
