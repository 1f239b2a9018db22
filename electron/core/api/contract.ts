/**
 * The one contract between the host and everything that talks to it (broker socket, Electron IPC,
 * browser WebSocket). Each method has a params schema and a result schema; each transport decides which
 * methods it grants (the renderer never gets `credentials.*`).
 */
import { z } from 'zod';

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

export const methods = {
  hello: {
    params: z.object({
      protocol: z.number().int(),
      client: z.object({ name: z.string().min(1).max(128), version: z.string().max(64).optional() }),
    }),
    result: z.object({
      protocol: z.number().int(),
      server: z.object({ name: z.string(), version: z.string() }),
    }),
  },
  'status.get': { params: Empty, result: Status },
  'credentials.get': {
    params: z
      .object({ minTtlSeconds: z.number().int().min(0).max(86_400).optional() })
      .strict()
      .optional(),
    result: Credentials,
  },
  'auth.login': {
    params: z.object({ noBrowser: z.boolean().optional() }).strict().optional(),
    result: z.object({ url: z.string(), redirectUri: z.string() }),
  },
  /** Waits until the pending sign-in ends; resolves with the final status (signedIn) or an error. */
  'auth.wait': { params: Empty, result: Status },
  'auth.cancel': { params: Empty, result: z.object({ cancelled: z.boolean() }) },
  /** A redirect URL delivered by the OS (scheme), by `keybridge open-url` or pasted by the user. */
  'auth.openUrl': { params: z.object({ url: z.string().max(8192) }).strict(), result: Status },
  'auth.logout': { params: Empty, result: z.object({ revoked: z.boolean() }) },
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
} as const;
export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.infer<(typeof events)[E]>;

/** JSON-RPC error codes of PRODUCT.md §4. */
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
  broker: Object.keys(methods) as MethodName[],
  renderer: ['status.get', 'auth.login', 'auth.cancel', 'auth.openUrl', 'auth.logout'] as MethodName[], // = bridge.ts rendererMethods
} as const;
