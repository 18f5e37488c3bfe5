/**
 * Mesh's request and response shapes, taken from Mesh's own generated client
 * (`@meshconnect/node-api`, generated from the same OpenAPI document the sandbox validates against),
 * so a field Mesh does not define fails the type-check instead of being refused by Mesh at run time.
 *
 * Types only: the client itself is axios-based and reads and writes amounts as JS numbers, which
 * would round `123456789.123456789` and drop the exact decimals the kit promises; its calls also
 * bypass our timeout, single network retry and error mapping. So the kit keeps its own `fetch` and
 * lossless JSON, and borrows only the shapes — with every JSON number as a {@link JsonNumber}.
 */
import type {
  GetLinkTokenRequest,
  LinkTokenModel,
  LinkTokenTransferOptions,
  NetworkResponseWithIntegrations,
  TransferModel,
  TransferModelPaginationResponse,
  TransferToAddressWithAmount,
} from '@meshconnect/node-api';
import type { JsonNumber } from './lossless-json.js';

/**
 * `T` with every number written or read as its exact decimal text: what `stringifyWithDecimals`
 * sends and what `parseLosslessJson` returns.
 */
export type Exact<T> = T extends number
  ? JsonNumber
  : T extends readonly (infer U)[]
    ? Exact<U>[]
    : T extends object
      ? { [K in keyof T]: Exact<T[K]> }
      : T;

/** Body of `POST /api/v1/linktoken`. */
export type MeshLinkTokenRequest = Exact<GetLinkTokenRequest>;
export type MeshLinkTokenTransferOptions = Exact<LinkTokenTransferOptions>;
export type MeshToAddress = Exact<TransferToAddressWithAmount>;
/** `content` of the link-token answer. */
export type MeshLinkTokenModel = Exact<LinkTokenModel>;
/** One item of `GET /api/v1/transfers/managed/mesh`. */
export type MeshTransferModel = Exact<TransferModel>;
export type MeshTransferPage = Exact<TransferModelPaginationResponse>;
/** One network of `GET /api/v1/transfers/managed/networks`. */
export type MeshNetworkModel = Exact<NetworkResponseWithIntegrations>;
