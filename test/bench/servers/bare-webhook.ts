/**
 * Baseline for the webhook-ack benchmark: the route Mesh's docs show, and nothing more. Read the raw
 * body, HMAC-SHA256 it with the webhook secret, compare base64 signatures in constant time, answer 200.
 * No parsing, no storage, no dedupe.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import express from 'express';
import { announce, listen, serverConfig } from './child-protocol.js';

const { webhookSecret } = serverConfig<{ webhookSecret: string }>();

const app = express();
app.post('/mesh/webhook', express.raw({ type: '*/*', limit: '64kb' }), (req, res) => {
  const received = Buffer.from(req.get('x-mesh-signature-256') ?? '', 'base64');
  const expected = createHmac('sha256', webhookSecret).update(req.body as Buffer).digest();
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
    res.sendStatus(401);
    return;
  }
  res.sendStatus(200);
});

announce(await listen(createServer(app)));
