/**
 * What the UI may open in the system browser: the provider's authorization endpoint of the sign-in in
 * progress, and a short list of help pages. Anything else is refused, so a compromised page cannot use the
 * app to open arbitrary URLs (or `file:`/custom schemes) through `shell.openExternal`.
 */
export const HELP_LINKS: readonly { origin: string; pathPrefix: string }[] = [
  { origin: 'https://openai.com', pathPrefix: '/chatgpt/pricing' },
  { origin: 'https://help.openai.com', pathPrefix: '/' },
];

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/**
 * `signInUrl` is `status.signIn.url` of the current attempt: its origin and path are the authorization
 * endpoint (RFC 6749 §3.1); the query may differ (the UI reopens the same link it was given).
 */
export function isAllowedExternalUrl(url: string, signInUrl: string | undefined): boolean {
  if (url.length > 8192) return false;
  const u = parse(url);
  if (!u || u.username || u.password) return false;
  if (signInUrl) {
    const auth = parse(signInUrl);
    if (
      auth &&
      (auth.protocol === 'https:' || auth.protocol === 'http:') &&
      u.origin === auth.origin &&
      u.pathname === auth.pathname
    ) {
      return true;
    }
  }
  if (u.protocol !== 'https:') return false;
  return HELP_LINKS.some(
    (h) =>
      u.origin === h.origin &&
      (u.pathname === h.pathPrefix || u.pathname.startsWith(h.pathPrefix.replace(/\/?$/, '/'))),
  );
}
