import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { launchChromium } from '../support/chromium.js';

/** The machine the figures were taken on: they mean nothing without it. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  chromium: string;
  /** Median time of a 4 KiB write + fsync in the temp dir, where the SQLite and Redis files live. */
  fsyncMs: number;
  /** 1-minute load average when the run started (other work on the machine skews figures). */
  loadAtStart: number;
}

export async function describeMachine(): Promise<Machine> {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    chromium: await chromiumVersion(),
    fsyncMs: fsyncLatency().median,
    loadAtStart: os.loadavg()[0] ?? Number.NaN,
  };
}

/** Median and worst of 30 × (4 KiB write + fsync) in the temp dir, in ms. */
export function fsyncLatency(): { median: number; max: number } {
  const dir = mkdtempSync(join(os.tmpdir(), 'mesh-pay-bench-fsync-'));
  const fd = openSync(join(dir, 'probe'), 'w');
  const block = Buffer.alloc(4096, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      writeSync(fd, block);
      fsyncSync(fd);
      times.push(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, max: times[times.length - 1]! };
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
