/**
 * The contract's vocabulary, free of zod and of any import: method names, what each transport may call,
 * JSON-RPC error codes, broker topics and notifications, IPC channels, and the plain TypeScript shapes of
 * params, results and events. Light modules (the CLI, its token fast path, `keybridge/client`, the sandboxed
 * preload, the renderer) import this; the schemas that check untrusted input at runtime live in contract.ts
 * and fail the type check if they drift from these types (docs/design.md "The contract").
 */

export const PROTOCOL_VERSION = 1;

/** JSON-RPC 2.0 error codes (spec §5.1 for the standard ones; the server range for ours, docs/client.md "Broker protocol"). */
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
export type RpcErrorCodeValue = (typeof RpcErrorCode)[keyof typeof RpcErrorCode];

export type SessionStateName = 'signedOut' | 'signingIn' | 'signedIn' | 'refreshing' | 'expired' | 'error';

export interface AccountInfo {
  email: string | null;
  planType: string | null;
  accountId: string | null;
  userId?: string | null | undefined;
}

export interface StorageInfo {
  /** Which cipher protects the vault: os-keyring, file-key, safe-storage, basic-text. */
  kind: string;
  /** False when the secret sits beside the data it protects (file key) or is not encrypted at all. */
  protected: boolean;
  description: string;
}

export interface ErrorInfo {
  code: string;
  message: string;
}

export interface SignInInfo {
  url: string;
  redirectUri: string;
  startedAt: string;
  expiresAt: string;
}

export interface Status {
  state: SessionStateName;
  account?: AccountInfo | undefined;
  /** RFC 3339 expiry of the current access token. */
  expiresAt?: string | undefined;
  lastRefreshAt?: string | undefined;
  selectedModel?: string | undefined;
  storage: StorageInfo;
  signIn?: SignInInfo | undefined;
  lastError?: ErrorInfo | undefined;
  /** How many signed-in accounts there are besides the active one (`account`), docs/accounts.md. */
  otherAccounts?: number | undefined;
}

export interface Credentials {
  accessToken: string;
  tokenType: 'Bearer';
  /** RFC 3339. */
  expiresAt: string;
  /** The ChatGPT account id (sent as `ChatGPT-Account-Id`). */
  accountId: string | null;
  planType: string | null;
}

/** One model the ChatGPT backend offers this account (`visibility == "list"`), in the contract's shape. */
export interface ModelInfo {
  slug: string;
  displayName: string;
  description?: string | undefined;
  contextWindow?: number | undefined;
  reasoningLevels?: string[] | undefined;
  /** Lower first: the list is sorted by it. */
  priority: number;
}

/** `models.list` / `models.select`: the account's visible models in priority order and the selected one. */
export interface ModelList {
  models: ModelInfo[];
  /** The slug the user picked for this account, when it is in `models`. */
  selected: string | null;
  /** RFC 3339: when the server last confirmed this list; null when it never has. */
  fetchedAt: string | null;
  /** `server`: confirmed by the server during this run; `cache`: read from the data folder. */
  source: 'server' | 'cache';
  /** True when the server was asked and could not answer: the list may be out of date. */
  stale: boolean;
  /** The plan the list belongs to. */
  planType?: string | null | undefined;
  error?: ErrorInfo | undefined;
}

export interface UsageWindow {
  /** 0–100. */
  usedPercent: number;
  /** The window's length: 18000 (5 hours), 604800 (a week). */
  windowSeconds?: number | undefined;
  /** RFC 3339. */
  resetsAt?: string | undefined;
}

/** `usage.get`: the 5-hour (primary) and weekly (secondary) windows, when the server reports them. */
/** A usage window by its length: 18000 s is '5h', 604800 s is 'weekly'. */
export interface AccountUsageWindow {
  name: '5h' | 'weekly';
  usedPercent: number;
  resetsAt?: string | undefined;
}

