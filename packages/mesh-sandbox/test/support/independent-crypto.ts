/**
 * Independent implementations to check the sandbox against: OpenSSL's command line for Mesh's
 * HMAC-SHA256/base64 signature, and Python's `decimal` for the exact amounts.
 */
import { spawnSync } from 'node:child_process';

/** `openssl dgst -sha256 -hmac <secret> -binary | openssl base64 -A` over the exact bytes. */
export function opensslHmacBase64(secret: string, bytes: Buffer): string {
  const result = spawnSync('sh', ['-c', 'openssl dgst -sha256 -hmac "$MESH_SECRET" -binary | openssl base64 -A'], {
    input: bytes,
    env: { ...process.env, MESH_SECRET: secret },
  });
  if (result.status !== 0) throw new Error(`openssl failed: ${result.stderr.toString()}`);
  return result.stdout.toString('utf8').trim();
}

/** fiat / price rounded half-up to `digits` places, trailing zeros dropped — by Python's decimal. */
export function pythonDivide(fiat: string, price: string, digits: number): string {
  const code = [
    'import sys',
    'from decimal import Decimal, getcontext, ROUND_HALF_UP',
    'getcontext().prec = 100',
    'q = (Decimal(sys.argv[1]) / Decimal(sys.argv[2])).quantize(Decimal(1).scaleb(-int(sys.argv[3])), rounding=ROUND_HALF_UP)',
    "s = format(q, 'f')",
    "print(s.rstrip('0').rstrip('.') if '.' in s else s)",
  ].join('\n');
  const result = spawnSync('python3', ['-c', code, fiat, price, String(digits)]);
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr.toString()}`);
  return result.stdout.toString('utf8').trim();
}
