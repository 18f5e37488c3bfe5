/**
 * Baseline for the fan-out benchmark: better-sse serving the same streams in a plain Express app.
 * Every client joins one channel; `POST /broadcast` sends one `status` event to all of them.
 */
import { createServer } from 'node:http';
import express from 'express';
import { createChannel, createSession } from 'better-sse';
import { announce, listen } from './child-protocol.js';

const channel = createChannel();
const app = express();

app.get('/stream', async (req, res) => {
  const session = await createSession(req, res);
  channel.register(session);
});

app.post('/broadcast', express.json(), (req, res) => {
  channel.broadcast(req.body, 'status');
  res.json({ sessions: channel.sessionCount });
});

announce(await listen(createServer(app)), { sessions: () => channel.sessionCount });
