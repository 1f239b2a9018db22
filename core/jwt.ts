/**
 * The one JWT payload reader of the core. Keybridge only reads claims of tokens it already trusts (the
 * id_token was validated when it was received, OIDC Core §3.1.3.7; the access token is the provider's
 * business), so decoding the payload of a compact JWS (RFC 7515 §7.1: three base64url parts) is enough.
 */

/** The payload of a compact JWS, or null when the text is not one. Never throws. */
export function decodeJwtPayload(jwt: string | undefined): Record<string, unknown> | null {
  if (!jwt) return null;
  const parts = jwt.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const json: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return json && typeof json === 'object' && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
