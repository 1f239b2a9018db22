/**
 * The one contract between the host and everything that talks to it (broker socket, Electron IPC,
 * browser WebSocket). Each method has a params schema and a result schema; each transport decides which
 * methods it grants (the renderer never gets `credentials.*`).
 */
import { z } from 'zod';
import { rendererMethods } from './bridge';

export const PROTOCOL_VERSION = 1;

export const SessionStateName = z.enum([
  'signedOut',
  'signingIn',
  'signedIn',
  'refreshing',
  'expired',
  'error',
]);
export type SessionStateName = z.infer<typeof SessionStateName>;

export const AccountInfo = z.object({
  email: z.string().nullable(),
  planType: z.string().nullable(),
  accountId: z.string().nullable(),
  userId: z.string().nullable().optional(),
});
export type AccountInfo = z.infer<typeof AccountInfo>;

export const StorageInfo = z.object({
  /** Which cipher protects the vault: os-keyring, file-key, safe-storage, basic-text. */
  kind: z.string(),
  /** False when the secret sits beside the data it protects (file key) or is not encrypted at all. */
  protected: z.boolean(),
  description: z.string(),
});
export type StorageInfo = z.infer<typeof StorageInfo>;

export const ErrorInfo = z.object({ code: z.string(), message: z.string() });
export type ErrorInfo = z.infer<typeof ErrorInfo>;

export const SignInInfo = z.object({
  url: z.string(),
  redirectUri: z.string(),
  startedAt: z.string(),
  expiresAt: z.string(),
});
export type SignInInfo = z.infer<typeof SignInInfo>;

export const Status = z.object({
  state: SessionStateName,
  account: AccountInfo.optional(),
  /** RFC 3339 expiry of the current access token. */
  expiresAt: z.string().optional(),
  lastRefreshAt: z.string().optional(),
  selectedModel: z.string().optional(),
  storage: StorageInfo,
  signIn: SignInInfo.optional(),
  lastError: ErrorInfo.optional(),
  /** How many signed-in accounts there are besides the active one (`account`). */
  otherAccounts: z.number().int().min(0).optional(),
});
export type Status = z.infer<typeof Status>;

export const Credentials = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresAt: z.string(),
  accountId: z.string().nullable(),
  planType: z.string().nullable(),
});
export type Credentials = z.infer<typeof Credentials>;

const Empty = z.object({}).strict().optional();

