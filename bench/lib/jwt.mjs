// HS256 JWTs with node's crypto: the tokens VSKI sends (webhooks) and its users present (sockets).
import { createHmac } from 'node:crypto';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

export function signHs256(claims, secret) {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${sig}`;
}

/** Webhook sender token: roles ["service","webhook"], valid for `hours`. */
export function webhookToken(secret, hours = 12) {
  const now = Math.floor(Date.now() / 1000);
  return signHs256({ sub: 'bench-sender', roles: ['service', 'webhook'], iat: now, exp: now + hours * 3600 }, secret);
}

/** A plain user token for the subscribers. */
export function userToken(secret, hours = 12) {
  const now = Math.floor(Date.now() / 1000);
  return signHs256({ sub: 'bench-client', roles: [], iat: now, exp: now + hours * 3600 }, secret);
}
