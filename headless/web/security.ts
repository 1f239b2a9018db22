/**
 * The browser-facing defences of the web UI: the same Content-Security-Policy as renderer/index.html, the
 * usual hardening headers, and the Host / Origin checks that stop DNS rebinding (a page on evil.example
 * whose name resolves to 127.0.0.1 still sends `Host: evil.example`) and cross-site WebSocket hijacking
 * (RFC 6455 §10.2: the server must check Origin).
 */

/** Keep equal to the meta tag in renderer/index.html (a test compares them). */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ws://127.0.0.1:*; " +
  "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

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
