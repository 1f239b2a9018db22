/**
 * Which page is "ours": the popover's own document (the built renderer as a file, or the Vite dev server in
 * development), the Content-Security-Policy it is served with, and the few permissions it may use. Every
 * trust decision of the shell (IPC sender, navigation, permissions) asks these functions. Pure.
 */
import { pathToFileURL } from 'node:url';

export type AppPage = { kind: 'file'; indexPath: string } | { kind: 'dev'; url: string };

/** The URL the window loads. */
export function appPageUrl(page: AppPage): string {
  return page.kind === 'file' ? pathToFileURL(page.indexPath).href : page.url;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The dev server, only for an unpackaged app and only on loopback over http(s): a packaged build never
 * loads remote content, whatever its environment says.
 */
export function devServerUrl(
  env: Record<string, string | undefined>,
  isPackaged: boolean,
): string | undefined {
  const raw = env.VITE_DEV_SERVER_URL;
  if (isPackaged || !raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !LOOPBACK_HOSTS.has(url.hostname))
    return undefined;
  return url.href;
}

/**
 * Is `url` the app's own page? For the file build: exactly the index file (any hash or query, e.g. hash
 * routes). For the dev server: its origin.
 */
export function isAppPageUrl(url: string, page: AppPage): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (page.kind === 'file') {
    const index = new URL(appPageUrl(page));
    return u.protocol === 'file:' && u.host === index.host && u.pathname === index.pathname;
  }
  return u.origin === new URL(page.url).origin;
}

/**
 * The page's CSP. The UI talks to the host only through the preload, so it needs no network at all; the
 * bundle needs only its own scripts and stylesheets. The dev server adds inline scripts (React refresh),
 * injected style tags and its HMR WebSocket, never in a packaged build.
 */
export function contentSecurityPolicy(page: AppPage): string {
  const common = [
    "default-src 'none'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ];
  if (page.kind === 'file') {
    return ["script-src 'self'", "style-src 'self'", "connect-src 'none'", ...common].join('; ');
  }
  const origin = new URL(page.url);
  const ws = `${origin.protocol === 'https:' ? 'wss' : 'ws'}://${origin.host}`;
  return [
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    `connect-src 'self' ${ws}`,
    ...common,
  ].join('; ');
}

/**
 * Web permissions: all refused, except writing plain text to the clipboard from our own page ("Copy link"
 * for the sign-in URL). Reading the clipboard is not needed: pasting into a field needs no permission.
 */
export function isPermissionAllowed(
  permission: string,
  requestingUrl: string | undefined,
  page: AppPage,
): boolean {
  return (
    permission === 'clipboard-sanitized-write' &&
    requestingUrl !== undefined &&
    isAppPageUrl(requestingUrl, page)
  );
}
