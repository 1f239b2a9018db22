/**
 * Account facts from the tokens' claims (docs/design.md "Provider profile"). The id_token was validated by
 * core/auth when it was received (OIDC Core §3.1.3.7); here we only read claims, so decoding the payload is
 * enough.
 */
import type { AccountInfo } from '../api/contract';
import { decodeJwtPayload } from '../jwt';

export const OPENAI_AUTH_CLAIM = 'https://api.openai.com/auth';
export const OPENAI_PROFILE_CLAIM = 'https://api.openai.com/profile';

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Reads one token's claims; plan values are kept as the server sent them (unknown plans included). */
export function accountFromClaims(claims: Record<string, unknown> | null): AccountInfo {
  const c = claims ?? {};
  const auth = obj(c[OPENAI_AUTH_CLAIM]);
  const profile = obj(c[OPENAI_PROFILE_CLAIM]);
  return {
    email: str(c.email) ?? str(profile.email),
    planType: str(auth.chatgpt_plan_type),
    accountId: str(auth.chatgpt_account_id),
    userId: str(auth.chatgpt_user_id) ?? str(auth.user_id),
  };
}

/** The id_token is the source; the access token's claims fill what it lacks. */
export function accountFromTokens(tokens: { idToken?: string; accessToken?: string }): AccountInfo {
  const fromId = accountFromClaims(decodeJwtPayload(tokens.idToken));
  const fromAccess = accountFromClaims(decodeJwtPayload(tokens.accessToken));
  return {
    email: fromId.email ?? fromAccess.email,
    planType: fromId.planType ?? fromAccess.planType,
    accountId: fromId.accountId ?? fromAccess.accountId,
    userId: fromId.userId ?? fromAccess.userId ?? null,
  };
}
