/**
 * The few Mesh API calls the kit makes, with a timeout, one retry on network failure, and Mesh's
 * error bodies turned into {@link MeshPayError}s that are safe to show a browser. Mesh's own error
 * text and the credentials go only to the server log (the secret: nowhere).
 */
import { randomBytes } from 'node:crypto';
import { MeshPayError, describeError } from './errors.js';
import { JsonNumber, parseLosslessJson, type LosslessValue } from './lossless-json.js';
import type { Logger } from './config.js';

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

/** One transfer as `GET /api/v1/transfers/managed/mesh` lists it, normalized; amounts stay strings. */
export interface MeshTransfer {
  transferId: string;
  transactionId?: string;
  status: string;
  txHash?: string;
  token?: string;
  chain?: string;
  sourceAmount?: string;
  destinationAmount?: string;
  destinationAddress?: string;
  userId?: string;
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

  /** `POST /api/v1/linktoken`; returns the link token. */
  async createLinkToken(body: Record<string, unknown>): Promise<string> {
    const content = await this.request('POST', '/api/v1/linktoken', body);
    const linkToken = field(content, 'linkToken');
    if (typeof linkToken !== 'string' || linkToken.length === 0) {
      this.options.logger.error('mesh-pay: Mesh link token response had no linkToken');
      throw new MeshPayError('MESH_PAY_MESH_UNAVAILABLE', 502, 'Mesh returned an unexpected answer.');
    }
    return linkToken;
  }

  async getNetworks(): Promise<MeshNetwork[]> {
    const content = await this.request('GET', '/api/v1/transfers/managed/networks');
    const list = Array.isArray(content) ? content : field(content, 'networks');
    if (!Array.isArray(list)) throw new MeshPayError('MESH_PAY_MESH_UNAVAILABLE', 502, 'Mesh returned an unexpected answer.');
    return list.map((n) => plain(n) as MeshNetwork);
  }

  /** Transfers Mesh made for one of our transaction ids (`clientTransactionId`). */
  async getTransfersByTransactionId(transactionId: string): Promise<MeshTransfer[]> {
    const q = new URLSearchParams({ ClientTransactionId: transactionId, Count: '50' });
    const content = await this.request('GET', `/api/v1/transfers/managed/mesh?${q}`);
    const items = Array.isArray(content) ? content : field(content, 'items');
    if (!Array.isArray(items)) return [];
    const out: MeshTransfer[] = [];
    for (const item of items) {
      const t = toMeshTransfer(item);
      // Mesh may ignore an unknown filter; only ever trust items that name our transaction.
      if (t && t.transactionId === transactionId) out.push(t);
    }
    return out;
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

function toMeshTransfer(item: LosslessValue): MeshTransfer | undefined {
  const get = (...keys: string[]) => {
    for (const k of keys) {
      const v = str(field(item, k));
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const transferId = get('transferId', 'id', 'Id');
  const status = get('status', 'transferStatus', 'Status');
  if (!transferId || !status) return undefined;
  const t: MeshTransfer = { transferId, status: status.toLowerCase() };
  const set = (key: Exclude<keyof MeshTransfer, 'transferId' | 'status'>, ...keys: string[]) => {
    const v = get(...keys);
    if (v !== undefined) t[key] = v;
  };
  set('transactionId', 'clientTransactionId', 'transactionId');
  set('txHash', 'txHash', 'hash');
  set('token', 'token', 'symbol');
  set('chain', 'chain', 'networkName');
  set('sourceAmount', 'sourceAmount');
  set('destinationAmount', 'destinationAmount', 'amount');
  set('destinationAddress', 'destinationAddress', 'address', 'toAddress');
  set('userId', 'userId');
  return t;
}
