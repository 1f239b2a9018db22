/**
 * A local stand-in for the ChatGPT backend (docs/design.md "Provider profile"):
 * `GET {base}/codex/models?client_version=X` and `GET {base}/wham/usage`, on a random loopback port, in the
 * shapes the real one answers.
 *
 * Like the real one it checks who is asking: the bearer access token (RFC 6750 §2.1) must be a JWT signed
 * by the test authorization server (verified against its JWKS with `jose`), unexpired, and not revoked here
 * (401 with `WWW-Authenticate: Bearer error="invalid_token"` otherwise, RFC 6750 §3.1); `ChatGPT-Account-Id`
 * must name the token's `chatgpt_account_id` (403 otherwise). It answers per plan (the token's
 * `chatgpt_plan_type`): models with an ETag and 304 on a matching If-None-Match (RFC 9110 §13.1.2), usage
 * with reset times counted from now.
 *
 * Usage is per plan unless set for one account (`setAccountUsage`, keyed by the `ChatGPT-Account-Id` the request
 * names), so tests of several accounts can put one at its limit (`limitReached`) and leave the others with room.
 *
 * Switches: `setMode('offline')` stops listening (connections are refused) until `setMode('online')`;
 * `setMode('error')` answers 500. `revokeToken` makes one access token fail with 401 from then on.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

export const AUTH_CLAIM = 'https://api.openai.com/auth';

/** One entry as the backend sends it; extra fields are passed through untouched. */
export interface ServerModelEntry {
  slug: string;
  display_name?: string;
  description?: string;
  visibility?: string;
  priority?: number;
  context_window?: number;
  supported_reasoning_levels?: unknown[];
  [field: string]: unknown;
}

export interface UsageWindowSpec {
  used_percent: number;
  limit_window_seconds: number;
  reset_after_seconds: number;
}

/** A plan's usage: the windows (reset_at is filled in from now) and any extra top-level fields. */
export interface UsageSpec {
  primary_window?: UsageWindowSpec | null;
  secondary_window?: UsageWindowSpec | null;
  /** `rate_limit.limit_reached` (and `allowed: false`): the account cannot be used now. */
  limitReached?: boolean;
  extra?: Record<string, unknown>;
}

const levels = (...efforts: string[]) =>
  efforts.map((effort) => ({ effort, description: `${effort} reasoning effort` }));

/** Fields the real backend sends that Keybridge does not use: present so tolerance is exercised. */
const extras = {
  shell_type: 'shell_command',
  supported_in_api: true,
  default_reasoning_level: 'medium',
  apply_patch_tool_type: 'freeform',
  truncation_policy: { mode: 'tokens', limit: 10_000 },
  experimental_supported_tools: [],
};

const PLUS_MODELS: ServerModelEntry[] = [
  {
    slug: 'gpt-5.1-codex',
    display_name: 'GPT-5.1 Codex',
    description: 'Optimized for agentic coding.',
    visibility: 'list',
    priority: 1,
    context_window: 272_000,
    supported_reasoning_levels: levels('low', 'medium', 'high'),
    ...extras,
  },
  {
    slug: 'gpt-5.1-codex-mini',
    display_name: 'GPT-5.1 Codex Mini',
    description: 'Faster and cheaper for small tasks.',
    visibility: 'list',
    priority: 3,
    context_window: 272_000,
    supported_reasoning_levels: levels('medium', 'high'),
    ...extras,
  },
  {
    slug: 'gpt-5.1',
    display_name: 'GPT-5.1',
    description: 'Broad knowledge and general reasoning.',
    visibility: 'list',
    priority: 2,
    context_window: 272_000,
    supported_reasoning_levels: levels('minimal', 'low', 'medium', 'high'),
    ...extras,
  },
  // Not for the picker: must never show.
  { slug: 'codex-auto-review', display_name: 'Auto review', visibility: 'hide', priority: 0, ...extras },
  { slug: 'gpt-5-codex', display_name: 'GPT-5 Codex (old)', visibility: 'none', priority: 9, ...extras },
];

