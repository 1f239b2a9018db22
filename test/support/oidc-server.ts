/**
 * A real OpenID Connect authorization server for tests: oidc-provider (v9) on a random loopback port, shaped
 * like OpenAI's (docs/design.md "Provider profile") so the whole sign-in / refresh / revoke path runs for
 * real.
 *
 * - Endpoints at OpenAI's paths: `/oauth/authorize`, `/oauth/token`, `/oauth/revoke` (plus discovery at
 *   `/.well-known/openid-configuration`), so both a discovering client and one using the default
 *   endpoint layout work against it.
 * - One public native client (no secret, PKCE S256 required) that accepts `http://localhost:ANY/auth/callback`,
 *   `http://127.0.0.1:ANY/auth/callback` (RFC 8252 §7.3: any port on loopback) and `keybridge://oauth/callback`.
 * - Dev interactions (oidc-provider's built-in login + consent pages): any login name and any password are
 *   accepted; the login name is the account key in `opts.accounts`. Each login name is a different person
 *   with its own ChatGPT account id, email and plan (several accounts, docs/accounts.md): `ada@example.com`
 *   (the tests' default person) and `grace+pro@example.com` get distinct, stable ids unless `accounts` names
 *   them; `PEOPLE` lists three ready-made ones.
 * - id_token and a JWT access token carry `email` and `https://api.openai.com/auth` =
 *   `{chatgpt_plan_type, chatgpt_account_id, chatgpt_user_id}`.
 * - Refresh tokens are always issued and rotate on every use; replaying a used one answers `invalid_grant`
 *   and revokes the whole grant (like OpenAI's `refresh_token_reused`).
 * - `setTokenEndpointFault` makes POST /oauth/token fail on purpose (status, reset, hang) until cleared.
 * - `setOffline(true)` stops listening (connections are refused, like a server that is down or a machine
 *   that is offline) and `setOffline(false)` listens again on the same port, with every grant intact.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { OPENAI_DEFAULTS } from '../../core/config';

export interface OidcAccount {
  /** `chatgpt_plan_type`; default: the PLAN of a `name+PLAN@…` login, else 'plus'. */
  plan?: string;
  /** `chatgpt_account_id`; default: a stable id derived from the login. */
  accountId?: string;
  /** `chatgpt_user_id`; default: a stable id derived from the login. */
  userId?: string;
  /** default: the login when it contains @, else `${login}@example.com`. */
  email?: string;
}

export interface OidcServerOptions {
  /** Lifetime of access tokens (the JWT `exp` and the token response's `expires_in`). Default 3600. */
  accessTokenTtlSeconds?: number;
  /** Known accounts by login name; any other login name also works, with defaults. */
  accounts?: Record<string, OidcAccount>;
  /** Default: OpenAI's Codex client id, so a Keybridge configured with only KEYBRIDGE_ISSUER works. */
  clientId?: string;
}

/** What POST /oauth/token does instead of answering normally. */
export type TokenEndpointFault =
  | null
  /** Answer with this status, body (default `{"error":"server_error"}`) and optional Retry-After seconds. */
  | { status: number; body?: string; retryAfter?: number; contentType?: string }
  /** Destroy the socket without an answer (the client sees a network error). */
  | 'reset'
  /** Never answer (the client's timeout fires); the socket is closed by close(). */
  | 'hang';

export interface OidcServerStats {
  /** Successful authorization_code grants. */
  codeGrants: number;
  /** Successful refresh_token grants. */
  refreshGrants: number;
  /** performance.now() when the last refresh grant succeeded (0: none yet): for notification latency. */
  lastRefreshGrantAt: number;
  /** Revocation requests answered 200. */
  revocations: number;
  /** Every POST to the token endpoint, faulted or not. */
  tokenRequests: number;
  /** GETs of the OIDC discovery document. */
  discoveryRequests: number;
}

export interface OidcServer {
  /** `http://127.0.0.1:PORT` (no trailing slash): the value for KEYBRIDGE_ISSUER / ProviderConfig.issuer. */
  issuer: string;
  clientId: string;
  /** The audience of the JWT access tokens. */
  audience: string;
  stats: OidcServerStats;
  /**
   * Every secret this server handed out, as it went over the wire: the tokens of each token response and
   * the authorization codes of each redirect to the client. For tests that prove no secret leaks anywhere.
   */
  issued: IssuedSecrets;
  setTokenEndpointFault(fault: TokenEndpointFault): void;
  /** true: stop listening and cut open connections; false: listen again on the same port. */
  setOffline(offline: boolean): Promise<void>;
  /** Adds or changes an account (e.g. a plan change seen on the next refresh). */
  setAccount(login: string, account: OidcAccount): void;
  /** The claims this server puts in tokens for `login` (what tests should expect). */
  claimsFor(login: string): OpenAIShapedClaims;
  close(): Promise<void>;
}

