/**
 * The contract's schemas: what every transport (broker socket, Electron IPC, browser WebSocket) checks
 * untrusted params, results and events against. The names, codes, grants and plain types are in protocol.ts
 * (zod-free, for the light bundles); each schema below fails the type check when it drifts from its type there.
 */
import { z } from 'zod';
import type * as P from './protocol';
import { methodNames, topics, type EventName, type MethodName, type MethodTypes } from './protocol';

export {
  PROTOCOL_VERSION,
  RpcErrorCode,
  grants,
  isMethodName,
  transportMethods,
  type EventName,
  type EventPayload,
  type MethodName,
  type ParamsOf,
  type ResultOf,
  type TransportMethodName,
} from './protocol';

/** True only when A and B are the same type (optional fields included), so a schema cannot drift from protocol.ts. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

export const SessionStateName = z.enum([
  'signedOut',
  'signingIn',
  'signedIn',
  'refreshing',
  'expired',
  'error',
]) satisfies z.ZodType<P.SessionStateName>;
export type SessionStateName = P.SessionStateName;

export const AccountInfo = z.object({
  email: z.string().nullable(),
  planType: z.string().nullable(),
  accountId: z.string().nullable(),
  userId: z.string().nullable().optional(),
}) satisfies z.ZodType<P.AccountInfo>;
export type AccountInfo = P.AccountInfo;

export const StorageInfo = z.object({
  kind: z.string(),
  protected: z.boolean(),
  description: z.string(),
}) satisfies z.ZodType<P.StorageInfo>;
export type StorageInfo = P.StorageInfo;

export const ErrorInfo = z.object({ code: z.string(), message: z.string() }) satisfies z.ZodType<P.ErrorInfo>;
export type ErrorInfo = P.ErrorInfo;

/** How a sign-in runs: `browser` (redirect back to Keybridge) or `device` (a code typed on the issuer's page). */
export const SignInMethod = z.enum(['browser', 'device']) satisfies z.ZodType<P.SignInMethod>;
export type SignInMethod = P.SignInMethod;

export const SignInInfo = z.object({
  /** The page to open: the authorization URL, or for `device` the page where the code is typed. */
  url: z.string(),
  redirectUri: z.string(),
  startedAt: z.string(),
  expiresAt: z.string(),
  /** Absent: `browser`. */
  method: SignInMethod.optional(),
  /** `device` only: the page and the code to type there (no secret: it is good for this attempt alone). */
  verificationUrl: z.string().optional(),
  userCode: z.string().optional(),
}) satisfies z.ZodType<P.SignInInfo>;
export type SignInInfo = P.SignInInfo;

export const Status = z.object({
  state: SessionStateName,
  account: AccountInfo.optional(),
  expiresAt: z.string().optional(),
  lastRefreshAt: z.string().optional(),
  selectedModel: z.string().optional(),
  storage: StorageInfo,
  signIn: SignInInfo.optional(),
  lastError: ErrorInfo.optional(),
  otherAccounts: z.number().int().min(0).optional(),
}) satisfies z.ZodType<P.Status>;
export type Status = P.Status;

export const Credentials = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresAt: z.string(),
  accountId: z.string().nullable(),
  planType: z.string().nullable(),
  /** Only when asked for (`idToken: true`): what Codex CLI's auth.json needs beside the access token. */
  idToken: z.string().optional(),
}) satisfies z.ZodType<P.Credentials>;
export type Credentials = P.Credentials;

export const ModelInfo = z.object({
  slug: z.string(),
  displayName: z.string(),
  description: z.string().optional(),
  contextWindow: z.number().int().optional(),
  reasoningLevels: z.array(z.string()).optional(),
  priority: z.number(),
}) satisfies z.ZodType<P.ModelInfo>;
export type ModelInfo = P.ModelInfo;

export const ModelList = z.object({
  models: z.array(ModelInfo),
  selected: z.string().nullable(),
  fetchedAt: z.string().nullable(),
  source: z.enum(['server', 'cache']),
  stale: z.boolean(),
  planType: z.string().nullable().optional(),
  error: ErrorInfo.optional(),
}) satisfies z.ZodType<P.ModelList>;
export type ModelList = P.ModelList;

export const UsageWindow = z.object({
  usedPercent: z.number(),
  windowSeconds: z.number().optional(),
  resetsAt: z.string().optional(),
}) satisfies z.ZodType<P.UsageWindow>;
export type UsageWindow = P.UsageWindow;

export const AccountUsageWindow = z.object({
  name: z.enum(['5h', 'weekly']),
  usedPercent: z.number(),
  resetsAt: z.string().optional(),
}) satisfies z.ZodType<P.AccountUsageWindow>;
export type AccountUsageWindow = P.AccountUsageWindow;

export const AccountUsage = z.object({
  limitReached: z.boolean(),
  windows: z.array(AccountUsageWindow),
  fetchedAt: z.string().nullable(),
}) satisfies z.ZodType<P.AccountUsage>;
export type AccountUsage = P.AccountUsage;

