/**
 * @mesh-pay/backend-kit — an Express router for Mesh Pay: mints Mesh link tokens, verifies Mesh's
 * signed webhooks into a durable inbox, credits once and streams transfer status over SSE.
 *
 * ```ts
 * const kit = createMeshPay({ store: await openStore('sqlite:.data/mesh-pay.db'), mesh, webhookSecret, kitSecret, resolveOrder });
 * app.use('/mesh', kit.router);
 * await kit.start();
 * ```
 */
export { createMeshPay, type MeshPayKit } from './create-mesh-pay.js';
export {
  MESH_BASE_URLS,
  type Logger,
  type MeshEnvironment,
  type MeshPayOptions,
  type ResolvedOrder,
  type SucceededHookArgs,
  type FailedHookArgs,
  type TransferHookArgs,
  type UpdateHookArgs,
  type VerifyTransfersOptions,
  type DeadEventArgs,
  type FulfilmentOptions,
} from './config.js';
export { createInboxAdmin, isInboxState, type InboxAdmin, type InboxListQuery, type InboxRetryResult } from './inbox-admin.js';
export { nextRetry, backoffCeiling, type RetryPolicy, type RetryVerdict } from './retry-schedule.js';
export { browserCors, parseAllowedOrigin, parseAllowedOrigins, InvalidOriginError, type CorsOptions } from './cors.js';
export { MeshPayError, toProblem, type MeshPayErrorCode, type Problem } from './errors.js';
export { verifyWebhookSignature, checkWebhookSignature, signWebhookBody, type SignatureRefusal } from './webhook-verify.js';
export { METER_NAME } from './metrics.js';
export { parseTransferEvent, parseMeshWebhook, type UnmatchedTransferEvent } from './webhook-parse.js';
export type { WebhookRefusal } from './webhook-route.js';
export { parseLosslessJson, JsonNumber, LosslessJsonSyntaxError, type LosslessValue } from './lossless-json.js';
export { signCapability, verifyCapability, type CapabilityClaims } from './capability.js';
export {
  decide,
  matchDestination,
  isTerminal,
  isRefundStatus,
  CREDITED_VERDICTS,
  REPORTED_VERDICTS,
  type Confirmation,
  type Decision,
  type Verdict,
} from './fulfilment-decide.js';
export { judgeTransfer, TransferNotConfirmedError, type JudgeInput, type Judgement } from './transfer-verify.js';
export { VERDICTS_COLLECTION, listVerdicts, type VerdictRecord } from './verdict-report.js';
export { compareDecimals } from './exact-decimal.js';
export { buildLinkTokenRequest, type LinkTokenResponse } from './link-token-route.js';
export {
  toIntegrationAccessTokens,
  type IntegrationAccessToken,
  type IntegrationLimits,
  type StoredConnection,
} from './return-users.js';
export type { StreamLimits } from './status-stream.js';
export type { MeshNetwork, MeshTransfer, MintedLinkToken } from './mesh-client.js';
export type {
  Exact,
  MeshLinkTokenRequest,
  MeshLinkTokenModel,
  MeshNetworkModel,
  MeshToAddress,
  MeshTransferModel,
} from './mesh-api-types.js';
export type {
  Destination,
  InboxAttempt,
  InboxEntry,
  InboxEntryWithHistory,
  InboxPage,
  InboxQuery,
  InboxState,
  RequeueResult,
  HookTransaction,
  InspectableStore,
  KitStore,
  StatusUpdate,
  StoredStatus,
  StoreStats,
  TransactionalStore,
  TransactionRecord,
  TransferEvent,
  TransferStatus,
  UnmatchedRecord,
  WebhookAdmission,
} from './store.js';
export { INBOX_HISTORY_LIMIT, UNMATCHED_COLLECTION } from './store.js';
export { memoryStore } from './memory-store.js';
// The durable stores are subpath exports so their drivers stay optional: import `sqliteStore` from
// '@mesh-pay/backend-kit/sqlite', `redisStore` from '@mesh-pay/backend-kit/redis' and
// `postgresStore` from '@mesh-pay/backend-kit/postgres', or let
// `openStore` load the one a spec names.
export { statusFanout, type StatusFanout, type StatusListener, type StatusSource } from './status-fanout.js';
export { openStore, StoreSpecError, type OpenStoreOptions } from './open-store.js';
export { StoreDriverMissingError } from './store-driver.js';
// Types only: erased at run time, so they load no driver.
export type { SqliteStoreOptions } from './sqlite-store.js';
export type { RedisStore, RedisStoreOptions } from './redis-store.js';
export type { PostgresStore, PostgresStoreOptions } from './postgres-store.js';
