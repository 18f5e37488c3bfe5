/**
 * The widget's script-tag bundle as the demo serves it (`/mesh-pay-button.js` and its lazy SDK
 * chunk). A page on another origin loads it as a module script, and module scripts are fetched in
 * CORS mode: without a grant the browser refuses to run it. So the listed page origins get one
 * (echoed, no credentials: `<script type="module" crossorigin>` sends none), and every origin may
 * embed the bytes (`Cross-Origin-Resource-Policy: cross-origin`), which pages isolated with
 * COEP `require-corp` otherwise refuse.
 */
import express, { type RequestHandler } from 'express';

export function widgetFiles(dir: string, allowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(allowedOrigins);
  return express.static(dir, {
    index: false,
    fallthrough: true,
    setHeaders(res) {
      res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
      res.setHeader('Vary', 'Origin');
      const origin = res.req.headers.origin;
      if (origin && allowed.has(origin)) res.setHeader('Access-Control-Allow-Origin', origin);
    },
  });
}