export const AccountSummary = z.object({
  accountId: z.string(),
  email: z.string().nullable(),
  planType: z.string().nullable(),
  active: z.boolean(),
  state: SessionStateName,
  lastUsedAt: z.string().optional(),
  lastError: ErrorInfo.optional(),
  usage: AccountUsage.optional(),
}) satisfies z.ZodType<P.AccountSummary>;
export type AccountSummary = P.AccountSummary;

export const AccountList = z.object({
  accounts: z.array(AccountSummary),
  activeAccountId: z.string().nullable(),
  autoSwitch: z.boolean(),
  pinned: z.boolean(),
}) satisfies z.ZodType<P.AccountList>;
export type AccountList = P.AccountList;

export const UsageNotice = z.object({
  kind: z.enum(['threshold', 'reset', 'switched', 'allLimited']),
  accountId: z.string(),
  email: z.string().nullable(),
  window: z.enum(['5h', 'weekly']).optional(),
  percent: z.number().optional(),
  resetsAt: z.string().optional(),
  message: z.string(),
}) satisfies z.ZodType<P.UsageNotice>;
export type UsageNotice = P.UsageNotice;

/** An account by its ChatGPT account id or its email. */
const AccountRefParam = z.string().min(1).max(320);

export const Usage = z.object({
  primary: UsageWindow.optional(),
  secondary: UsageWindow.optional(),
  planType: z.string().nullable().optional(),
  accountId: z.string().optional(),
  email: z.string().nullable().optional(),
  limitReached: z.boolean().optional(),
  windows: z.array(AccountUsageWindow).optional(),
  fetchedAt: z.string().nullable(),
  source: z.enum(['server', 'cache']),
  error: ErrorInfo.optional(),
}) satisfies z.ZodType<P.Usage>;
export type Usage = P.Usage;

export const ToolInfo = z.object({
  name: z.string(),
  decision: z.enum(['allowed', 'denied']).nullable(),
  pending: z.boolean(),
  pendingUntil: z.string().optional(),
  decidedAt: z.string().optional(),
  decidedBy: z.enum(['user', 'policy']).optional(),
  lastUsedAt: z.string().optional(),
  pid: z.number().int().optional(),
  pidVerified: z.boolean().optional(),
  executable: z.string().optional(),
  connections: z.number().int(),
  /** `ssh`: a tool on another machine, reaching the broker through an SSH forward (docs/remote.md). */
  via: z.enum(['ssh']).optional(),
}) satisfies z.ZodType<P.ToolInfo>;
export type ToolInfo = P.ToolInfo;

export const CodexStatus = z.object({
  enabled: z.boolean(),
  path: z.string(),
  file: z.enum(['ours', 'missing', 'foreign']),
  lastWrittenAt: z.string().optional(),
  backupPath: z.string().optional(),
  problem: ErrorInfo.optional(),
}) satisfies z.ZodType<P.CodexStatus>;
export type CodexStatus = P.CodexStatus;

export const CredentialsChanged = z.object({
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
  access: z.enum(['allowed', 'denied', 'undecided']),
}) satisfies z.ZodType<P.CredentialsChanged>;
export type CredentialsChanged = P.CredentialsChanged;

export const ApprovalPending = z.object({
  name: z.string(),
  until: z.string(),
}) satisfies z.ZodType<P.ApprovalPending>;
export type ApprovalPending = P.ApprovalPending;

