import type { Response } from 'express';

/**
 * Sends an RFC 9457 `application/problem+json` answer, the one error shape every route of the demo
 * (and the backend kit) speaks, so a client needs one error parser.
 */
export function sendProblem(res: Response, status: number, title: string, detail: string, extra: Record<string, unknown> = {}): void {
  res
    .status(status)
    .type('application/problem+json')
    .set('Cache-Control', 'no-store')
    .send(JSON.stringify({ type: 'about:blank', title, status, detail, ...extra }));
}
