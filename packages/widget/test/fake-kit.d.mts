import type { IncomingMessage, ServerResponse } from 'node:http';

export interface FakeKit {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  close(): void;
  log: Record<string, unknown[]>;
}

export function createFakeKit(options: { linkPagePath: string }): FakeKit;
