/**
 * What the Chromium stories of the Link page stand on: a sandbox, the merchant's shop page in front
 * of it (sdk-host.ts) and a headless system Chromium, opened before a file's tests and closed after.
 */
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../../test/support/chromium.js';
import { createMeshSandbox, type MeshSandbox, type MeshSandboxOptions } from '../../src/index.js';
import { startShop, type Shop } from './sdk-host.js';

export interface ShopInChromium {
  sandbox: MeshSandbox;
  shop: Shop;
  browser: Browser;
}

/**
 * Sandbox settings for stories that count webhook deliveries: signed with `secret`, sent to
 * `webhookUrl`, each once and in order, settled after 30 ms. The answer may take 10 s: on a loaded
 * machine a receiver can miss Mesh's 200 ms and be re-sent one (webhooks.test.ts proves that rule).
 */
export function countedWebhooks(webhookUrl: string | (() => string), secret: string): MeshSandboxOptions {
  return { webhookUrl, webhookSecret: secret, duplicateRate: 0, reorderRate: 0, settleDelayMs: 30, retry: { timeoutMs: 10_000 } };
}

/**
 * A sandbox made with `options`, the shop in front of it and a Chromium. With `webhookSecret` the
 * sandbox delivers {@link countedWebhooks} to the shop's own endpoint (`shop.webhooks`).
 */
export async function openShopInChromium(options: MeshSandboxOptions, webhookSecret?: string): Promise<ShopInChromium> {
  let shop: Shop | undefined;
  const toShop = webhookSecret === undefined ? {} : countedWebhooks(() => `${shop!.url}/mesh/webhook`, webhookSecret);
  const sandbox = createMeshSandbox({ ...toShop, ...options });
  shop = await startShop(sandbox);
  return { sandbox, shop, browser: await launchChromium() };
}

/** Closes what {@link openShopInChromium} opened (whatever part of it a failed `before` got to). */
export async function closeShopInChromium(opened: Partial<ShopInChromium>): Promise<void> {
  await opened.browser?.close();
  await opened.sandbox?.close();
  await opened.shop?.server.close();
}
