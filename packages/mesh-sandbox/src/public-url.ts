/** Where browsers reach the sandbox's mount: `publicUrl` when configured, else the request's own Host and mount path. */
import type { Request } from 'express';

export function publicBase(publicUrl: string | undefined, req: Request): string {
  return (publicUrl ?? `${req.protocol}://${req.get('host')}${req.baseUrl}`).replace(/\/+$/, '');
}
