/**
 * @mesh-pay/mesh-sandbox — Mesh Connect's link-token API, Link page and signed transfer webhooks,
 * offline. The real @meshconnect/web-link-sdk runs against it; with real credentials the same
 * merchant code talks to real Mesh.
 *
 * ```ts
 * const sandbox = createMeshSandbox({ webhookUrl: 'http://localhost:3000/mesh/webhook', webhookSecret });
 * app.use('/sandbox/mesh', sandbox.router); // Mesh base URL: http://localhost:3000/sandbox/mesh
 * ```
 */
export {
  createMeshSandbox,
  SANDBOX_CLIENT_ID,
  SANDBOX_CLIENT_SECRET,
  type MeshSandbox,
  type MeshSandboxOptions,
} from './sandbox.js';
export { startMeshSandbox, type StandaloneMeshSandbox } from './standalone.js';
export { SANDBOX_SCENARIOS, type SandboxScenario } from './sandbox-context.js';
export { signWebhook, SIGNATURE_HEADER } from './webhook-sign.js';
export { SANDBOX_NETWORKS, type SandboxNetwork } from './networks.js';
export { SANDBOX_INTEGRATIONS, type SandboxIntegration } from './integrations.js';
export { SANDBOX_PRICES_USD, cryptoAmountForFiat } from './pricing.js';
export type { SandboxTransfer, SandboxTransferStatus } from './transfers.js';
export type { RecordTransferInput } from './recorded-transfers.js';
export type { WebhookTransferStatus } from './webhook-payload.js';
export { TOKEN_DECIMALS } from './token-decimals.js';
export { DEFAULT_API_RATE_LIMIT } from './api-rate-limit.js';
export type { WebhookDelivery } from './webhook-delivery.js';
export { MeshSandboxError, type SandboxErrorCode } from './api-errors.js';
