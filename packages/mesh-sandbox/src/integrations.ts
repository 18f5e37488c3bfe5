/**
 * The exchanges and wallets a customer can pick on the sandbox Link page. `type` is Mesh's
 * `BrokerType` spelling; the ids are sandbox UUIDs (Mesh's real integration ids are per
 * environment and not needed offline).
 */
export interface SandboxIntegration {
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly kind: 'exchange' | 'wallet';
  /** Brand colour for the page's monogram badge. */
  readonly color: string;
}

export const SANDBOX_INTEGRATIONS: readonly SandboxIntegration[] = Object.freeze([
  { id: '47624467-e52e-4938-a41a-7926b6c27acf', type: 'coinbase', name: 'Coinbase', kind: 'exchange', color: '#0052ff' },
  { id: 'c7d4ffb4-3ac1-4f0b-9ab2-0c0c1b1cb3a9', type: 'binanceInternationalDirect', name: 'Binance', kind: 'exchange', color: '#f0b90b' },
  { id: '6a8b2d4e-0f1c-4e7a-9b3d-2c5e8f1a4b6d', type: 'krakenDirect', name: 'Kraken', kind: 'exchange', color: '#5741d9' },
  { id: '34aeb688-decb-485f-9d80-b66466783394', type: 'deFiWallet', name: 'MetaMask', kind: 'wallet', color: '#f6851b' },
  { id: '2f8c9d1e-6b7a-4c3d-8e9f-0a1b2c3d4e5f', type: 'deFiWallet', name: 'Phantom', kind: 'wallet', color: '#ab9ff2' },
] satisfies SandboxIntegration[]);

export function findIntegration(id: string): SandboxIntegration | undefined {
  return SANDBOX_INTEGRATIONS.find((i) => i.id === id);
}

/** A small SVG monogram, base64, for `brokerBrandInfo.brokerLogo` (Mesh sends a base64 logo). */
export function brandLogoBase64(integration: SandboxIntegration): string {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 40 40">` +
    `<rect width="40" height="40" rx="10" fill="${integration.color}"/>` +
    `<text x="20" y="26" font-family="sans-serif" font-size="18" text-anchor="middle" fill="#fff">${integration.name[0]}</text></svg>`;
  return Buffer.from(svg).toString('base64');
}