export interface OpenAIShapedClaims {
  email: string;
  'https://api.openai.com/auth': {
    chatgpt_plan_type: string;
    chatgpt_account_id: string;
    chatgpt_user_id: string;
  };
  'https://api.openai.com/profile': { email: string };
}

export interface IssuedSecrets {
  accessTokens: string[];
  refreshTokens: string[];
  idTokens: string[];
  codes: string[];
}

/** Three people with their own accounts, for tests of several accounts (`startOidcServer({accounts: PEOPLE})`). */
export const PEOPLE: Record<string, OidcAccount> = {
  'ada@example.com': { plan: 'plus', accountId: 'acc-ada' },
  'grace@example.com': { plan: 'pro', accountId: 'acc-grace' },
  'linus@example.com': { plan: 'free', accountId: 'acc-linus' },
};

export const AUTH_CLAIM = 'https://api.openai.com/auth';
export const PROFILE_CLAIM = 'https://api.openai.com/profile';
const AUDIENCE = 'https://api.openai.com/v1';
const SCOPE = 'openid profile email offline_access';

/**
 * oidc-provider prints development-only notices (in-memory adapter, dev interactions, Node version) through
 * console.warn/info. They are expected in tests; drop just those lines so test output stays readable.
 */
let consoleFiltered = false;
function silenceOidcProviderNotices(): void {
  if (consoleFiltered) return;
  consoleFiltered = true;
  for (const level of ['warn', 'info'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider ')) return;
      original(...args);
    };
  }
}

function stableId(prefix: string, login: string): string {
  return `${prefix}${createHash('sha256').update(login).digest('hex').slice(0, 24)}`;
}

export function claimsForLogin(login: string, account: OidcAccount = {}): OpenAIShapedClaims {
  const email = account.email ?? (login.includes('@') ? login : `${login}@example.com`);
  const planFromLogin = /^[^+@]+\+([^@]+)@/.exec(login)?.[1];
  return {
    email,
    [AUTH_CLAIM]: {
      chatgpt_plan_type: account.plan ?? planFromLogin ?? 'plus',
      chatgpt_account_id: account.accountId ?? stableId('acct-', login),
      chatgpt_user_id: account.userId ?? stableId('user-', login),
    },
    [PROFILE_CLAIM]: { email },
  };
}

