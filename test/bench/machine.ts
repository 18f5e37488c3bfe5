import os from 'node:os';
import { launchChromium } from '../support/chromium.js';

/** The machine the figures were taken on: they mean nothing without it. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  chromium: string;
}

export async function describeMachine(): Promise<Machine> {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    chromium: await chromiumVersion(),
  };
}

async function chromiumVersion(): Promise<string> {
  try {
    const browser = await launchChromium();
    try {
      return browser.version();
    } finally {
      await browser.close();
    }
  } catch (error) {
    return `unavailable (${(error as Error).message.split('\n')[0]})`;
  }
}
