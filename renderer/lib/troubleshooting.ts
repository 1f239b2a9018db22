/**
 * One place that turns an error code (core/errors.ts) into what the person sees: a headline and the next
 * step. The server's own message (already redacted) is shown beside them, so these stay short.
 * `Record<ErrorCode, …>` makes the compiler insist on an entry for every code the core can produce.
 */
import type { ErrorCode } from '../../core/errors';
import type { ErrorInfo } from '../../core/api/contract';

export interface Troubleshooting {
  headline: string;
  nextStep: string;
}

type Entry = Troubleshooting | ((message: string) => Troubleshooting);

const RETRY_SIGN_IN = 'Select “Sign in with OpenAI” to try again.';

/** The loopback port named in the server's message ("Port 1455 is in use…"), if any. */
export function portFromMessage(message: string): number | null {
  const m = /\bport\s+(\d{2,5})\b/i.exec(message) ?? /:(\d{2,5})\b/.exec(message);
  if (!m?.[1]) return null;
  const port = Number(m[1]);
  return port > 0 && port < 65536 ? port : null;
}

const MAP: Record<ErrorCode, Entry> = {
  port_in_use: (message) => {
    const port = portFromMessage(message);
    return {
      headline: port ? `Port ${port} is already in use` : 'The sign-in port is already in use',
      nextStep:
        'Another sign-in — often Codex CLI (“codex login”) — may be holding it. Finish or close that sign-in, then try again.',
    };
  },
  access_denied: {
    headline: 'Access was not granted',
    nextStep: 'The consent page was declined. Sign in again and choose Continue, or use a different account.',
  },
  missing_codex_entitlement: {
    headline: 'This workspace does not include Codex',
    nextStep:
      'Check your plan, or ask your workspace admin to enable Codex. You can also sign in and pick a personal account or another workspace.',
  },
  sign_in_timeout: {
    headline: 'The sign-in timed out',
    nextStep:
      'If the browser did not open, start again and use “Copy link” to open it yourself, or “Paste redirect URL” after you sign in.',
  },
  sign_in_cancelled: { headline: 'Sign-in cancelled', nextStep: 'Sign in whenever you are ready.' },
  state_mismatch: {
    headline: 'That redirect does not belong to this sign-in',
    nextStep: 'Use the address from the most recent sign-in, or start a new one.',
  },
  callback_replayed: {
    headline: 'That redirect was already used',
    nextStep: 'Each sign-in link works once. Start a new sign-in.',
  },
  invalid_redirect_url: {
    headline: 'That is not a sign-in redirect URL',
    nextStep:
      'Paste the full address your browser shows after you sign in (it contains “code=” and “state=”).',
  },
  no_sign_in_pending: {
    headline: 'No sign-in is waiting',
    nextStep: 'Start a new sign-in, then paste the redirect URL from that one.',
  },
  device_auth_disabled: {
    headline: 'Sign-in with a code is turned off',
    nextStep:
      'In ChatGPT, open Settings → Security and turn on “device code authorization for Codex” (in a workspace, an admin may have to), or use “Sign in with OpenAI”.',
  },
  device_code_expired: {
    headline: 'The sign-in code expired',
    nextStep: 'Select “Sign in with a code” for a new one, and enter it within 15 minutes.',
  },
  device_auth_failed: { headline: 'The sign-in with a code did not finish', nextStep: RETRY_SIGN_IN },
  oauth_error: { headline: 'OpenAI could not complete the sign-in', nextStep: RETRY_SIGN_IN },
  token_exchange_failed: {
    headline: 'OpenAI could not complete the sign-in',
    nextStep: 'Check your internet connection, then sign in again.',
  },
  discovery_failed: {
    headline: 'Could not reach the sign-in server',
    nextStep: 'Check your internet connection (and KEYBRIDGE_ISSUER if you set it), then try again.',
  },
  invalid_token_response: {
    headline: 'The sign-in server sent an unexpected answer',
    nextStep: RETRY_SIGN_IN,
  },
  not_signed_in: { headline: 'You are not signed in', nextStep: RETRY_SIGN_IN },
  refresh_failed: {
    headline: 'Could not refresh your session',
    nextStep: 'Keybridge keeps your session and tries again shortly.',
  },
  relogin_required: {
    headline: 'Your session ended — sign in again',
    nextStep:
      'The sign-in expired, was revoked, or was used by another app. Sign in again; Keybridge will not retry on its own.',
  },
  network: {
    headline: 'You appear to be offline',
    nextStep: 'Your session is kept. Keybridge retries automatically when the connection is back.',
  },
  vault_unreadable: {
    headline: 'Your saved session could not be read',
    nextStep: 'The unreadable file was moved aside so nothing is lost. Sign in again to start fresh.',
  },
  cipher_unavailable: {
    headline: 'Secure storage is not available',
    nextStep: 'Unlock your system keyring (or log in to your desktop session), then restart Keybridge.',
  },
  chatgpt_unreachable: {
    headline: 'ChatGPT could not be reached',
    nextStep:
      'Your session is fine. Keybridge shows what it saved last and asks again when you reopen this window.',
  },
  chatgpt_error: {
    headline: 'ChatGPT answered with an error',
    nextStep: 'This is usually on OpenAI’s side and passes. Try again in a few minutes.',
  },
  chatgpt_denied: {
    headline: 'ChatGPT refused this account',
    nextStep: 'Check that the subscription is active, then sign out and sign in again.',
  },
  host_already_running: {
    headline: 'Keybridge is already running',
    nextStep: 'Use the window of the Keybridge that is already running, or quit it first.',
  },
  host_not_running: {
    headline: 'Keybridge is not running',
    nextStep: 'Start Keybridge (or “keybridge serve”), then try again.',
  },
  config_invalid: {
    headline: 'Keybridge’s configuration is invalid',
    nextStep: 'Fix config.json in the data folder or the KEYBRIDGE_* variables, then restart Keybridge.',
  },
  access_denied_tool: {
    headline: 'A tool was refused access',
    nextStep: 'Approve the tool when it asks again, or change the approval policy.',
  },
  approval_timeout: {
    headline: 'A tool’s request was not approved in time',
    nextStep: 'Run the tool again and approve it in Keybridge.',
  },
  codex_login_exists: {
    headline: 'Codex CLI already has its own login',
    nextStep:
      'Keybridge will not overwrite it without asking. Confirm to replace it: the current login is kept as a backup and restored when you turn sharing off.',
  },
  codex_write_failed: {
    headline: 'Keybridge could not write Codex CLI’s login file',
    nextStep:
      'Check that the Codex folder (CODEX_HOME, default ~/.codex) is yours and writable, then turn sharing on again.',
  },
  invalid_params: { headline: 'Keybridge did not understand that request', nextStep: 'Try again.' },
  internal: {
    headline: 'Something went wrong',
    nextStep: 'Try again. If it keeps happening, restart Keybridge.',
  },
};

const FALLBACK: Troubleshooting = MAP.internal as Troubleshooting;

export function troubleshoot(error: Pick<ErrorInfo, 'code'> & { message?: string }): Troubleshooting {
  const entry = Object.prototype.hasOwnProperty.call(MAP, error.code)
    ? MAP[error.code as ErrorCode]
    : FALLBACK;
  return typeof entry === 'function' ? entry(error.message ?? '') : entry;
}