const PRO_MODELS: ServerModelEntry[] = [
  {
    slug: 'gpt-5.1-codex-max',
    display_name: 'GPT-5.1 Codex Max',
    description: 'For long-running, project-scale work.',
    visibility: 'list',
    priority: 0,
    context_window: 400_000,
    supported_reasoning_levels: levels('low', 'medium', 'high', 'xhigh'),
    ...extras,
  },
  ...PLUS_MODELS,
  {
    slug: 'gpt-5-pro',
    display_name: 'GPT-5 Pro',
    description: 'Research-grade reasoning, Pro only.',
    visibility: 'list',
    priority: 4,
    context_window: 400_000,
    supported_reasoning_levels: levels('high'),
    ...extras,
  },
];

export const DEFAULT_MODELS: Record<string, ServerModelEntry[]> = {
  free: PLUS_MODELS.filter((m) => m.slug === 'gpt-5.1-codex-mini' || m.visibility !== 'list'),
  plus: PLUS_MODELS,
  pro: PRO_MODELS,
};

export const DEFAULT_USAGE: Record<string, UsageSpec> = {
  free: {
    primary_window: { used_percent: 90, limit_window_seconds: 18_000, reset_after_seconds: 25 * 60 },
    secondary_window: null,
  },
  plus: {
    primary_window: { used_percent: 42, limit_window_seconds: 18_000, reset_after_seconds: 2 * 3600 + 600 },
    secondary_window: { used_percent: 17, limit_window_seconds: 604_800, reset_after_seconds: 77 * 3600 },
    extra: { credits: { has_credits: false, unlimited: false } },
  },
  pro: {
    primary_window: { used_percent: 8, limit_window_seconds: 18_000, reset_after_seconds: 4 * 3600 + 1800 },
    secondary_window: { used_percent: 3, limit_window_seconds: 604_800, reset_after_seconds: 6 * 24 * 3600 },
  },
};

export interface ChatgptServerOptions {
  /** The test authorization server: its JWKS verifies the access tokens. */
  issuer: string;
  /** Per plan; default DEFAULT_MODELS. A plan without an entry gets an empty list. */
  models?: Record<string, ServerModelEntry[]>;
  /** Per plan; default DEFAULT_USAGE. A plan without an entry gets no rate_limit at all. */
  usage?: Record<string, UsageSpec>;
}

export interface ChatgptRequest {
  path: string;
  status: number;
  plan?: string;
  accountId?: string;
  ifNoneMatch?: string;
  clientVersion?: string;
}

export interface ChatgptServerStats {
  /** Every GET of /codex/models (whatever the answer). */
  models: number;
  /** Every GET of /wham/usage (whatever the answer). */
  usage: number;
  notModified: number;
  unauthorized: number;
  forbidden: number;
  /** Requests answered 500 on purpose (setMode("error")). */
  faulted: number;
}

export type ChatgptMode = 'online' | 'offline' | 'error';

export interface ChatgptServer {
  /** `http://127.0.0.1:PORT/backend-api`: the value for KEYBRIDGE_CHATGPT_BASE. */
  base: string;
  stats: ChatgptServerStats;
  requests: ChatgptRequest[];
  setMode(mode: ChatgptMode): Promise<void>;
  setModels(plan: string, models: ServerModelEntry[]): void;
  setUsage(plan: string, usage: UsageSpec): void;
  /** This account's usage from now on, whatever its plan (null: back to its plan's). */
  setAccountUsage(accountId: string, usage: UsageSpec | null): void;
  /** Answers 401 to this access token from now on (as if the backend had revoked it). */
  revokeToken(accessToken: string): void;
  /** Answers 401 to every token while on. */
  rejectAllTokens(on: boolean): void;
  /** Waits this long before answering requests of one endpoint (0: at once). */
  setLatency(endpoint: 'models' | 'usage', ms: number): void;
  close(): Promise<void>;
}

