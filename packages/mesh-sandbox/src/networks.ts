/**
 * The networks the sandbox supports, shaped like Mesh's `NetworkResponseWithIntegrations`
 * (GET /api/v1/transfers/managed/networks). Ids are Mesh's real network ids for these chains, so a
 * merchant's configuration works unchanged against real Mesh; names are spelled as Mesh's webhooks
 * spell `Chain`.
 */

/** One network, as Mesh lists it. */
export interface SandboxNetwork {
  /** Mesh network id (UUID). */
  readonly id: string;
  /** Network name, as webhooks spell `Chain`. */
  readonly name: string;
  /** The chain's own id (EVM chain id; for non-EVM chains a Mesh-like label). */
  readonly chainId: string;
  readonly nativeSymbol: string;
  readonly networkType: 'evm' | 'solana';
  readonly supportedTokens: readonly string[];
  readonly supportedBrokerTypes: readonly string[];
  readonly logoUrl: string | null;
}

const BROKERS = ['coinbase', 'binanceInternationalDirect', 'krakenDirect', 'deFiWallet'] as const;

export const SANDBOX_NETWORKS: readonly SandboxNetwork[] = Object.freeze([
  {
    id: 'e3c7fdd8-b1fc-4e51-85ae-bb276e075611',
    name: 'Ethereum',
    chainId: '1',
    nativeSymbol: 'ETH',
    networkType: 'evm',
    supportedTokens: ['ETH', 'USDC', 'USDT'],
    supportedBrokerTypes: BROKERS,
    logoUrl: null,
  },
  {
    id: 'aa883b03-120d-477c-a588-37c2afd3ca71',
    name: 'Base',
    chainId: '8453',
    nativeSymbol: 'ETH',
    networkType: 'evm',
    supportedTokens: ['ETH', 'USDC'],
    supportedBrokerTypes: BROKERS,
    logoUrl: null,
  },
  {
    id: '7436e9d0-ba42-4d2b-b4c0-8e4e606b2c12',
    name: 'Polygon',
    chainId: '137',
    nativeSymbol: 'POL',
    networkType: 'evm',
    supportedTokens: ['POL', 'USDC', 'USDT'],
    supportedBrokerTypes: BROKERS,
    logoUrl: null,
  },
  {
    id: 'a34f2431-0ddd-4de4-bc22-4a8143287aeb',
    name: 'Arbitrum',
    chainId: '42161',
    nativeSymbol: 'ETH',
    networkType: 'evm',
    supportedTokens: ['ETH', 'USDC', 'USDT'],
    supportedBrokerTypes: BROKERS,
    logoUrl: null,
  },
  {
    id: '0291810a-5947-424d-9a59-e88bb33e999d',
    name: 'Solana',
    chainId: '101',
    nativeSymbol: 'SOL',
    networkType: 'solana',
    supportedTokens: ['SOL', 'USDC', 'USDT'],
    supportedBrokerTypes: BROKERS,
    logoUrl: null,
  },
] satisfies SandboxNetwork[]);

/** Address patterns per network type, as Mesh's networks list publishes them (`addressPattern`). */
const ADDRESS_PATTERNS: Record<SandboxNetwork['networkType'], RegExp> = {
  evm: /^0x[0-9a-fA-F]{40}$/,
  solana: /^[1-9A-HJ-NP-Za-km-z]{32,44}$/,
};

export function isValidAddress(network: SandboxNetwork, address: string): boolean {
  return ADDRESS_PATTERNS[network.networkType].test(address);
}

export function findNetwork(id: string): SandboxNetwork | undefined {
  const wanted = id.toLowerCase();
  return SANDBOX_NETWORKS.find((n) => n.id === wanted);
}

/** The networks route's `content`, shaped like Mesh's `NetworkModelResponse`. */
export function networksContent() {
  return {
    networks: SANDBOX_NETWORKS.map((n) => ({
      id: n.id,
      name: n.name,
      chainId: n.chainId,
      logoUrl: n.logoUrl,
      supportedTokens: [...n.supportedTokens],
      nativeSymbol: n.nativeSymbol,
      networkType: n.networkType,
      tokens: n.supportedTokens.map((symbol) => ({ symbol, logoUrl: null })),
      supportedBrokerTypes: [...n.supportedBrokerTypes],
    })),
  };
}
