/**
 * The Link page and the calls it makes to "the exchange" (this sandbox): connect an account,
 * recognise a returning customer, preview and execute the transfer. These routes are the
 * sandbox's stand-in for Mesh's own front end and are not part of Mesh's public API.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { brandLogoBase64, findIntegration, SANDBOX_INTEGRATIONS } from './integrations.js';
import { invalidRequest, MeshSandboxError, meshErrorHandler, meshOk } from './api-errors.js';
import { randomAddress, randomTxHash } from './chain-ids.js';
import { multiplyDecimal } from './exact-decimal.js';
import { allowedParentOrigins, frameAncestorsDirective } from './frame-ancestors.js';
import { parseTheme, renderLinkPage } from './link-page/page-html.js';
import { findNetwork } from './networks.js';
import { publicBase } from './public-url.js';
import { cryptoAmountForFiat, SANDBOX_PRICES_USD } from './pricing.js';
import type { SandboxContext, TransferPreview } from './sandbox-context.js';
import type { LinkTokenRecord } from './token-registry.js';
import { runTransferLifecycle } from './transfer-lifecycle.js';
import { tokenDecimals } from './token-decimals.js';
import { unixSeconds, type SandboxTransfer } from './transfers.js';

const ASSETS = {
  'link.js': { file: new URL('./link-page/link.js', import.meta.url), type: 'text/javascript; charset=utf-8' },
  'link.css': { file: new URL('./link-page/link.css', import.meta.url), type: 'text/css; charset=utf-8' },
} as const;

/**
 * The page's own CSP: it needs nothing inline, and says so. Who may frame it is the sandbox's
 * `frameAncestors` option (default `'self'`); the top-level pay page may be framed by nobody.
 */
function pageCsp(frameAncestors: string): string {
  return (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    `base-uri 'none'; form-action 'none'; frame-ancestors ${frameAncestors}`
  );
}

/**
 * What the page shows and tells the host when a token was already used, expired, or is unknown.
 * Mesh publishes no error code for it (there is no `LINK_TOKEN_EXPIRED`): Link shows a generic
 * error and `onExit` gets a message, so the sandbox does the same.
 */
const SESSION_INVALID = 'This link has expired or was already used: a link token works once, for 10 minutes. Request a new one.';

const sessionEnded = () => new MeshSandboxError('MESH_SANDBOX_SESSION_ENDED', 410, 'badRequest', SESSION_INVALID);

/** The data block link.js starts from. */
function sessionData(ctx: SandboxContext, record: LinkTokenRecord, parentOrigins: string[]) {
  const { request } = record;
  const options = request.destinations.map((d) => ({
    index: d.index,
    symbol: d.symbol,
    decimals: tokenDecimals(d.symbol),
    networkId: d.network.id,
    networkName: d.network.name,
    address: d.address,
  }));
  return {
    mode: record.kind,
    linkId: record.id,
    // link.js calls its session routes relative to the page: /link/<id>/… for both pages.
    apiBase: record.kind === 'pay' ? `../link/${encodeURIComponent(record.id)}/` : `${encodeURIComponent(record.id)}/`,
    sessionKey: record.sessionKey,
    userId: request.userId,
    transactionId: request.transactionId,
    amountInFiat: request.amountInFiat,
    fiatCurrency: 'USD',
    restrictMultipleAccounts: request.body.restrictMultipleAccounts ?? false,
    integrationId: request.body.integrationId ?? null,
    integrations: SANDBOX_INTEGRATIONS.map(({ id, type, name, kind }) => ({ id, type, name, kind })),
    options,
    autoplay: ctx.autoplay() ?? null,
    parentOrigins,
  };
}

const connectSchema = z.object({ integrationId: z.string().max(100), mfaCode: z.string().regex(/^\d{6}$/).optional() });
const resumeSchema = z.object({ accessTokens: z.array(z.record(z.string(), z.unknown())).max(20) });
const previewSchema = z.object({
  optionIndex: z.number().int().min(0).max(100).default(0),
  /** What the customer typed when the merchant set no amount (USD, up to cents). */
  amountInFiat: z.string().regex(/^\d{1,9}(\.\d{1,2})?$/, 'a USD amount like 12.50').refine((v) => Number(v) > 0, 'must be above 0').nullish(),
});
const executeSchema = z.object({ previewId: z.string().max(100), scenario: z.enum(['succeed', 'fail', 'close-after-approve']) });

