import type { IncomingMessage, ServerResponse } from 'node:http';

export interface FakeKit {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  close(): void;
  log: Record<string, unknown[]>;
  /** When true the kit answers 503 for the Mesh SDK module (`/__mesh-sdk__/…`). */
  sdkBroken: boolean;
}

export function createFakeKit(options: { linkPagePath: string }): FakeKit;
