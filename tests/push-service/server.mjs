// A real RFC 8030 push service on 127.0.0.1 for the relay's Web Push tests.
//
// The cryptography is web-push-testing's PushApiModel: it checks the VAPID token's ES256
// signature against the subscription's application server key (RFC 8292) and decrypts the
// RFC 8291 aes128gcm payload with http_ece. Its own server listens on every interface and
// advertises `localhost`, so this is a small server of our own around the model, on
// 127.0.0.1 only, that also checks the token's claims (aud, exp, sub), records the push
// headers, and can play a gone (410) or unresponsive push service.
//
//   node server.mjs     prints `listening <port>` once, exits when stdin closes
//
// Routes (JSON in and out):
//   POST /subscribe             {applicationServerKey} -> {endpoint, keys: {p256dh, auth}, clientHash}
//   POST /notify/:clientHash    the push endpoint (RFC 8030 §5) -> 201, or 400 / 410, or no answer
//   POST /messages              {clientHash} -> {messages: [{text, ttl, urgency, topic, encoding, at}], attempts}
//   POST /mode/:clientHash      {mode: "ok" | "gone" | "hang"} -> {}

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const express = require('express');
const { PushApiModel, SubscriptionExpiredError } = require('web-push-testing/src/PushApiModel.js');

const HOST = '127.0.0.1';
const MAX_EXP_AHEAD_S = 24 * 60 * 60; // RFC 8292 §2: no more than 24 hours from the request
const MODES = new Set(['ok', 'gone', 'hang']);

const model = new PushApiModel();
/** @type {Map<string, {text: string, ttl: string|null, urgency: string|null, topic: string|null, encoding: string|null, at: number}[]>} */
const received = new Map();
/** @type {Map<string, number>} every POST to an endpoint, refused or left hanging included */
const attempts = new Map();
/** @type {Map<string, string>} */
const modes = new Map();
let origin = '';

const app = express();
app.disable('x-powered-by');

function refuse(res, status, message) {
  res.status(status).json({ error: { message } });
}

function known(clientHash) {
  return Object.prototype.hasOwnProperty.call(model.subscriptions, clientHash);
}

function base64UrlJson(part) {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) throw new Error('not base64url');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

// The claims RFC 8292 §2 asks of the token, which the model does not check: the model only
// verifies the signature (and `exp` when present). Returns a reason to refuse, or null.
function claimsProblem(jwt) {
  const parts = jwt.split('.');
  if (parts.length !== 3) return 'VAPID token is not a JWS compact serialization';
  let header;
  let claims;
  try {
    header = base64UrlJson(parts[0]);
    claims = base64UrlJson(parts[1]);
  } catch {
    return 'VAPID token header or claims are not base64url JSON';
  }
  if (header === null || typeof header !== 'object' || header.alg !== 'ES256') {
    return 'VAPID token alg must be ES256';
  }
  if (claims === null || typeof claims !== 'object') return 'VAPID token claims are not an object';
  if (claims.aud !== origin) {
    return `VAPID aud must be the push resource's origin ${origin}, got ${JSON.stringify(claims.aud)}`;
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) return 'VAPID exp is missing';
  if (claims.exp <= now) return `VAPID exp ${claims.exp} is not in the future (now ${now})`;
  if (claims.exp > now + MAX_EXP_AHEAD_S) {
    return `VAPID exp ${claims.exp} is more than 24 hours ahead (now ${now})`;
  }
  if (typeof claims.sub !== 'string' || !/^(mailto:.+|https:.+)$/.test(claims.sub)) {
    return `VAPID sub must be a mailto: or https: URI, got ${JSON.stringify(claims.sub)}`;
  }
  return null;
}

// `Authorization: vapid t=<jwt>, k=<key>` (RFC 8292 §3). Returns [t, k] or null.
function vapidParams(authorization) {
  const m = /^vapid\s+(.*)$/.exec(authorization ?? '');
  if (!m) return null;
  const params = {};
  for (const field of m[1].split(',')) {
    const eq = field.indexOf('=');
    if (eq < 0) return null;
    params[field.slice(0, eq).trim()] = field.slice(eq + 1).trim();
  }
  return typeof params.t === 'string' && typeof params.k === 'string' ? [params.t, params.k] : null;
}

// RFC 8291 §4: one record, its key id the sender's uncompressed P-256 key, and a record size
// larger than the record. Returns a reason to refuse, or null.
function bodyProblem(body) {
  if (!Buffer.isBuffer(body) || body.length === 0) return 'empty body: an aes128gcm payload is required';
  if (body.length < 21) return 'aes128gcm header is cut short';
  const rs = body.readUInt32BE(16);
  const idlen = body[20];
  if (idlen !== 65 || body.length < 21 + idlen || body[21] !== 4) {
    return 'aes128gcm keyid must be the uncompressed P-256 key of the application server (65 octets)';
  }
  const record = body.length - 21 - idlen;
  if (record < 17) return 'aes128gcm record is too short';
  if (rs <= record) return `aes128gcm payload must be a single record: rs ${rs}, record ${record} octets`;
  return null;
}

