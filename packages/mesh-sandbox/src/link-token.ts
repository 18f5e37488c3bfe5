/**
 * The body of `POST /api/v1/linktoken`. Its shape is whatever Mesh's OpenAPI document says
 * `GetLinkTokenRequest` is (checked with the vendored Ajv validator: unknown fields, missing
 * `userId`, wrong types are refused). On top, the sandbox checks what Mesh checks against its
 * network list (known network, supported token, address pattern) and that amounts are positive.
 * Amounts are read from the raw JSON text, so `25.000000000000000001` stays exactly that.
 */
import { isLosslessNumber, parse as parseLossless } from 'lossless-json';
import { compareDecimal, jsonNumberToDecimal } from './exact-decimal.js';
import { meshRequestBodySchemaName, meshSchemaErrors } from './mesh-openapi.js';
import { findNetwork, isValidAddress, SANDBOX_NETWORKS, type SandboxNetwork } from './networks.js';
import { fractionDigits, tokenDecimals } from './token-decimals.js';

/** The fields of Mesh's `GetLinkTokenRequest` the sandbox acts on (the document allows more). */
export interface LinkTokenRequest {
  userId: string;
  restrictMultipleAccounts?: boolean;
  integrationId?: string | null;
  transferOptions?: {
    toAddresses?: { networkId: string; symbol?: string | null; address?: string | null; addressTag?: string | null; amount?: number | null }[] | null;
    amountInFiat?: number | null;
    transactionId?: string | null;
    transferType?: string | null;
    generatePayLink?: boolean;
  } | null;
}

/** One destination the customer may pay to, with its amount as exact decimal text. */
export interface Destination {
  readonly index: number;
  readonly network: SandboxNetwork;
  /** Upper-case, as Mesh lists tokens. */
  readonly symbol: string;
  readonly address: string;
  readonly addressTag: string | null;
  /** `toAddresses[].amount` as written, in the token. */
  readonly amount: string | null;
}

/** A validated request: Mesh's body, plus the exact decimals and destinations the sandbox uses. */
export interface MintRequest {
  readonly body: LinkTokenRequest;
  readonly userId: string;
  /** `transferOptions.amountInFiat` as written (USD), or null. */
  readonly amountInFiat: string | null;
  readonly transactionId: string | null;
  readonly transferType: string | null;
  readonly destinations: readonly Destination[];
  readonly generatePayLink: boolean;
}

export type ParseResult = { ok: true; request: MintRequest } | { ok: false; status: 'json' | 'invalid'; message: string };

const SCHEMA = () => meshRequestBodySchemaName('post', '/api/v1/linktoken');

/** Parses and checks the raw request text. */
export function parseLinkTokenRequest(text: string): ParseResult {
  let lossless: unknown;
  try {
    lossless = parseLossless(text);
  } catch {
    return { ok: false, status: 'json', message: 'Request body is not valid JSON.' };
  }
  if (typeof lossless !== 'object' || lossless === null || Array.isArray(lossless)) {
    return { ok: false, status: 'invalid', message: 'The request body must be a JSON object (Content-Type: application/json).' };
  }
  const plain = toPlain(lossless);
  const schemaErrors = meshSchemaErrors(SCHEMA(), plain);
  if (schemaErrors.length) return invalid(schemaErrors);

  const body = plain as LinkTokenRequest;
  const exact = lossless as { transferOptions?: { amountInFiat?: unknown; toAddresses?: { amount?: unknown }[] | null } | null };
  const problems: string[] = [];
  const amountInFiat = decimalAt(exact.transferOptions?.amountInFiat);
  if (amountInFiat !== null && compareDecimal(amountInFiat, '0') <= 0) problems.push('/transferOptions/amountInFiat: must be above 0');
  if (amountInFiat !== null && compareDecimal(amountInFiat, '1000000000') > 0) problems.push('/transferOptions/amountInFiat: must be at most 1000000000');

  const destinations: Destination[] = [];
  (body.transferOptions?.toAddresses ?? []).forEach((to, index) => {
    const at = `/transferOptions/toAddresses/${index}`;
    const network = findNetwork(to.networkId);
    if (!network) {
      problems.push(`${at}/networkId: unknown network; supported: ${SANDBOX_NETWORKS.map((n) => `${n.name} ${n.id}`).join(', ')}`);
      return;
    }
    const symbol = to.symbol?.trim().toUpperCase();
    if (!symbol) problems.push(`${at}/symbol: required to pay to this address`);
    else if (!network.supportedTokens.includes(symbol)) {
      problems.push(`${at}/symbol: ${to.symbol} is not supported on ${network.name} (supported: ${network.supportedTokens.join(', ')})`);
    }
    const address = to.address?.trim();
    if (!address) problems.push(`${at}/address: required`);
    else if (!isValidAddress(network, address)) problems.push(`${at}/address: not a valid ${network.name} address`);
    const amount = decimalAt(exact.transferOptions?.toAddresses?.[index]?.amount);
    if (amount !== null && compareDecimal(amount, '0') <= 0) problems.push(`${at}/amount: must be above 0`);
    if (amount !== null && symbol && network.supportedTokens.includes(symbol) && fractionDigits(amount) > tokenDecimals(symbol)) {
      problems.push(`${at}/amount: ${symbol} has ${tokenDecimals(symbol)} decimals`);
    }
    if (symbol && address) {
      destinations.push({ index, network, symbol, address, addressTag: to.addressTag ?? null, amount });
    }
  });
  if (problems.length) return invalid(problems);

  return {
    ok: true,
    request: {
      body,
      userId: body.userId,
      amountInFiat,
      transactionId: body.transferOptions?.transactionId ?? null,
      transferType: body.transferOptions?.transferType ?? null,
      destinations,
      generatePayLink: body.transferOptions?.generatePayLink === true,
    },
  };
}

function invalid(problems: string[]): ParseResult {
  return { ok: false, status: 'invalid', message: `Invalid link token request: ${problems.slice(0, 10).join('; ')}` };
}

/** Lossless numbers → JS numbers, for shape validation only (the exact text is read separately). */
function toPlain(value: unknown): unknown {
  if (isLosslessNumber(value)) return Number(value.value);
  if (Array.isArray(value)) return value.map(toPlain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  }
  return value;
}

function decimalAt(value: unknown): string | null {
  return isLosslessNumber(value) ? jsonNumberToDecimal(value.value) : null;
}

/**
 * A link token is what the SDK calls `atob(linkToken)` on: base64 of the Link page URL. Mesh's
 * tokens have the same property (the SDK rejects anything that does not decode to http(s)).
 */
export function encodeLinkToken(linkPageUrl: string): string {
  return Buffer.from(linkPageUrl, 'utf8').toString('base64');
}