export function linkRoutes(ctx: SandboxContext): Router {
  const router = express.Router();

  router.get('/link-assets/:name', (req, res) => {
    const asset = ASSETS[req.params.name as keyof typeof ASSETS];
    if (!asset) return void res.status(404).type('text/plain').send('Not found');
    // Read per request: cheap, and edits show up without a restart during development.
    res.type(asset.type).set('Cache-Control', 'no-cache').set('X-Content-Type-Options', 'nosniff').send(readFileSync(asset.file));
  });

  function servePage(req: Request, res: Response, kind: LinkTokenRecord['kind']): void {
    const result = ctx.tokens.consume(String(req.params.id), kind);
    const theme = parseTheme(req.query.th);
    const lang = typeof req.query.lng === 'string' ? req.query.lng : 'en';
    const ancestors = kind === 'pay' ? [] : ctx.frameAncestors();
    res.set({
      'Content-Security-Policy': pageCsp(frameAncestorsDirective(ancestors)),
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
    });
    const pageOrigin = new URL(publicBase(ctx.publicUrl, req)).origin;
    let session: unknown;
    if (result.ok) {
      ctx.sessions.set(result.record.id, { previews: new Map() });
      // A long-running dev server forgets its oldest sessions rather than growing without bound.
      if (ctx.sessions.size > 10_000) ctx.sessions.delete(ctx.sessions.keys().next().value!);
      session = sessionData(ctx, result.record, allowedParentOrigins(ancestors, pageOrigin));
    } else {
      session = { mode: kind, error: { message: SESSION_INVALID }, parentOrigins: allowedParentOrigins(ancestors, pageOrigin) };
      res.status(result.reason === 'unknown' ? 404 : 410);
    }
    res.type('html').send(renderLinkPage(session, { theme, lang, assetBase: '../link-assets/' }));
  }

  router.get('/link/:id', (req, res) => servePage(req, res, 'link'));
  // Mesh's hosted pay link (`generatePayLink`): the same payment as a top-level page.
  router.get('/pay/:id', (req, res) => servePage(req, res, 'pay'));

  const sessionRouter = express.Router({ mergeParams: true });
  sessionRouter.use(express.json({ limit: '16kb' }));

  /** The session of the page that loaded the token, proven by its session key. */
  function sessionOf(req: Request): { record: LinkTokenRecord; state: NonNullable<ReturnType<SandboxContext['sessions']['get']>> } {
    const id = String(req.params.id);
    const key = req.get('X-Link-Session') ?? '';
    const record = ctx.tokens.session(id, key);
    const state = ctx.sessions.get(id);
    if (!record || !state) throw sessionEnded();
    return { record, state };
  }

  function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
    const result = schema.safeParse(body ?? {});
    if (!result.success) throw invalidRequest(result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    return result.data;
  }

  sessionRouter.post('/connect', (req, res) => {
    const { record, state } = sessionOf(req);
    const body = parse(connectSchema, req.body);
    const integration = findIntegration(body.integrationId);
    if (!integration) throw invalidRequest('integrationId: unknown integration');
    const issued = ctx.access.issue(record.request.userId, integration, `${integration.name} ${integration.kind === 'wallet' ? 'wallet' : 'account'}`);
    state.integrationId = integration.id;
    res.json(
      meshOk({
        accountTokens: [
          {
            account: { accountId: issued.accountId, accountName: issued.accountName },
            accessToken: issued.accessToken,
            refreshToken: issued.refreshToken,
            tokenId: issued.tokenId,
          },
        ],
        brokerType: integration.type,
        brokerName: integration.name,
        brokerBrandInfo: { brokerLogo: brandLogoBase64(integration) },
        expiresInSeconds: ctx.access.lifetimes.accessTokenSeconds,
        refreshTokenExpiresInSeconds: ctx.access.lifetimes.connectionSeconds,
      }),
    );
  });

  sessionRouter.post('/resume', (req, res) => {
    const { record, state } = sessionOf(req);
    const body = parse(resumeSchema, req.body);
    const issued = ctx.access.match(record.request.userId, body.accessTokens);
    const integration = issued && findIntegration(issued.integrationId);
    if (!issued || !integration) return void res.json(meshOk(null));
    state.integrationId = integration.id;
    res.json(
      meshOk({
        integration: { id: integration.id, type: integration.type, name: integration.name, kind: integration.kind },
        access: { accountTokens: [{ account: { accountId: issued.accountId, accountName: issued.accountName } }] },
      }),
    );
  });

  sessionRouter.post('/preview', (req, res) => {
    const { record, state } = sessionOf(req);
    const body = parse(previewSchema, req.body);
    if (!state.integrationId) throw invalidRequest('Connect an account first.');
    const to = record.request.destinations[body.optionIndex];
    if (!to) throw invalidRequest('optionIndex: no such destination in the link token request');
    const { symbol, network } = to;
    const priceUsd = SANDBOX_PRICES_USD[symbol] ?? '1';
    const fiat = record.request.amountInFiat;
    // Mesh: amountInFiat wins; else the destination's token amount; else the customer types an
    // amount (10 USD until they do). Crypto amounts carry the token's decimals.
    let amountInFiat: string;
    let amount: string;
    if (fiat !== null) {
      amountInFiat = fiat;
      amount = cryptoAmountForFiat(amountInFiat, symbol);
    } else if (to.amount !== null) {
      amount = to.amount;
      amountInFiat = multiplyDecimal(amount, priceUsd);
    } else {
      amountInFiat = body.amountInFiat ?? '10';
      amount = cryptoAmountForFiat(amountInFiat, symbol);
    }
    const preview: TransferPreview = {
      previewId: randomUUID(),
      linkId: record.id,
      optionIndex: body.optionIndex,
      integrationId: state.integrationId,
      symbol,
      decimals: tokenDecimals(symbol),
      networkId: network.id,
      networkName: network.name,
      toAddress: to.address,
      amount,
      amountInFiat,
      priceUsd,
      customerSetsAmount: fiat === null && to.amount === null,
    };
    state.previews.set(preview.previewId, preview);
    res.json(meshOk(preview));
  });

  sessionRouter.post('/execute', (req, res) => {
    const { record, state } = sessionOf(req);
    const body = parse(executeSchema, req.body);
    const preview = state.previews.get(body.previewId);
    const integration = preview && findIntegration(preview.integrationId);
    const network = preview && findNetwork(preview.networkId);
    if (!preview || !integration || !network) throw invalidRequest('previewId: unknown preview');
    // The Link page and the pay link of one token pay one transaction: once, whichever is used.
    if (state.transferId || record.transaction.transferId) {
      throw new MeshSandboxError('MESH_SANDBOX_CONFLICT', 409, 'conflict', 'This payment was already made.');
    }
    const outcome = body.scenario === 'fail' ? 'failed' : 'succeeded';
    const transfer: SandboxTransfer = {
      id: randomUUID(),
      linkId: record.id,
      userId: record.request.userId,
      clientTransactionId: record.request.transactionId,
      status: 'pending',
      outcome,
      scenario: body.scenario,
      integration: { id: integration.id, type: integration.type, name: integration.name },
      symbol: preview.symbol,
      networkId: network.id,
      networkName: network.name,
      toAddress: preview.toAddress,
      fromAddress: randomAddress(network),
      amount: preview.amount,
      amountInFiat: preview.amountInFiat,
      txHash: outcome === 'succeeded' ? randomTxHash(network) : null,
      transferType: record.request.transferType,
      createdTimestamp: unixSeconds(ctx.lifecycle.now()),
      executedTimestamp: null,
    };
    state.transferId = transfer.id;
    record.transaction.transferId = transfer.id;
    ctx.transfers.push(transfer);
    runTransferLifecycle(transfer, ctx.dispatcher, ctx.lifecycle);
    // The SDK's TransferFinishedPayload: the provider accepted the request; only the
    // `succeeded` webhook says the funds arrived.
    res.json(
      meshOk({
        status: 'success',
        txId: `sbx-${randomBytes(8).toString('hex')}`,
        fromAddress: transfer.fromAddress,
        toAddress: transfer.toAddress,
        symbol: transfer.symbol,
        amount: Number(transfer.amount),
        networkId: transfer.networkId,
        networkName: transfer.networkName,
        transferId: transfer.id,
        ...(transfer.txHash ? { txHash: transfer.txHash } : {}),
        ...(transfer.userId ? { userId: transfer.userId } : {}),
        ...(transfer.clientTransactionId ? { clientTransactionId: transfer.clientTransactionId } : {}),
        amountInFiat: Number(transfer.amountInFiat),
        totalAmountInFiat: Number(transfer.amountInFiat),
      }),
    );
  });

  /** The `expired` scenario: the session times out under the customer's hands. */
  sessionRouter.post('/expire', (req, res) => {
    const { record } = sessionOf(req);
    record.expired = true;
    res.json(meshOk(null));
  });

  router.use('/link/:id', sessionRouter, meshErrorHandler);
  return router;
}