/** One account's usage as the account list shows it; an account that reports one window has one. */
export interface AccountUsage {
  /** The server said `rate_limit.limit_reached`, or a window is at 100 %. */
  limitReached: boolean;
  windows: AccountUsageWindow[];
  /** RFC 3339: when these numbers came from the server; null when they never did. */
  fetchedAt: string | null;
}

/** One signed-in account (never a token). */
export interface AccountSummary {
  accountId: string;
  email: string | null;
  planType: string | null;
  active: boolean;
  state: SessionStateName;
  lastUsedAt?: string | undefined;
  lastError?: ErrorInfo | undefined;
  usage?: AccountUsage | undefined;
}

/** `accounts.list` and the `accounts.changed` event (docs/accounts.md). */
export interface AccountList {
  accounts: AccountSummary[];
  activeAccountId: string | null;
  /** Switch to the account with most room when the active one reaches a limit. */
  autoSwitch: boolean;
  /** The user pinned the active account: no automatic switch. */
  pinned: boolean;
}

/** Renderer event `usage.notice`: a window crossed 80 % / 95 %, a limited window reset, an automatic switch. */
export interface UsageNotice {
  kind: 'threshold' | 'reset' | 'switched' | 'allLimited';
  accountId: string;
  email: string | null;
  window?: '5h' | 'weekly' | undefined;
  percent?: number | undefined;
  resetsAt?: string | undefined;
  message: string;
}

export interface Usage {
  primary?: UsageWindow | undefined;
  secondary?: UsageWindow | undefined;
  planType?: string | null | undefined;
  /** Which account these numbers are of, and the same windows by name (AccountUsage). */
  accountId?: string | undefined;
  email?: string | null | undefined;
  limitReached?: boolean | undefined;
  windows?: AccountUsageWindow[] | undefined;
  /** RFC 3339: when these numbers came from the server; null when they never did. */
  fetchedAt: string | null;
  source: 'server' | 'cache';
  error?: ErrorInfo | undefined;
}

/** A local tool as the user sees it in "Connected tools" (renderer `tools.list`). Names are what tools say. */
export interface ToolInfo {
  name: string;
  /** null: never decided (a request may be pending). */
  decision: 'allowed' | 'denied' | null;
  /** True while a credential request of this tool waits for the user's answer. */
  pending: boolean;
  /** RFC 3339: when the pending request gives up (-32004). */
  pendingUntil?: string | undefined;
  decidedAt?: string | undefined;
  /** `user` (Allow/Deny/Revoke) or `policy` (allowed because the policy is `allow`). */
  decidedBy?: 'user' | 'policy' | undefined;
  lastUsedAt?: string | undefined;
  /** The caller's process id, where known. */
  pid?: number | undefined;
  /** True when the OS told the pid (socket peer); false when the tool only said so itself (unverified). */
  pidVerified?: boolean | undefined;
  executable?: string | undefined;
  /** Broker connections of this tool open now. */
  connections: number;
}

/** Sharing with Codex CLI (docs/design.md "Codex sharing"). */
export interface CodexStatus {
  enabled: boolean;
  /** `$CODEX_HOME/auth.json`. */
  path: string;
  /** What is at `path` now: Keybridge's file, nothing, or a login Codex CLI made itself. */
  file: 'ours' | 'missing' | 'foreign';
  /** RFC 3339: when Keybridge last wrote the file. */
  lastWrittenAt?: string | undefined;
  /** Codex CLI's own earlier login, kept while sharing is on and restored when it is turned off. */
  backupPath?: string | undefined;
  problem?: ErrorInfo | undefined;
}

/**
 * Broker notification `credentials.changed` (topic `credentials`). `accessToken` only goes to tools that
 * are allowed; `tokenSha256` (hex SHA-256 of the access token) lets every tool tell which token is current.
 * After sign-out (or an expired session) `tokenSha256` and `expiresAt` are null.
 */
