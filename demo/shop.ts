import { Router } from 'express';

/**
 * The demo shop's catalogue and pricing: the merchant side of `resolveOrder`. The browser only ever
 * sends an order id; everything that moves money (amount, asset, network, destination) is decided
 * here, on the server.
 */

/** What every order in the demo costs and where the money goes. */
export const DEMO_PRICE = {
  /** Decimal string: amounts never pass through a JS number. */
  amountInFiat: '25.00',
  fiatCurrency: 'USD',
  /** As Mesh's webhooks spell them (`Token`, `Chain`) and as the networks list names the chain. */
  token: 'USDC',
  chain: 'Ethereum',
  /** A fixed demo destination. Never send real funds here. */
  address: '0x5fb5a1b0e3c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5',
} as const;

/** What a shopper sees in the order summary. */
export const DEMO_ITEM = {
  name: 'Mesh Pay sticker pack',
  description: 'Five weatherproof vinyl stickers, shipped worldwide.',
} as const;

/** The subset of a Mesh managed-transfer network the shop relies on. */
export interface MeshNetworkLike {
  id: string;
  name: string;
  supportedTokens?: unknown[];
}

/** Thrown when Mesh does not offer the chain/token the shop prices in. */
export class ShopNetworkUnavailableError extends Error {
  readonly code = 'MESH_PAY_DEMO_NETWORK_UNAVAILABLE';
  constructor(chain: string, token: string) {
    super(`Mesh lists no "${chain}" network that supports ${token}; the shop cannot price orders`);
    this.name = 'ShopNetworkUnavailableError';
  }
}

function tokenSymbol(token: unknown): string | undefined {
  if (typeof token === 'string') return token;
  if (token && typeof token === 'object' && 'symbol' in token && typeof token.symbol === 'string') return token.symbol;
  return undefined;
}

/**
 * Finds Mesh's network id for a chain by name (case-insensitive), insisting it supports the token
 * when the list says which tokens it supports. Network ids are Mesh's UUIDs: looking them up rather
 * than hard-coding them keeps the shop working against the sandbox and real Mesh alike.
 */
export function findNetworkId(networks: readonly MeshNetworkLike[], chain: string, token: string): string {
  const wanted = chain.toLowerCase();
  const match = networks.find((n) => {
    if (typeof n.name !== 'string' || n.name.toLowerCase() !== wanted) return false;
    if (!Array.isArray(n.supportedTokens)) return true;
    return n.supportedTokens.some((t) => tokenSymbol(t)?.toUpperCase() === token.toUpperCase());
  });
  if (!match) throw new ShopNetworkUnavailableError(chain, token);
  return match.id;
}

/** The resolved order the backend kit turns into a Mesh link token. */
export interface ResolvedOrder {
  userId: string;
  amountInFiat: string;
  fiatCurrency: string;
  destinations: { networkId: string; chain: string; token: string; address: string }[];
}

/**
 * Builds the shop's pricing: every order costs the same. `getNetworks` is the kit's cached networks
 * list, so pricing an order costs no extra call to Mesh. `userId` is the shopper the session
 * authenticated (never anything the browser sent, such as the order id): Mesh's return-user
 * tokens are kept and offered per `userId`.
 */
export function createShopResolver(getNetworks: () => Promise<readonly MeshNetworkLike[]>) {
  return async function priceOrder(_orderId: string, userId: string): Promise<ResolvedOrder> {
    const networkId = findNetworkId(await getNetworks(), DEMO_PRICE.chain, DEMO_PRICE.token);
    return {
      userId,
      amountInFiat: DEMO_PRICE.amountInFiat,
      fiatCurrency: DEMO_PRICE.fiatCurrency,
      destinations: [{ networkId, chain: DEMO_PRICE.chain, token: DEMO_PRICE.token, address: DEMO_PRICE.address }],
    };
  };
}

/**
 * `GET /api/shop`: what the page shows in its order summary, from the same constants that price the
 * order, so the page never advertises a price the server would not charge.
 */
export function createShopRouter(mesh: 'local-sandbox' | 'sandbox' | 'production') {
  const router = Router();
  router.get('/api/shop', (_req, res) => {
    res.json({
      item: DEMO_ITEM,
      amountInFiat: DEMO_PRICE.amountInFiat,
      fiatCurrency: DEMO_PRICE.fiatCurrency,
      token: DEMO_PRICE.token,
      chain: DEMO_PRICE.chain,
      mesh,
    });
  });
  return router;
}