/** One model the ChatGPT backend offers this account (`visibility == "list"`), in the contract's shape. */
export const ModelInfo = z.object({
  slug: z.string(),
  displayName: z.string(),
  description: z.string().optional(),
  contextWindow: z.number().int().optional(),
  reasoningLevels: z.array(z.string()).optional(),
  /** Lower first: the list is sorted by it. */
  priority: z.number(),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

/** `models.list` / `models.select`: the account's visible models in priority order and the selected one. */
export const ModelList = z.object({
  models: z.array(ModelInfo),
  /** The slug the user picked for this account, when it is in `models`. */
  selected: z.string().nullable(),
  /** RFC 3339: when the server last confirmed this list; null when it never has. */
  fetchedAt: z.string().nullable(),
  /** `server`: confirmed by the server during this run; `cache`: read from the data folder. */
  source: z.enum(['server', 'cache']),
  /** True when the server was asked and could not answer: the list may be out of date. */
  stale: z.boolean(),
  /** The plan the list belongs to. */
  planType: z.string().nullable().optional(),
  error: ErrorInfo.optional(),
});
export type ModelList = z.infer<typeof ModelList>;

export const UsageWindow = z.object({
  /** 0–100. */
  usedPercent: z.number(),
  /** The window's length: 18000 (5 hours), 604800 (a week). */
  windowSeconds: z.number().optional(),
  /** RFC 3339. */
  resetsAt: z.string().optional(),
});
export type UsageWindow = z.infer<typeof UsageWindow>;

/** A usage window by its length: 18000 s is '5h', 604800 s is 'weekly'. */
export const AccountUsageWindow = z.object({
  name: z.enum(['5h', 'weekly']),
  usedPercent: z.number(),
  resetsAt: z.string().optional(),
});
export type AccountUsageWindow = z.infer<typeof AccountUsageWindow>;

/** One account's usage as the account list shows it; an account that reports one window has one. */
export const AccountUsage = z.object({
  /** The server said `rate_limit.limit_reached`, or a window is at 100 %. */
  limitReached: z.boolean(),
  windows: z.array(AccountUsageWindow),
  /** RFC 3339: when these numbers came from the server; null when they never did. */
  fetchedAt: z.string().nullable(),
});
export type AccountUsage = z.infer<typeof AccountUsage>;

/** One signed-in account (never a token). */
export const AccountSummary = z.object({
  accountId: z.string(),
  email: z.string().nullable(),
  planType: z.string().nullable(),
  active: z.boolean(),
  state: SessionStateName,
  lastUsedAt: z.string().optional(),
  lastError: ErrorInfo.optional(),
  usage: AccountUsage.optional(),
});
export type AccountSummary = z.infer<typeof AccountSummary>;

/** `accounts.list` and the `accounts.changed` event. */
export const AccountList = z.object({
  accounts: z.array(AccountSummary),
  activeAccountId: z.string().nullable(),
  /** Switch to the account with most room when the active one reaches a limit. */
  autoSwitch: z.boolean(),
  /** The user pinned the active account in the UI: no automatic switch. */
  pinned: z.boolean(),
});
export type AccountList = z.infer<typeof AccountList>;

/** Renderer event `usage.notice`: a window crossed 80 % / 95 %, a limited window reset, an automatic switch. */
export const UsageNotice = z.object({
  kind: z.enum(['threshold', 'reset', 'switched', 'allLimited']),
  accountId: z.string(),
  email: z.string().nullable(),
  window: z.enum(['5h', 'weekly']).optional(),
  percent: z.number().optional(),
  resetsAt: z.string().optional(),
  message: z.string(),
});
export type UsageNotice = z.infer<typeof UsageNotice>;

/** An account by its ChatGPT account id or its email. */
const AccountRefParam = z.string().min(1).max(320);

/** `usage.get`: the 5-hour (primary) and weekly (secondary) windows, when the server reports them. */
export const Usage = z.object({
  primary: UsageWindow.optional(),
  secondary: UsageWindow.optional(),
  planType: z.string().nullable().optional(),
  /** RFC 3339: when these numbers came from the server; null when they never did. */
  fetchedAt: z.string().nullable(),
  source: z.enum(['server', 'cache']),
  error: ErrorInfo.optional(),
  /** Which account these numbers are of, and the same windows by name (AccountUsage). */
  accountId: z.string().optional(),
  email: z.string().nullable().optional(),
  limitReached: z.boolean().optional(),
  windows: z.array(AccountUsageWindow).optional(),
});
export type Usage = z.infer<typeof Usage>;

/** A local tool as the user sees it in "Connected tools" (renderer `tools.list`). Names are what tools say. */
export const ToolInfo = z.object({
  name: z.string(),
  /** null: never decided (a request may be pending). */
  decision: z.enum(['allowed', 'denied']).nullable(),
  /** True while a credential request of this tool waits for the user's answer. */
  pending: z.boolean(),
  /** RFC 3339: when the pending request gives up (-32004). */
  pendingUntil: z.string().optional(),
  decidedAt: z.string().optional(),
  /** `user` (Allow/Deny/Revoke) or `policy` (allowed because the policy is `allow`). */
  decidedBy: z.enum(['user', 'policy']).optional(),
  lastUsedAt: z.string().optional(),
  /** The caller's process id, where known. */
  pid: z.number().int().optional(),
  /** True when the OS told the pid (socket peer); false when the tool only said so itself (unverified). */
  pidVerified: z.boolean().optional(),
  executable: z.string().optional(),
  /** Broker connections of this tool open now. */
  connections: z.number().int(),
});
export type ToolInfo = z.infer<typeof ToolInfo>;

/** Sharing with Codex CLI (docs/design.md "Codex sharing"). */
export const CodexStatus = z.object({
  enabled: z.boolean(),
  /** `$CODEX_HOME/auth.json`. */
  path: z.string(),
  /** What is at `path` now: Keybridge's file, nothing, or a login Codex CLI made itself. */
  file: z.enum(['ours', 'missing', 'foreign']),
  /** RFC 3339: when Keybridge last wrote the file. */
  lastWrittenAt: z.string().optional(),
  /** Codex CLI's own earlier login, kept while sharing is on and restored when it is turned off. */
  backupPath: z.string().optional(),
  problem: ErrorInfo.optional(),
});
export type CodexStatus = z.infer<typeof CodexStatus>;

/**
 * Broker notification `credentials.changed` (topic `credentials`). `accessToken` only goes to tools that
 * are allowed; `tokenSha256` (hex SHA-256 of the access token) lets every tool tell which token is current.
 * After sign-out (or an expired session) `tokenSha256` and `expiresAt` are null.
 */
export const CredentialsChanged = z.object({
  /** `switched`: the active account changed; the token is the new active account's. */
  reason: z.enum([
    'signedIn',
    'refreshed',
    'signedOut',
    'expired',
    'approved',
    'denied',
    'revoked',
    'switched',
  ]),
  expiresAt: z.string().nullable(),
  tokenSha256: z.string().nullable(),
  accessToken: z.string().optional(),
  accountId: z.string().nullable().optional(),
  /** This connection's tool: `allowed` (gets tokens), `denied`, or `undecided` (asks on its first request). */
  access: z.enum(['allowed', 'denied', 'undecided']),
});
export type CredentialsChanged = z.infer<typeof CredentialsChanged>;

/** Broker notification `approval.pending`: this tool's request waits for the user's answer until `until`. */
export const ApprovalPending = z.object({ name: z.string(), until: z.string() });
export type ApprovalPending = z.infer<typeof ApprovalPending>;

export const methods = {
  hello: {
    params: z.object({
      protocol: z.number().int(),
      client: z.object({
        name: z.string().min(1).max(128),
        version: z.string().max(64).optional(),
        /** The tool's own process id: shown to the user as unverified where the OS does not tell. */
        pid: z.number().int().positive().optional(),
      }),
    }),
    result: z.object({
      protocol: z.number().int(),
      server: z.object({ name: z.string(), version: z.string() }),
    }),
  },
  'status.get': { params: Empty, result: Status },
  'credentials.get': {
    params: z
      .object({
        minTtlSeconds: z.number().int().min(0).max(86_400).optional(),
        account: AccountRefParam.optional(),
      })
      .strict()
      .optional(),
    result: Credentials,
  },
  /**
   * A tool got a 401 with the token whose hex SHA-256 is `tokenSha256`: refresh only if that token is still
   * the current one (single-flight, so many tools reporting the same token cause one refresh), then return
   * the current credentials.
   */
  'credentials.invalidate': {
    params: z
      .object({ tokenSha256: z.string().regex(/^[0-9a-fA-F]{64}$/), account: AccountRefParam.optional() })
      .strict(),
    result: Credentials,
  },
  /** The tools that asked for credentials, with their decision, last use and any pending request. */
  'tools.list': { params: Empty, result: z.array(ToolInfo) },
  /** The user's answer for a tool (remembered); answers a pending request at once. Renderer only. */
  'tools.decide': {
    params: z.object({ name: z.string().min(1).max(128), allow: z.boolean() }).strict(),
    result: z.array(ToolInfo),
  },
  /** Takes a tool's access away at once (its subscriptions stop getting tokens). Renderer only. */
  'tools.revoke': {
    params: z.object({ name: z.string().min(1).max(128) }).strict(),
    result: z.array(ToolInfo),
  },
  'codex.status': { params: Empty, result: CodexStatus },
  /**
   * Turns sharing with Codex CLI on. A login Codex made itself is never overwritten unless
   * `replaceExisting` (then it is backed up and restored on disable).
   */
  'codex.enable': {
    params: z.object({ replaceExisting: z.boolean().optional() }).strict().optional(),
    result: CodexStatus,
  },
  /** Turns sharing off: removes Keybridge's auth.json and restores Codex CLI's own login if one was kept. */
  'codex.disable': { params: Empty, result: CodexStatus },
  'auth.login': {
    params: z.object({ noBrowser: z.boolean().optional() }).strict().optional(),
    result: z.object({ url: z.string(), redirectUri: z.string() }),
  },
  /** Waits until the pending sign-in ends; resolves with the final status (signedIn) or an error. */
  'auth.wait': { params: Empty, result: Status },
  'auth.cancel': { params: Empty, result: z.object({ cancelled: z.boolean() }) },
  /** A redirect URL delivered by the OS (scheme), by `keybridge open-url` or pasted by the user. */
  'auth.openUrl': { params: z.object({ url: z.string().max(8192) }).strict(), result: Status },
  /** Signs out the active account, `account`, or `all`; `signedOut` lists the account ids signed out. */
  'auth.logout': {
    params: z
      .object({ account: AccountRefParam.optional(), all: z.boolean().optional() })
      .strict()
      .optional(),
    result: z.object({ revoked: z.boolean(), signedOut: z.array(z.string()) }),
  },
  'accounts.list': { params: Empty, result: AccountList },
  /** Makes an account active (unknown: -32602 listing the known ones in `data.known`); `pin` pins it. */
  'accounts.switch': {
    params: z.object({ account: AccountRefParam, pin: z.boolean().optional() }).strict(),
    result: AccountList,
  },
  /** Renderer only. */
  'accounts.setAutoSwitch': { params: z.object({ enabled: z.boolean() }).strict(), result: AccountList },
  /** Renderer only. */
  'accounts.setPinned': { params: z.object({ pinned: z.boolean() }).strict(), result: AccountList },
  /**
   * The account's models (cached per account; asked of the server at sign-in, on a plan change, and when
   * the cached list is older than an hour). `refresh` asks the server now.
   */
  'models.list': {
    params: z
      .object({ refresh: z.boolean().optional(), account: AccountRefParam.optional() })
      .strict()
      .optional(),
    result: ModelList,
  },
  /** Selects (and persists) the default model for this account; the slug must be in `models.list`. */
  'models.select': { params: z.object({ slug: z.string().min(1).max(200) }).strict(), result: ModelList },
  /**
   * The usage windows; asked of the server at most once a minute whoever asks. `refresh` (a person pressing
   * "Try again") asks now.
   */
  'usage.get': {
    params: z
      .object({ refresh: z.boolean().optional(), account: AccountRefParam.optional() })
      .strict()
      .optional(),
    result: Usage,
  },
  /**
   * Broker only, answered by the transport itself (per-connection state): which notifications this
   * connection wants. The result lists the topics that will actually be delivered.
   */
  subscribe: {
    params: z.object({ topics: z.array(z.enum(['status', 'credentials'])).max(8) }).strict(),
    result: z.object({ topics: z.array(z.enum(['status', 'credentials'])) }),
  },
} as const;

export type Methods = typeof methods;
/** Methods a transport answers itself from its own per-connection state; a Service does not implement them. */
export const transportMethods = ['subscribe'] as const;
export type TransportMethodName = (typeof transportMethods)[number];
export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = z.infer<Methods[M]['result']>;

export const events = {
  'status.changed': Status,
  'tools.changed': z.object({ tools: z.array(ToolInfo) }),
  'codex.changed': CodexStatus,
  'accounts.changed': AccountList,
  'usage.notice': UsageNotice,
} as const;
export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.infer<(typeof events)[E]>;

/** JSON-RPC error codes of docs/client.md "Broker protocol". */
export const RpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  NotSignedIn: -32001,
  HelloRequired: -32002,
  AccessDenied: -32003,
  ApprovalTimeout: -32004,
  RefreshFailed: -32005,
  SignInFailed: -32006,
} as const;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

/** What each transport may call. The renderer (IPC, WebSocket) never receives tokens. */
export const grants = {
  // Approving a tool is the user's decision: no tool may answer its own approval.
  broker: (Object.keys(methods) as MethodName[]).filter(
    (m) =>
      m !== 'tools.decide' &&
      m !== 'tools.revoke' &&
      m !== 'accounts.setAutoSwitch' &&
      m !== 'accounts.setPinned',
  ),
  renderer: rendererMethods as readonly MethodName[],
} as const;