export interface CredentialsChanged {
  /** `switched`: the active account changed; the token is the new active account's. */
  reason: 'signedIn' | 'refreshed' | 'signedOut' | 'expired' | 'approved' | 'denied' | 'revoked' | 'switched';
  expiresAt: string | null;
  tokenSha256: string | null;
  accessToken?: string | undefined;
  accountId?: string | null | undefined;
  /** This connection's tool: `allowed` (gets tokens), `denied`, or `undecided` (asks on its first request). */
  access: 'allowed' | 'denied' | 'undecided';
}

/** Broker notification `approval.pending`: this tool's request waits for the user's answer until `until`. */
export interface ApprovalPending {
  name: string;
  until: string;
}

/** Broker subscription topics (`subscribe`). */
export const topics = ['status', 'credentials'] as const;
export type Topic = (typeof topics)[number];

/** Notifications the broker sends: `status.changed` (topic status), `credentials.changed` (topic credentials). */
export const brokerNotifications = ['status.changed', 'credentials.changed', 'approval.pending'] as const;

/** Params absent or `{}`: methods that take nothing. */
type NoParams = Record<string, never> | undefined;

export interface HelloParams {
  protocol: number;
  client: {
    name: string;
    version?: string | undefined;
    /** The tool's own process id: shown to the user as unverified where the OS does not tell. */
    pid?: number | undefined;
  };
}
export interface HelloResult {
  protocol: number;
  server: { name: string; version: string };
}

/**
 * Every method's params and result. What each method does is documented in docs/client.md (broker) and
 * docs/design.md (renderer); contract.ts holds the schemas that enforce these shapes.
 */
export interface MethodTypes {
  hello: { params: HelloParams; result: HelloResult };
  'status.get': { params: NoParams; result: Status };
  'credentials.get': {
    params: { minTtlSeconds?: number | undefined; account?: string | undefined } | undefined;
    result: Credentials;
  };
  /** Refresh only if the token whose hex SHA-256 is given is still current (single-flight). */
  'credentials.invalidate': {
    params: { tokenSha256: string; account?: string | undefined };
    result: Credentials;
  };
  'tools.list': { params: NoParams; result: ToolInfo[] };
  /** The user's answer for a tool (remembered). Renderer only. */
  'tools.decide': { params: { name: string; allow: boolean }; result: ToolInfo[] };
  /** Takes a tool's access away at once. Renderer only. */
  'tools.revoke': { params: { name: string }; result: ToolInfo[] };
  'codex.status': { params: NoParams; result: CodexStatus };
  'codex.enable': { params: { replaceExisting?: boolean | undefined } | undefined; result: CodexStatus };
  'codex.disable': { params: NoParams; result: CodexStatus };
  'auth.login': {
    params: { noBrowser?: boolean | undefined } | undefined;
    result: { url: string; redirectUri: string };
  };
  'auth.wait': { params: NoParams; result: Status };
  'auth.cancel': { params: NoParams; result: { cancelled: boolean } };
  'auth.openUrl': { params: { url: string }; result: Status };
  /** The active account, `account`, or `all`; `signedOut` lists the account ids signed out. */
  'auth.logout': {
    params: { account?: string | undefined; all?: boolean | undefined } | undefined;
    result: { revoked: boolean; signedOut: string[] };
  };
  'accounts.list': { params: NoParams; result: AccountList };
  /** Unknown account: -32602 listing the known ones in `data.known`. */
  'accounts.switch': { params: { account: string; pin?: boolean | undefined }; result: AccountList };
  /** Renderer only. */
  'accounts.setAutoSwitch': { params: { enabled: boolean }; result: AccountList };
  /** Renderer only. */
  'accounts.setPinned': { params: { pinned: boolean }; result: AccountList };
  'models.list': {
    params: { refresh?: boolean | undefined; account?: string | undefined } | undefined;
    result: ModelList;
  };
  'models.select': { params: { slug: string }; result: ModelList };
  'usage.get': {
    params: { refresh?: boolean | undefined; account?: string | undefined } | undefined;
    result: Usage;
  };
  /** Broker only, answered by the transport itself (per-connection state). */
  subscribe: { params: { topics: Topic[] }; result: { topics: Topic[] } };
}

