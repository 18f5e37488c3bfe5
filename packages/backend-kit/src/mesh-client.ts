/**
 * The few Mesh API calls the kit makes, with a timeout, one retry on network failure, and Mesh's
 * error bodies turned into {@link MeshPayError}s that are safe to show a browser. Mesh's own error
 * text and the credentials go only to the server log (the secret: nowhere).
 */
import { randomBytes } from 'node:crypto';
import { MeshPayError, describeError } from './errors.js';
import { JsonNumber, parseLosslessJson, type LosslessValue } from './lossless-json.js';
import type { Logger } from './config.js';
import type { MeshLinkTokenModel, MeshLinkTokenRequest, MeshTransferModel, MeshTransferPage } from './mesh-api-types.js';

export interface MeshClientOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  logger: Logger;
}

/** A network as `GET /api/v1/transfers/managed/networks` lists it (fields beyond these are kept). */
export interface MeshNetwork {
  id: string;
  name: string;
  chainId?: string;
  supportedTokens?: string[];
  [key: string]: unknown;
}

/**
 * One transfer as `GET /api/v1/transfers/managed/mesh` lists it (Mesh's `TransferModel`), normalized:
 * status lowercased, amounts kept as their exact decimal text.
 */
export interface MeshTransfer {
  transferId: string;
  /** `clientTransactionId`: the `transactionId` the kit sent when it minted the token. */
  transactionId?: string;
  status: string;
  txHash?: string;
  token?: string;
  chain?: string;
  networkId?: string;
  /** What the user paid, USD. */
  amountInFiat?: string;
  /** What the destination received, USD (when Mesh reports it). */
  destinationAmountInFiat?: string;
  /** The amount without fees, USD. */
  amountToReceiveInFiat?: string;
  /** Token amount of the transfer. */
  amount?: string;
  sourceAmount?: string;
  destinationAmount?: string;
  destinationAddress?: string;
  userId?: string;
}

/** The answer to `POST /api/v1/linktoken`. */
export interface MintedLinkToken {
  linkToken: string;
  /** Mesh's hosted pay link, present when the request had `generatePayLink: true`. */
  paymentLink?: string;
}

/** Serializes JSON where {@link JsonNumber}s are written as bare number literals (exact decimals). */
export function stringifyWithDecimals(value: unknown): string {
  const literals: string[] = [];
  // A per-call random marker: no string in `value` can be mistaken for one.
  const nonce = randomBytes(12).toString('hex');
  const json = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    // toJSON has already run on `v`; the holder still has the JsonNumber itself.
    const original = this[key];
    if (original instanceof JsonNumber) {
      literals.push(original.source);
      return `${nonce}:${literals.length - 1}`;
    }
    return v;
  });
  return json.replace(new RegExp(`"${nonce}:(\\d+)"`, 'g'), (_m, i: string) => literals[Number(i)] ?? 'null');
}

class NetworkFailure extends Error {}

export class MeshClient {
  constructor(private readonly options: MeshClientOptions) {}

  /** `POST /api/v1/linktoken`; returns the link token (and Mesh's pay link when it made one). */
  async createLinkToken(body: MeshLinkTokenRequest): Promise<MintedLinkToken> {
    const content = await this.request('POST', '/api/v1/linktoken', body);
    const linkToken = field(content, 'linkToken' satisfies keyof MeshLinkTokenModel);
    if (typeof linkToken !== 'string' || linkToken.length === 0) {
      this.options.logger.error('mesh-pay: Mesh link token response had no linkToken');
      throw new MeshPayError('MESH_PAY_MESH_UNAVAILABLE', 502, 'Mesh returned an unexpected answer.');
    }
    const paymentLink = field(content, 'paymentLink' satisfies keyof MeshLinkTokenModel);
    return typeof paymentLink === 'string' && paymentLink.length > 0 ? { linkToken, paymentLink } : { linkToken };
  }

  async getNetworks(): Promise<MeshNetwork[]> {
    const content = await this.request('GET', '/api/v1/transfers/managed/networks');
    const list = Array.isArray(content) ? content : field(content, 'networks');
    if (!Array.isArray(list)) throw new MeshPayError('MESH_PAY_MESH_UNAVAILABLE', 502, 'Mesh returned an unexpected answer.');
    return list.map((n) => plain(n) as MeshNetwork);
  }

  /** Transfers Mesh made for one of our transaction ids (`clientTransactionId`). */
  async getTransfersByTransactionId(transactionId: string): Promise<MeshTransfer[]> {
    // Mesh may ignore an unknown filter; only ever trust items that name our transaction.
    return (await this.listTransfers({ ClientTransactionId: transactionId, Count: '50' })).filter(
      (t) => t.transactionId === transactionId,
    );
  }

  /**
   * Mesh's record of one transfer (`Id` = the webhook's TransferId), whatever transaction it names,
   * or `undefined` when Mesh lists no such transfer. Throws (a `MeshPayError`) when Mesh cannot be asked.
   */
  async getTransfer(transferId: string): Promise<MeshTransfer | undefined> {
    return (await this.listTransfers({ Id: transferId, Count: '10' })).find((t) => t.transferId === transferId);
  }

