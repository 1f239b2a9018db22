/** What a successful token or refresh grant yields, already validated (core/auth owns the validation). */
export interface TokenSet {
  accessToken: string;
  /** May be absent on a refresh response: then the old refresh token stays valid. */
  refreshToken?: string;
  idToken?: string;
  tokenType: 'Bearer';
  /** Epoch milliseconds. */
  expiresAt: number;
  scope?: string;
}

/** One pending sign-in: its own PKCE verifier, `state` and redirect receiver, usable once. */
export interface SignInAttempt {
  readonly url: string;
  readonly redirectUri: string;
  readonly startedAt: number;
  readonly expiresAt: number;
  /** Resolves with the exchanged tokens, rejects with a KeybridgeError (timeout, cancel, access_denied, …). */
  readonly result: Promise<TokenSet>;
  /** Device-code sign-in only: the page to open and the code to type there (not a secret beyond the attempt). */
  readonly device?: { readonly verificationUrl: string; readonly userCode: string };
  /** `reason` becomes the message of the attempt's sign_in_cancelled error. */
  cancel(reason?: string): void;
}

export interface OAuthClient {
  /** Starts a sign-in: binds the redirect receiver (loopback) and builds the authorization URL. */
  beginSignIn(): Promise<SignInAttempt>;
  /**
   * Starts a device-code sign-in (device-code.ts): no redirect, the user types a code on the issuer's page
   * from any device. Replaces (cancels) any sign-in in progress, as beginSignIn does.
   */
  beginDeviceSignIn(): Promise<SignInAttempt>;
  /**
   * Completes the pending attempt from a redirect URL: scheme delivery, `keybridge open-url`, or a URL the
   * user pasted. Resolves when the attempt's result is settled (success or a KeybridgeError thrown here).
   */
  handleRedirectUrl(url: string): Promise<void>;
  /** RFC 6749 §6. Throws KeybridgeError: `relogin_required` (reloginRequired) or `network`/`refresh_failed` (retryable). */
  refresh(refreshToken: string): Promise<TokenSet>;
  /** RFC 7009, best effort with a short timeout; resolves false when the server could not be reached. */
  revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<boolean>;
}