export type MethodName = keyof MethodTypes;
export type ParamsOf<M extends MethodName> = MethodTypes[M]['params'];
export type ResultOf<M extends MethodName> = MethodTypes[M]['result'];

/** Every method, in one runtime list (contract.ts's schema table must name exactly these). */
export const methodNames = [
  'hello',
  'status.get',
  'credentials.get',
  'credentials.invalidate',
  'tools.list',
  'tools.decide',
  'tools.revoke',
  'codex.status',
  'codex.enable',
  'codex.disable',
  'auth.login',
  'auth.wait',
  'auth.cancel',
  'auth.openUrl',
  'auth.logout',
  'models.list',
  'models.select',
  'usage.get',
  'accounts.list',
  'accounts.switch',
  'accounts.setAutoSwitch',
  'accounts.setPinned',
  'subscribe',
] as const satisfies readonly MethodName[];
// Fails to compile when a method of MethodTypes is missing from the list.
const _allMethodsListed: Exclude<MethodName, (typeof methodNames)[number]> extends never ? true : never =
  true;
void _allMethodsListed;

/** Methods a transport answers itself from its own per-connection state; a Service does not implement them. */
export const transportMethods = ['subscribe'] as const;
export type TransportMethodName = (typeof transportMethods)[number];

/** The renderer's methods (IPC and WebSocket): account facts and actions, never a token. */
export const rendererMethods = [
  'status.get',
  'auth.login',
  'auth.cancel',
  'auth.openUrl',
  'auth.logout',
  'models.list',
  'models.select',
  'usage.get',
  'tools.list',
  'tools.decide',
  'tools.revoke',
  'codex.status',
  'codex.enable',
  'codex.disable',
  'accounts.list',
  'accounts.switch',
  'accounts.setAutoSwitch',
  'accounts.setPinned',
] as const satisfies readonly MethodName[];
export type RendererMethod = (typeof rendererMethods)[number];

/** What each transport may call. The renderer (IPC, WebSocket) never receives tokens. */
export const grants: { readonly broker: readonly MethodName[]; readonly renderer: readonly MethodName[] } = {
  // Approving a tool is the user's decision: no tool may answer its own approval.
  // Auto-switch and pinning are the user's settings too.
  broker: /* @__PURE__ */ methodNames.filter(
    (m) =>
      m !== 'tools.decide' &&
      m !== 'tools.revoke' &&
      m !== 'accounts.setAutoSwitch' &&
      m !== 'accounts.setPinned',
  ),
  renderer: rendererMethods,
};

/** Renderer events (IPC event channel, WebSocket notifications). */
export interface EventTypes {
  'status.changed': Status;
  'tools.changed': { tools: ToolInfo[] };
  'codex.changed': CodexStatus;
  'accounts.changed': AccountList;
  'usage.notice': UsageNotice;
}
export type EventName = keyof EventTypes;
export type EventPayload<E extends EventName> = EventTypes[E];
export const eventNames = [
  'status.changed',
  'tools.changed',
  'codex.changed',
  'accounts.changed',
  'usage.notice',
] as const satisfies readonly EventName[];

/** IPC channel names (renderer ↔ main), declared once. */
export const ipcChannels = {
  invoke: 'keybridge:invoke',
  status: 'keybridge:status',
  openExternal: 'keybridge:open-external',
  /** `{name, payload}` of the renderer events beyond status (`tools.changed`, `codex.changed`). */
  event: 'keybridge:event',
} as const;

const methodSet: ReadonlySet<string> = /* @__PURE__ */ new Set(methodNames);
const rendererSet: ReadonlySet<string> = /* @__PURE__ */ new Set(rendererMethods);

export function isMethodName(name: string): name is MethodName {
  return methodSet.has(name);
}

export function isRendererMethod(m: string): m is RendererMethod {
  return rendererSet.has(m);
}
