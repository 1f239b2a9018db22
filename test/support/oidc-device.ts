/**
 * The device-code endpoints of the test authorization server (test/support/oidc-server.ts), shaped like the
 * ones Codex CLI talks to (openai/codex `codex-rs/login/src/device_code_auth.rs`):
 *
 * - `POST /api/accounts/deviceauth/usercode` `{client_id}` → `{device_auth_id, user_code, interval}` (interval
 *   a string of seconds); 404 while device sign-in is switched off.
 * - `GET /codex/device`: the page where a person types the code. Submitting it runs an ordinary
 *   authorization-code flow (oidc-provider's login and consent) with a PKCE pair this server made, whose
 *   redirect `{issuer}/deviceauth/callback` is served here too and keeps the code for the device.
 * - `POST /api/accounts/deviceauth/token` `{device_auth_id, user_code}` → 403 while nobody entered the code,
 *   then once `{authorization_code, code_challenge, code_verifier}`; after the code's lifetime
 *   `400 {"error":"expired_token"}`; 404 for a code it never gave out.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface DeviceAuthOptions {
  /** false: every device endpoint answers 404, as when "device code authorization" is off. Default true. */
  enabled?: boolean;
  /** The `interval` answered, in seconds. Default 1. */
  intervalSeconds?: number;
  /** How long a code is good for. Default 900 (15 minutes). */
  codeTtlSeconds?: number;
  /** Answer the code as `usercode` instead of `user_code` (Codex CLI accepts both). */
  spellUserCode?: 'user_code' | 'usercode';
}

export interface DeviceAuthStats {
  /** performance.now() of every token poll, in arrival order. */
  polls: number[];
  /** Codes handed out at step 1. */
  codesIssued: number;
}

interface Entry {
  deviceAuthId: string;
  userCode: string;
  expiresAt: number;
  state?: string;
  verifier?: string;
  challenge?: string;
  authorizationCode?: string;
}

export interface DeviceAuthServer {
  stats: DeviceAuthStats;
  setEnabled(enabled: boolean): void;
  /** Answers the request if it is one of the device paths; false lets oidc-provider have it. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

export const DEVICE_CALLBACK_PATH = '/deviceauth/callback';

export function deviceAuth(
  issuer: string,
  clientId: string,
  scope: string,
  opts: DeviceAuthOptions = {},
): DeviceAuthServer {
  let enabled = opts.enabled ?? true;
  const interval = opts.intervalSeconds ?? 1;
  const ttlMs = (opts.codeTtlSeconds ?? 900) * 1000;
  const entries = new Map<string, Entry>();
  const stats: DeviceAuthStats = { polls: [], codesIssued: 0 };

  const byCode = (code: string) =>
    [...entries.values()].find((e) => e.userCode === code.trim().toUpperCase());

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res
      .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify(body));
  };
  const html = (res: ServerResponse, status: number, body: string): void => {
    res
      .writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
      .end(`<!doctype html><html lang="en"><meta charset="utf-8"><title>Device sign-in</title>${body}`);
  };

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  const codePage = (error?: string) =>
    `<h1>Enter your code</h1>${error ? `<p role="alert">${error}</p>` : ''}<form method="post" action="/codex/device"><label for="user_code">Code</label><input id="user_code" name="user_code" autocomplete="off"><button type="submit">Continue</button></form>`;

  async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (!enabled) {
      req.resume();
      json(res, 404, { error: 'not_found' });
      return;
    }
    if (req.method === 'POST' && path === '/api/accounts/deviceauth/usercode') {
      const body = safeJson(await readBody(req)) as { client_id?: unknown } | null;
      if (body?.client_id !== clientId) return json(res, 400, { error: 'invalid_client' });
      const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
      const pick = () => Array.from({ length: 4 }, () => letters[randomInt(letters.length)]).join('');
      const entry: Entry = {
        deviceAuthId: `deviceauth_${randomBytes(12).toString('hex')}`,
        userCode: `${pick()}-${pick()}`,
        expiresAt: Date.now() + ttlMs,
      };
      entries.set(entry.deviceAuthId, entry);
      stats.codesIssued += 1;
      return json(res, 200, {
        device_auth_id: entry.deviceAuthId,
        [opts.spellUserCode ?? 'user_code']: entry.userCode,
        interval: String(interval),
      });
    }
    if (req.method === 'POST' && path === '/api/accounts/deviceauth/token') {
      stats.polls.push(performance.now());
      const body = safeJson(await readBody(req)) as { device_auth_id?: unknown; user_code?: unknown } | null;
      const entry = typeof body?.device_auth_id === 'string' ? entries.get(body.device_auth_id) : undefined;
      if (!entry || entry.userCode !== body?.user_code) return json(res, 404, { error: 'not_found' });
      if (Date.now() >= entry.expiresAt) {
        entries.delete(entry.deviceAuthId);
        return json(res, 400, { error: 'expired_token' });
      }
      if (!entry.authorizationCode) return json(res, 403, { error: 'deviceauth_authorization_pending' });
      entries.delete(entry.deviceAuthId);
      return json(res, 200, {
        authorization_code: entry.authorizationCode,
        code_challenge: entry.challenge,
        code_verifier: entry.verifier,
      });
    }
    if (path === '/codex/device' && req.method === 'GET') return html(res, 200, codePage());
    if (path === '/codex/device' && req.method === 'POST') {
      const code = new URLSearchParams(await readBody(req)).get('user_code') ?? '';
      const entry = byCode(code);
      if (!entry || Date.now() >= entry.expiresAt)
        return html(res, 400, codePage('That code is not valid or has expired.'));
      // The server makes the PKCE pair (RFC 7636 §4.1–4.2) and hands it to the device with the code.
      entry.verifier = randomBytes(32).toString('base64url');
      entry.challenge = createHash('sha256').update(entry.verifier).digest('base64url');
      entry.state = randomBytes(16).toString('base64url');
      const authorize = new URL(`${issuer}/oauth/authorize`);
      authorize.search = new URLSearchParams({
        client_id: clientId,
        response_type: 'code',
        redirect_uri: `${issuer}${DEVICE_CALLBACK_PATH}`,
        scope,
        code_challenge: entry.challenge,
        code_challenge_method: 'S256',
        state: entry.state,
      }).toString();
      res.writeHead(303, { location: authorize.href }).end();
      return;
    }
    if (path === DEVICE_CALLBACK_PATH && req.method === 'GET') {
      const params = new URL(req.url ?? '/', issuer).searchParams;
      const entry = [...entries.values()].find(
        (e) => e.state !== undefined && e.state === params.get('state'),
      );
      const code = params.get('code');
      if (!entry || !code) return html(res, 400, '<h1>This sign-in is not known here.</h1>');
      entry.authorizationCode = code;
      return html(res, 200, '<h1>Signed in</h1><p>You can go back to your device now.</p>');
    }
    req.resume();
    json(res, 404, { error: 'not_found' });
  }

  return {
    stats,
    setEnabled(on) {
      enabled = on;
    },
    handle(req, res) {
      const path = (req.url ?? '/').split('?')[0]!;
      const ours =
        path.startsWith('/api/accounts/deviceauth/') ||
        path === '/codex/device' ||
        path === DEVICE_CALLBACK_PATH;
      if (!ours) return false;
      route(req, res, path).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
      return true;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