export async function startChatgptServer(opts: ChatgptServerOptions): Promise<ChatgptServer> {
  const issuer = opts.issuer.replace(/\/+$/, '');
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  const models = new Map(Object.entries(opts.models ?? DEFAULT_MODELS));
  const usage = new Map(Object.entries(opts.usage ?? DEFAULT_USAGE));
  const accountUsage = new Map<string, UsageSpec>();
  const revoked = new Set<string>();
  let rejectAll = false;
  const latency = { models: 0, usage: 0 };
  let mode: ChatgptMode = 'online';
  const stats: ChatgptServerStats = {
    models: 0,
    usage: 0,
    notModified: 0,
    unauthorized: 0,
    forbidden: 0,
    faulted: 0,
  };
  const requests: ChatgptRequest[] = [];

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const record: ChatgptRequest = { path, status: 0 };
    requests.push(record);
    const answer = (status: number, body: unknown, headers?: Record<string, string>) => {
      record.status = status;
      send(res, status, body, headers);
    };
    const isModels = path === '/backend-api/codex/models';
    const isUsage = path === '/backend-api/wham/usage';
    if (isModels) stats.models += 1;
    if (isUsage) stats.usage += 1;
    const wait = isModels ? latency.models : isUsage ? latency.usage : 0;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (req.method !== 'GET' || (!isModels && !isUsage)) return answer(404, { detail: 'Not Found' });
    if (mode === 'error') {
      stats.faulted += 1;
      return answer(500, { detail: 'Internal server error (injected by the test)' });
    }

    const token = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    let claims: JWTPayload | undefined;
    if (token && !rejectAll && !revoked.has(token)) {
      try {
        claims = (await jwtVerify(token, jwks, { issuer })).payload;
      } catch {
        claims = undefined;
      }
    }
    if (!claims) {
      stats.unauthorized += 1;
      return answer(
        401,
        { detail: 'Could not validate your token. Please sign in again.' },
        { 'www-authenticate': 'Bearer error="invalid_token"' },
      );
    }
    const auth = (claims[AUTH_CLAIM] ?? {}) as { chatgpt_plan_type?: string; chatgpt_account_id?: string };
    const plan = auth.chatgpt_plan_type ?? 'free';
    const accountHeader = req.headers['chatgpt-account-id'];
    record.plan = plan;
    record.accountId = typeof accountHeader === 'string' ? accountHeader : undefined;
    if (!auth.chatgpt_account_id || accountHeader !== auth.chatgpt_account_id) {
      stats.forbidden += 1;
      return answer(403, { detail: 'ChatGPT-Account-Id does not match the token.' });
    }

    if (isModels) {
      record.clientVersion = url.searchParams.get('client_version') ?? undefined;
      const body = { models: models.get(plan) ?? [] };
      const etag = `"${createHash('sha256').update(plan).update(JSON.stringify(body)).digest('hex').slice(0, 20)}"`;
      const inm = req.headers['if-none-match'];
      record.ifNoneMatch = typeof inm === 'string' ? inm : undefined;
      if (typeof inm === 'string' && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
        stats.notModified += 1;
        record.status = 304;
        res.writeHead(304, { etag, 'cache-control': 'no-store' });
        res.end();
        return;
      }
      return answer(200, body, { etag });
    }

    const spec = accountUsage.get(auth.chatgpt_account_id) ?? usage.get(plan);
    const now = Math.floor(Date.now() / 1000);
    const window = (w: UsageWindowSpec | null | undefined) =>
      w ? { ...w, reset_at: now + w.reset_after_seconds } : null;
    return answer(200, {
      email: typeof claims.email === 'string' ? claims.email : undefined,
      plan_type: plan,
      ...(spec
        ? {
            rate_limit: {
              allowed: spec.limitReached !== true,
              limit_reached: spec.limitReached === true,
              primary_window: window(spec.primary_window),
              secondary_window: window(spec.secondary_window),
            },
            ...spec.extra,
          }
        : {}),
    });
  }

  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { detail: `stand-in failed: ${(e as Error).message}` });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });

  await listen(0);
  const port = (server.address() as AddressInfo).port;

  return {
    base: `http://127.0.0.1:${port}/backend-api`,
    stats,
    requests,
    async setMode(next) {
      if (next === mode) return;
      const wasOffline = mode === 'offline';
      mode = next;
      if (next === 'offline') await stop();
      else if (wasOffline) await listen(port);
    },
    setModels(plan, list) {
      models.set(plan, list);
    },
    setUsage(plan, spec) {
      usage.set(plan, spec);
    },
    setAccountUsage(accountId, spec) {
      if (spec) accountUsage.set(accountId, spec);
      else accountUsage.delete(accountId);
    },
    revokeToken(accessToken) {
      revoked.add(accessToken);
    },
    rejectAllTokens(on) {
      rejectAll = on;
    },
    setLatency(endpoint, ms) {
      latency[endpoint] = ms;
    },
    close: stop,
  };
}
