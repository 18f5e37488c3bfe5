/**
 * Which `Host` headers the demo answers. A page on `http://attacker.example` can re-point its own
 * DNS name at 127.0.0.1 (DNS rebinding) and then read a developer's local demo as same-origin: its
 * ledger, its orders, its token route. Such requests still say `Host: attacker.example`, so, like
 * Vite's and webpack's dev servers, the demo answers only the names it is known by and sends 421
 * Misdirected Request to every other name.
 */
import { isIP } from 'node:net';
import type { Request, RequestHandler } from 'express';
import { sendProblem } from './problem.js';

/** Hosts that always mean this machine. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'] as const;

/** A bind address that listens on every interface: reached by whatever IP the machine has. */
export function isWildcardAddress(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

export interface AllowedHosts {
  /** Is this `Host` header (name and optional port) one the demo answers? */
  allows(hostHeader: string | undefined): boolean;
}

/**
 * The allowed names: loopback, the address it binds (`HOST`) unless that is a wildcard, and, when
 * it binds every interface, any IP literal (a browser only sends an IP literal as Host when the
 * user typed it, which no rebinding page can arrange).
 */
export function allowedHosts(bindHost: string): AllowedHosts {
  const names = new Set<string>(LOOPBACK_HOSTS);
  const wildcard = isWildcardAddress(bindHost);
  if (!wildcard) names.add(bindHost.toLowerCase());
  return {
    allows(hostHeader) {
      const name = hostName(hostHeader);
      if (name === undefined) return false;
      return names.has(name) || (wildcard && isIP(name) !== 0);
    },
  };
}

/**
 * The name part of a Host header, lower-cased and without brackets or port; `undefined` when the
 * header is missing or is not `name[:port]` (garbage, user info, paths, several values).
 */
export function hostName(hostHeader: string | undefined): string | undefined {
  if (!hostHeader || hostHeader.length > 300) return undefined;
  const m = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+))(?::(\d{1,5}))?$/i.exec(hostHeader.trim());
  if (!m) return undefined;
  if (m[3] !== undefined && Number(m[3]) > 65535) return undefined;
  const name = (m[1] ?? m[2]!).toLowerCase().replace(/\.$/, '');
  if (m[1] !== undefined && isIP(name) !== 6) return undefined;
  return name;
}

/**
 * Answers 421 problem+json to any request whose Host the demo is not known by, except those
 * `exempt` names (Mesh's webhook: it arrives through whatever tunnel or proxy name the developer
 * gave Mesh, and carries its own proof, the signature, so a rebinding page gains nothing there).
 */
export function hostCheck(allowed: AllowedHosts, exempt: (req: Request) => boolean = () => false): RequestHandler {
  return (req, res, next) => {
    if (allowed.allows(req.headers.host) || exempt(req)) {
      next();
      return;
    }
    sendProblem(
      res,
      421,
      'Misdirected request',
      'This demo server only answers requests addressed to localhost, 127.0.0.1, [::1] or the HOST it binds; to reach it under another name, start it with HOST=<that name>.',
    );
  };
}
