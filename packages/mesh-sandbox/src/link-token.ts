/**
 * The body of `POST /api/v1/linktoken`, as Mesh documents it (`GetLinkTokenRequest` and
 * `LinkTokenTransferOptions` in @meshconnect/node-api), validated with zod. Unknown members are
 * dropped like Mesh's ASP.NET binder does; the sandbox additionally checks what Mesh checks against
 * its network list (known network, supported token, address pattern).
 */
import { z } from 'zod';
import { findNetwork, SANDBOX_NETWORKS, type SandboxNetwork } from './networks.js';

const uuid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a UUID');

/** Address patterns per network type, as Mesh's networks list publishes them (`addressPattern`). */
const ADDRESS_PATTERNS: Record<SandboxNetwork['networkType'], RegExp> = {
  evm: /^0x[0-9a-fA-F]{40}$/,
  solana: /^[1-9A-HJ-NP-Za-km-z]{32,44}$/,
};

const toAddressSchema = z.object({
  networkId: uuid,
  symbol: z.string().trim().min(1).max(20),
  address: z.string().trim().min(1).max(200),
  addressTag: z.string().max(100).nullish(),
  amount: z.number().positive().finite().nullish(),
  displayAmountInFiat: z.number().positive().finite().nullish(),
});

const transferOptionsSchema = z.object({
  toAddresses: z.array(toAddressSchema).min(1).max(50).nullish(),
  amountInFiat: z.number().positive().finite().max(1_000_000_000).nullish(),
  transactionId: z.string().max(128).nullish(),
  clientFee: z.number().min(0).max(1).nullish(),
  transferType: z.enum(['deposit', 'payment', 'onramp', 'fiatOnRamp', 'fiatOffRamp']).nullish(),
  fundingOptions: z.object({ enabled: z.boolean().optional() }).nullish(),
  isInclusiveFeeEnabled: z.boolean().optional(),
  description: z.string().max(256).nullish(),
  generatePayLink: z.boolean().optional(),
});

export const linkTokenRequestSchema = z
  .object({
    userId: z.string().min(1).max(300),
    brokerType: z.string().max(100).nullish(),
    restrictMultipleAccounts: z.boolean().optional(),
    transferOptions: transferOptionsSchema.nullish(),
    integrationId: uuid.nullish(),
    disableApiKeyGeneration: z.boolean().optional(),
    subClientId: uuid.nullish(),
  })
  .superRefine((body, ctx) => {
    body.transferOptions?.toAddresses?.forEach((to, i) => {
      const path = ['transferOptions', 'toAddresses', i];
      const network = findNetwork(to.networkId);
      if (!network) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'networkId'],
          message: `unknown network; supported: ${SANDBOX_NETWORKS.map((n) => `${n.name} ${n.id}`).join(', ')}`,
        });
        return;
      }
      if (!network.supportedTokens.includes(to.symbol.toUpperCase())) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'symbol'],
          message: `${to.symbol} is not supported on ${network.name} (supported: ${network.supportedTokens.join(', ')})`,
        });
      }
      if (!ADDRESS_PATTERNS[network.networkType].test(to.address)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'address'], message: `not a valid ${network.name} address` });
      }
    });
  });

export type LinkTokenRequest = z.infer<typeof linkTokenRequestSchema>;

/** One line per problem, `path: message`, for Mesh's `message` field. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}`)
    .join('; ');
}

/**
 * A link token is what the SDK calls `atob(linkToken)` on: base64 of the Link page URL. Mesh's
 * tokens have the same property (the SDK rejects anything that does not decode to http(s)).
 */
export function encodeLinkToken(linkPageUrl: string): string {
  return Buffer.from(linkPageUrl, 'utf8').toString('base64');
}
