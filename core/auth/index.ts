/** core/auth: Keybridge's OAuth client (sign-in, refresh, revoke) and the redirect URL parser. */
export { createOAuthClient, DEFAULT_SIGN_IN_TIMEOUT_MS, type OAuthClientOptions } from './client';
export { parseRedirectUrl, type ParsedRedirect } from './redirect-url';
export { AUTHORIZATION_ERROR_MESSAGES, RELOGIN_MESSAGES, authorizationError } from './messages';
export type { OAuthClient, SignInAttempt, TokenSet } from './types';
