/**
 * The browser-facing defences of the web UI: the same Content-Security-Policy as renderer/index.html, the
 * usual hardening headers, and the Host / Origin checks that stop DNS rebinding (a page on evil.example
 * whose name resolves to 127.0.0.1 still sends `Host: evil.example`) and cross-site WebSocket hijacking
 * (RFC 6455 §10.2: the server must check Origin).
 */

const policy = (connect: string) =>
  `default-src 'self'; script-src 'self'; style-src 'self'; connect-src ${connect}; ` +
  "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * The page's own policy: keep equal to the meta tag in renderer/index.html (a test compares them). Its
 * `connect-src 'self'` covers the WebSocket of the page's own origin (CSP Level 3 §6.7.2.8 lets 'self'
 * match ws: for an http: page) and nothing else.
 */
export const CONTENT_SECURITY_POLICY = policy("'self'");

/**
 * What the server sends: the page's policy with the WebSocket of this server named by its two names and
 * its one port — never another local port (a page of ours cannot be made to talk to another local server).
 */
export function contentSecurityPolicy(port: number): string {
  return policy(`'self' ws://127.0.0.1:${port} ws://localhost:${port}`);
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

/** The headers of every answer of the server on `port`. */
export function securityHeaders(port: number): Readonly<Record<string, string>> {
  return { ...SECURITY_HEADERS, 'Content-Security-Policy': contentSecurityPolicy(port) };
}

/** The names this server answers to. Anything else in Host is a rebinding attempt or a misdirected request. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  return allowedHosts(port).includes(host.toLowerCase());
}

/** Only a page this server served may open the WebSocket (browsers always send Origin on an upgrade). */
export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (!origin) return false;
  return allowedHosts(port).some((h) => origin.toLowerCase() === `http://${h}`);
}