export async function startOidcServer(opts: OidcServerOptions = {}): Promise<OidcServer> {
  silenceOidcProviderNotices();
  const { default: Provider } = await import('oidc-provider');

  const ttl = opts.accessTokenTtlSeconds ?? 3600;
  const clientId = opts.clientId ?? OPENAI_DEFAULTS.clientId;
  const accounts = new Map(Object.entries(opts.accounts ?? {}));
  const claimsFor = (login: string) => claimsForLogin(login, accounts.get(login));
  const stats: OidcServerStats = {
    codeGrants: 0,
    refreshGrants: 0,
    lastRefreshGrantAt: 0,
    revocations: 0,
    tokenRequests: 0,
    discoveryRequests: 0,
  };
  let fault: TokenEndpointFault = null;
  const issued: IssuedSecrets = { accessTokens: [], refreshTokens: [], idTokens: [], codes: [] };

  // Listen first: the issuer must name the real port.
  const sockets = new Set<Socket>();
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') stats.discoveryRequests += 1;
    if (req.method === 'POST' && path === '/oauth/token') {
      stats.tokenRequests += 1;
      if (fault === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault === 'hang') {
        req.resume();
        return;
      }
      if (fault) {
        const body =
          fault.body ?? JSON.stringify({ error: 'server_error', error_description: 'injected fault' });
        const headers: Record<string, string> = {
          'content-type':
            fault.contentType ?? (body.trimStart().startsWith('{') ? 'application/json' : 'text/plain'),
          'cache-control': 'no-store',
        };
        if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
        req.resume();
        res.writeHead(fault.status, headers).end(body);
        return;
      }
    }
    recordIssued(req, res, issued);
    handler(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Short-lived keys, made for this server only.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = {
    ...privateKey.export({ format: 'jwk' }),
    kid: randomBytes(8).toString('hex'),
    use: 'sig',
    alg: 'RS256',
  };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        // RFC 8252 §7.3: for native clients oidc-provider ignores the port of loopback redirect URIs.
        redirect_uris: [
          'http://localhost/auth/callback',
          'http://127.0.0.1/auth/callback',
          OPENAI_DEFAULTS.schemeRedirect,
        ],
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    routes: {
      authorization: '/oauth/authorize',
      token: '/oauth/token',
      revocation: '/oauth/revoke',
      userinfo: '/userinfo',
      jwks: '/jwks',
    },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    claims: {
      openid: ['sub', AUTH_CLAIM],
      email: ['email', 'email_verified'],
      profile: ['name', PROFILE_CLAIM],
    },
    // Put the scope's claims in the id_token itself (OpenAI's id_token carries email and the auth claim).
    conformIdTokenClaims: false,
    extraParams: Object.keys(OPENAI_DEFAULTS.extraAuthorizeParams),
    pkce: { required: () => true },
    async findAccount(_ctx: unknown, sub: string) {
      return {
        accountId: sub,
        async claims() {
          const c = claimsFor(sub);
          return { sub, email_verified: true, name: sub, ...c };
        },
      };
    },
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true, allowedPolicy: async () => true },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // Every token is for the one "API" resource, so access tokens are JWTs like OpenAI's.
        defaultResource: async () => AUDIENCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async () => ({
          scope: SCOPE,
          audience: AUDIENCE,
          accessTokenTTL: ttl,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    async extraTokenClaims(_ctx: unknown, token: { kind: string; accountId?: string }) {
      if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
      const c = claimsFor(token.accountId);
      return { [AUTH_CLAIM]: c[AUTH_CLAIM], [PROFILE_CLAIM]: c[PROFILE_CLAIM] };
    },
    // Always a refresh token, always rotated (OpenAI's refresh tokens are single use).
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: ttl,
      AuthorizationCode: 120,
      IdToken: 3600,
      RefreshToken: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
      Interaction: 600,
      Session: 3600,
    },
    renderError: async (ctx: { type: string; body: string }, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>oidc error</title><h1>${escapeHtml(out.error ?? 'error')}</h1><p>${escapeHtml(
        out.error_description ?? '',
      )}</p>`;
    },
  });

  provider.on('grant.success', (ctx: { oidc: { params: { grant_type?: string } } }) => {
    const gt = ctx.oidc.params.grant_type;
    if (gt === 'authorization_code') stats.codeGrants += 1;
    else if (gt === 'refresh_token') {
      stats.refreshGrants += 1;
      stats.lastRefreshGrantAt = performance.now();
    }
  });
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.method === 'POST' && ctx.path === '/oauth/revoke' && ctx.status === 200) stats.revocations += 1;
  });
  provider.on('server_error', (_ctx: unknown, err: Error) => {
    console.error(`test oidc-server: server_error: ${err.stack ?? err.message}`);
  });
  handler = provider.callback();

  return {
    issuer,
    clientId,
    audience: AUDIENCE,
    stats,
    issued,
    setTokenEndpointFault(f) {
      fault = f;
    },
    async setOffline(offline) {
      if (offline === !server.listening) return;
      if (offline) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await closed;
        return;
      }
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(Number(new URL(issuer).port), '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
    },
    setAccount(login, account) {
      accounts.set(login, account);
    },
    claimsFor,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        if (!server.listening) resolve();
        else server.close(() => resolve());
      }),
  };
}

/**
 * Notes what a response hands out: the body of a token response (RFC 6749 §5.1) and the `code` of a
 * redirect to the client (§4.1.2). The body is copied as it is written, so oidc-provider is untouched.
 */
function recordIssued(req: IncomingMessage, res: ServerResponse, into: IssuedSecrets): void {
  const isToken = req.method === 'POST' && (req.url ?? '').split('?')[0] === '/oauth/token';
  const chunks: Buffer[] = [];
  if (isToken) {
    const keep = (chunk: unknown) => {
      if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk);
      return write(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (typeof chunk !== 'function') keep(chunk);
      return end(chunk, ...rest);
    }) as typeof res.end;
  }
  res.once('finish', () => {
    const location = res.getHeader('location');
    if (typeof location === 'string' && location.includes('code=')) {
      try {
        const code = new URL(location).searchParams.get('code');
        if (code) into.codes.push(code);
      } catch {
        // Not an absolute URL: not a redirect to the client.
      }
    }
    if (!isToken || res.statusCode !== 200) return;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      if (typeof body.access_token === 'string') into.accessTokens.push(body.access_token);
      if (typeof body.refresh_token === 'string') into.refreshTokens.push(body.refresh_token);
      if (typeof body.id_token === 'string') into.idTokens.push(body.id_token);
    } catch {
      // Not JSON: nothing was issued.
    }
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
