/** Plausible-looking, random on-chain identifiers (addresses, hashes) per network type. */
import { randomBytes } from 'node:crypto';
import type { SandboxNetwork } from './networks.js';

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += BASE58[b % 58];
  return out;
}

export function randomAddress(network: SandboxNetwork): string {
  return network.networkType === 'solana' ? base58(44) : `0x${randomBytes(20).toString('hex')}`;
}

export function randomTxHash(network: SandboxNetwork): string {
  return network.networkType === 'solana' ? base58(88) : `0x${randomBytes(32).toString('hex')}`;
}
