/**
 * The one error vocabulary of the contract: every failure has a string code (core/errors.ts `ErrorCode`, or
 * one of the gate's own below) and, on the JSON-RPC transports, the number that code travels with (the
 * JSON-RPC 2.0 spec §5.1 for the standard ones; docs/client.md "Broker protocol" for ours). The broker and
 * the WebSocket map through here, and IPC reports the same string codes, so a failure reads the same on
 * every transport.
 */
import type { ErrorCode } from '../errors';
import { RpcErrorCode } from './protocol';

/**
 * Failures reported before a handler runs: by the renderer gate, and by the desktop shell's one call beyond
 * the contract (opening a link: `link_not_allowed`, `open_failed`).
 */
export type GateErrorCode =
  'invalid_request' | 'method_not_allowed' | 'invalid_params' | 'link_not_allowed' | 'open_failed';

const SIGN_IN_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'port_in_use',
  'state_mismatch',
  'callback_replayed',
  'access_denied',
  'missing_codex_entitlement',
  'oauth_error',
  'sign_in_timeout',
  'sign_in_cancelled',
  'no_sign_in_pending',
  'invalid_redirect_url',
  'token_exchange_failed',
  'discovery_failed',
  'invalid_token_response',
]);

/** Codes that mean a refresh failed: -32005, with `reloginRequired` and `retryable` in `data`. */
export const REFRESH_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'refresh_failed',
  'relogin_required',
  'network',
]);

/** The JSON-RPC error code a failure with this string code is answered with. */
export function rpcCodeFor(code: ErrorCode | GateErrorCode): number {
  switch (code) {
    case 'invalid_request':
      return RpcErrorCode.InvalidRequest;
    case 'method_not_allowed':
      return RpcErrorCode.MethodNotFound;
    case 'invalid_params':
      return RpcErrorCode.InvalidParams;
    case 'not_signed_in':
      return RpcErrorCode.NotSignedIn;
    case 'access_denied_tool':
      return RpcErrorCode.AccessDenied;
    case 'approval_timeout':
      return RpcErrorCode.ApprovalTimeout;
  }
  if (REFRESH_CODES.has(code)) return RpcErrorCode.RefreshFailed;
  if (SIGN_IN_CODES.has(code)) return RpcErrorCode.SignInFailed;
  return RpcErrorCode.InternalError;
}