const Empty = z.object({}).strict().optional();
export const methods = {
  hello: {
    params: z.object({
      protocol: z.number().int(),
      client: z.object({
        name: z.string().min(1).max(128),
        version: z.string().max(64).optional(),
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
        /** Also the id_token (`keybridge codex sync` writes it to Codex CLI's auth.json). Never the refresh token. */
        idToken: z.boolean().optional(),
      })
      .strict()
      .optional(),
    result: Credentials,
  },
  'credentials.invalidate': {
    params: z
      .object({ tokenSha256: z.string().regex(/^[0-9a-fA-F]{64}$/), account: AccountRefParam.optional() })
      .strict(),
    result: Credentials,
  },
  'tools.list': { params: Empty, result: z.array(ToolInfo) },
  'tools.decide': {
    // 128 for the name a tool gives itself, plus the " (through SSH)" Keybridge adds for a remote one.
    params: z.object({ name: z.string().min(1).max(160), allow: z.boolean() }).strict(),
    result: z.array(ToolInfo),
  },
  'tools.revoke': {
    params: z.object({ name: z.string().min(1).max(160) }).strict(),
    result: z.array(ToolInfo),
  },
  'codex.status': { params: Empty, result: CodexStatus },
  'codex.enable': {
    params: z.object({ replaceExisting: z.boolean().optional() }).strict().optional(),
    result: CodexStatus,
  },
  'codex.disable': { params: Empty, result: CodexStatus },
  /**
   * Starts a sign-in. `browser` (the default) answers the authorization URL; `device` answers the page and
   * the code the user types there (docs/remote.md "Sign in with a code"). A pending sign-in of the same method
   * is answered again; one of the other method is replaced.
   */
  'auth.login': {
    params: z
      .object({ noBrowser: z.boolean().optional(), method: SignInMethod.optional() })
      .strict()
      .optional(),
    result: z.union([
      z.object({ url: z.string(), redirectUri: z.string() }),
      z.object({ verificationUrl: z.string(), userCode: z.string(), expiresAt: z.string() }),
    ]),
  },
  'auth.wait': { params: Empty, result: Status },
  'auth.cancel': { params: Empty, result: z.object({ cancelled: z.boolean() }) },
  'auth.openUrl': { params: z.object({ url: z.string().max(8192) }).strict(), result: Status },
  'auth.logout': {
    params: z
      .object({ account: AccountRefParam.optional(), all: z.boolean().optional() })
      .strict()
      .optional(),
    result: z.object({ revoked: z.boolean(), signedOut: z.array(z.string()) }),
  },
  'accounts.list': { params: Empty, result: AccountList },
  'accounts.switch': {
    params: z.object({ account: AccountRefParam, pin: z.boolean().optional() }).strict(),
    result: AccountList,
  },
  'accounts.setAutoSwitch': { params: z.object({ enabled: z.boolean() }).strict(), result: AccountList },
  'accounts.setPinned': { params: z.object({ pinned: z.boolean() }).strict(), result: AccountList },
  'models.list': {
    params: z
      .object({ refresh: z.boolean().optional(), account: AccountRefParam.optional() })
      .strict()
      .optional(),
    result: ModelList,
  },
  'models.select': { params: z.object({ slug: z.string().min(1).max(200) }).strict(), result: ModelList },
  'usage.get': {
    params: z
      .object({ refresh: z.boolean().optional(), account: AccountRefParam.optional() })
      .strict()
      .optional(),
    result: Usage,
  },
  subscribe: {
    params: z.object({ topics: z.array(z.enum(topics)).max(8) }).strict(),
    result: z.object({ topics: z.array(z.enum(topics)) }),
  },
} as const satisfies MethodSchemas;

type MethodSchemas = {
  [M in MethodName]: {
    params: z.ZodType<MethodTypes[M]['params'], unknown>;
    result: z.ZodType<MethodTypes[M]['result'], unknown>;
  };
};
/** Each method's params must parse to exactly what protocol.ts says, and so must its result. */
type Drift = {
  [M in MethodName]: [
    Same<z.output<(typeof methods)[M]['params']>, MethodTypes[M]['params']>,
    Same<z.output<(typeof methods)[M]['result']>, MethodTypes[M]['result']>,
  ];
}[MethodName];
const _noDrift: Drift extends [true, true] ? true : never = true;
void _noDrift;

export type Methods = typeof methods;

/** Why input failed its schema, in zod's own words (z.prettifyError), on one line for logs and terminals. */
export function describeIssues(error: z.ZodError): string {
  return z.prettifyError(error).replace(/\s*\n\s*/g, ' ');
}

export const events = {
  'status.changed': Status,
  'tools.changed': z.object({ tools: z.array(ToolInfo) }),
  'codex.changed': CodexStatus,
  'accounts.changed': AccountList,
  'usage.notice': UsageNotice,
} as const satisfies { [E in EventName]: z.ZodType<P.EventPayload<E>, unknown> };

// The schema table names exactly the methods of protocol.ts, no more.
const _sameMethods: Same<keyof typeof methods, (typeof methodNames)[number]> = true;
void _sameMethods;

// `satisfies` checks one way only; these fail the type check on any difference (a field added, dropped,
// made optional or nullable) between a schema and its type in protocol.ts.
type SchemasMatch = [
  Same<z.output<typeof SessionStateName>, P.SessionStateName>,
  Same<z.output<typeof AccountInfo>, P.AccountInfo>,
  Same<z.output<typeof StorageInfo>, P.StorageInfo>,
  Same<z.output<typeof ErrorInfo>, P.ErrorInfo>,
  Same<z.output<typeof SignInInfo>, P.SignInInfo>,
  Same<z.output<typeof Status>, P.Status>,
  Same<z.output<typeof Credentials>, P.Credentials>,
  Same<z.output<typeof ModelInfo>, P.ModelInfo>,
  Same<z.output<typeof ModelList>, P.ModelList>,
  Same<z.output<typeof UsageWindow>, P.UsageWindow>,
  Same<z.output<typeof Usage>, P.Usage>,
  Same<z.output<typeof ToolInfo>, P.ToolInfo>,
  Same<z.output<typeof CodexStatus>, P.CodexStatus>,
  Same<z.output<typeof CredentialsChanged>, P.CredentialsChanged>,
  Same<z.output<typeof ApprovalPending>, P.ApprovalPending>,
  Same<z.output<typeof AccountUsage>, P.AccountUsage>,
  Same<z.output<typeof AccountList>, P.AccountList>,
  Same<z.output<typeof UsageNotice>, P.UsageNotice>,
];
const _schemasMatch: SchemasMatch extends true[] ? true : never = true;
void _schemasMatch;