  private async listTransfers(query: Record<string, string>): Promise<MeshTransfer[]> {
    const content = await this.request('GET', `/api/v1/transfers/managed/mesh?${new URLSearchParams(query)}`);
    const items = field(content, 'items' satisfies keyof MeshTransferPage);
    if (!Array.isArray(items)) {
      this.options.logger.error('mesh-pay: Mesh transfer listing had no items');
      throw new MeshPayError('MESH_PAY_MESH_UNAVAILABLE', 502, 'Mesh returned an unexpected answer.');
    }
    return items.flatMap((item) => toMeshTransfer(item) ?? []);
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<LosslessValue> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(method, path, body);
      } catch (err) {
        if (err instanceof NetworkFailure && attempt === 1) {
          this.options.logger.warn('mesh-pay: Mesh unreachable, retrying once', { path: path.split('?')[0] });
          continue;
        }
        if (err instanceof NetworkFailure) {
          throw new MeshPayError('MESH_PAY_MESH_UNAVAILABLE', 502, 'Mesh could not be reached. Please try again.', {
            cause: err,
          });
        }
        throw err;
      }
    }
  }

  private async once(method: 'GET' | 'POST', path: string, body?: unknown): Promise<LosslessValue> {
    const { baseUrl, clientId, clientSecret, timeoutMs, logger } = this.options;
    const signal = AbortSignal.timeout(timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          'X-Client-Id': clientId,
          'X-Client-Secret': clientSecret,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: stringifyWithDecimals(body) }),
        signal,
      });
      text = await res.text();
    } catch (err) {
      if (signal.aborted) {
        logger.warn('mesh-pay: Mesh timed out', { path: path.split('?')[0], timeoutMs });
        throw new MeshPayError('MESH_PAY_MESH_TIMEOUT', 504, 'Mesh did not answer in time. Please try again.');
      }
      throw new NetworkFailure(describeError((err as { cause?: unknown }).cause ?? err));
    }

    let parsed: LosslessValue | undefined;
    try {
      parsed = parseLosslessJson(text);
    } catch {
      parsed = undefined;
    }
    if (res.ok && parsed !== undefined) {
      const content = field(parsed, 'content');
      return content === undefined ? parsed : content;
    }
    const errorType = field(parsed, 'errorType');
    const message = field(parsed, 'message');
    logger.warn('mesh-pay: Mesh answered with an error', {
      path: path.split('?')[0],
      status: res.status,
      errorType: typeof errorType === 'string' ? errorType : undefined,
      message: typeof message === 'string' ? message.slice(0, 300) : undefined,
    });
    if (res.status >= 400 && res.status < 500 && res.status !== 429) {
      throw new MeshPayError(
        'MESH_PAY_MESH_REFUSED',
        502,
        res.status === 401 || res.status === 403
          ? 'Mesh refused the merchant configuration.'
          : 'Mesh refused the payment request.',
      );
    }
    throw new MeshPayError('MESH_PAY_MESH_UNAVAILABLE', 502, 'Mesh is unavailable. Please try again.');
  }
}

function field(value: LosslessValue | undefined, key: string): LosslessValue | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof JsonNumber) return undefined;
  return Object.hasOwn(value, key) ? value[key] : undefined;
}

/** Lossless value → plain JS, numbers as their exact text. */
function plain(value: LosslessValue): unknown {
  if (value instanceof JsonNumber) return value.source;
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function str(value: LosslessValue | undefined): string | undefined {
  if (typeof value === 'string') return value || undefined;
  if (value instanceof JsonNumber) return value.source;
  return undefined;
}

/** Reads a `TransferModel`: only fields Mesh's document defines (the key type checks it). */
function toMeshTransfer(item: LosslessValue): MeshTransfer | undefined {
  const get = (key: keyof MeshTransferModel) => str(field(item, key));
  const transferId = get('id');
  const status = get('status');
  if (!transferId || !status) return undefined;
  const t: MeshTransfer = { transferId, status: status.toLowerCase() };
  const set = (key: Exclude<keyof MeshTransfer, 'transferId' | 'status'>, from: keyof MeshTransferModel) => {
    const v = get(from);
    if (v !== undefined) t[key] = v;
  };
  set('transactionId', 'clientTransactionId');
  set('txHash', 'hash');
  set('token', 'symbol');
  set('chain', 'networkName');
  set('networkId', 'networkId');
  set('amountInFiat', 'amountInFiat');
  set('destinationAmountInFiat', 'destinationAmountInFiat');
  set('amountToReceiveInFiat', 'amountToReceiveInFiat');
  set('amount', 'amount');
  set('sourceAmount', 'sourceAmount');
  set('destinationAmount', 'destinationAmount');
  set('destinationAddress', 'destinationAddress');
  set('userId', 'userId');
  return t;
}