app.post('/subscribe', express.json(), async (req, res) => {
  const body = req.body ?? {};
  if (typeof body.applicationServerKey !== 'string') {
    return refuse(res, 400, 'applicationServerKey (base64url P-256 public key) is required');
  }
  // As the Push API reads it: base64url of the uncompressed point. The model alone would also
  // take standard base64 and a compressed point.
  const key = body.applicationServerKey;
  const bytes = /^[A-Za-z0-9_-]+={0,2}$/.test(key) ? Buffer.from(key, 'base64url') : Buffer.alloc(0);
  if (bytes.length !== 65 || bytes[0] !== 4) {
    return refuse(res, 400, 'applicationServerKey must be base64url of an uncompressed P-256 public key (65 octets)');
  }
  try {
    const options = { applicationServerKey: body.applicationServerKey };
    if (body.userVisibleOnly !== undefined) options.userVisibleOnly = String(body.userVisibleOnly);
    const subscription = await model.subscribe(options);
    modes.set(subscription.clientHash, 'ok');
    res.status(200).json(subscription);
  } catch (err) {
    refuse(res, 400, err.message);
  }
});

app.post(
  '/notify/:clientHash',
  (req, res, next) => {
    const { clientHash } = req.params;
    res.locals.at = Date.now();
    attempts.set(clientHash, (attempts.get(clientHash) ?? 0) + 1);
    const mode = modes.get(clientHash);
    if (mode === 'hang') {
      // Read the request and never answer: the socket stays open until the sender gives up.
      req.resume();
      return undefined;
    }
    if (mode === 'gone') {
      return res.status(410).json({ reason: 'Push subscription has unsubscribed or expired.' });
    }
    // As web-push-testing's server does: move Content-Encoding aside, or the body parser
    // would try to decode the body with it (and refuse aes128gcm).
    res.locals.encoding = req.headers['content-encoding'] ?? null;
    delete req.headers['content-encoding'];
    return next();
  },
  // Every body as bytes, whatever its Content-Type (or none: RFC 8030 does not require one);
  // RFC 8030 §7.2 asks at least 4096 octets of payload, a larger body is refused with 413.
  express.raw({ type: () => true, limit: '8kb' }),
  async (req, res) => {
    const { clientHash } = req.params;
    // An unknown endpoint is refused with 400, as web-push-testing's own server does.
    if (!known(clientHash)) return refuse(res, 400, 'Client not subscribed');
    const encoding = res.locals.encoding;
    if (encoding !== 'aes128gcm') {
      return refuse(res, 400, `Content-Encoding must be aes128gcm (RFC 8291), got ${JSON.stringify(encoding)}`);
    }
    const vapid = vapidParams(req.get('Authorization'));
    if (vapid === null) {
      return refuse(res, 400, 'Authorization must be `vapid t=<jwt>, k=<key>` (RFC 8292)');
    }
    const problem = claimsProblem(vapid[0]) ?? bodyProblem(req.body);
    if (problem !== null) return refuse(res, 400, problem);
    const pushHeaders = {
      encoding,
      encryption: req.get('Encryption'),
      cryptoKey: req.get('Crypto-Key'),
      authorization: req.get('Authorization'),
      ttl: req.get('TTL'),
    };
    try {
      await model.handleNotification(clientHash, pushHeaders, req.body);
    } catch (err) {
      if (err instanceof SubscriptionExpiredError) {
        return res.status(410).json({ reason: 'Push subscription has unsubscribed or expired.' });
      }
      return refuse(res, 400, err.message);
    }
    // The model appends each decrypted text in the order its calls finish, and each call's
    // continuation runs in that same order: the oldest text is this one.
    const text = model.messages[clientHash].shift();
    const list = received.get(clientHash) ?? [];
    list.push({
      text,
      ttl: req.get('TTL') ?? null,
      urgency: req.get('Urgency') ?? null,
      topic: req.get('Topic') ?? null,
      encoding,
      at: res.locals.at,
    });
    received.set(clientHash, list);
    return res.status(201).json({});
  },
);

app.post('/messages', express.json(), (req, res) => {
  const clientHash = req.body?.clientHash;
  if (typeof clientHash !== 'string' || !known(clientHash)) {
    return refuse(res, 400, 'Client not subscribed');
  }
  return res.status(200).json({
    messages: received.get(clientHash) ?? [],
    attempts: attempts.get(clientHash) ?? 0,
  });
});

app.post('/mode/:clientHash', express.json(), (req, res) => {
  const { clientHash } = req.params;
  if (!known(clientHash)) return refuse(res, 400, 'Client not subscribed');
  const mode = req.body?.mode;
  if (!MODES.has(mode)) return refuse(res, 400, `mode must be one of ok, gone, hang; got ${JSON.stringify(mode)}`);
  modes.set(clientHash, mode);
  return res.status(200).json({});
});

app.use((req, res) => refuse(res, 404, `no route ${req.method} ${req.path}`));

// Body-parser errors (too large, bad JSON) as JSON, with their own status.
// eslint-disable-next-line no-unused-vars
app.use((err, req, res, next) => {
  const status = Number.isInteger(err.status) && err.status >= 400 && err.status < 600 ? err.status : 500;
  refuse(res, status, err.message);
});

const server = app.listen(0, HOST, () => {
  const { port } = server.address();
  origin = `http://${HOST}:${port}`;
  model.notifyUrl = `${origin}/notify/`;
  process.stdout.write(`listening ${port}\n`);
});
// A hung endpoint stays hung: no request timeout closes it from this side.
server.requestTimeout = 0;
server.on('error', (err) => {
  console.error(err);
  process.exit(1);
});

// The test that started us holds stdin open; when it ends (or is killed), so do we.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
