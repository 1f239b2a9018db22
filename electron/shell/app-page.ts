/**
 * Which page is "ours": the popover's own document (the built renderer, served from the app's own
 * `keybridge-app://ui/` scheme, or the Vite dev server in development), the Content-Security-Policy it is
 * served with, the files the scheme may answer with, and the few permissions the page may use. Every trust
 * decision of the shell (IPC sender, navigation, permissions, the scheme's answers) asks these functions.
 * Pure.
 *
 * Why a scheme of our own and not file:// (Electron security checklist item 18): a page on file:// may
 * read other local files, and an Electron build may give file:// even more (the
 * `grantFileProtocolExtraPrivileges` fuse, switched off in electron-builder.yml). The scheme answers only
 * with the files of the renderer folder.
 */
import { contentTypeFor, resolveStaticPath } from '../../core/static-path';

/** The built UI's privileged scheme (registered before `ready` in app-protocol.ts) and its one host. */
export const APP_SCHEME = 'keybridge-app';
export const APP_HOST = 'ui';
const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** `bundle`: the built renderer folder (dist/renderer), served as keybridge-app://ui/…. */
export type AppPage = { kind: 'bundle'; dir: string } | { kind: 'dev'; url: string };

/** The URL the window loads. */
export function appPageUrl(page: AppPage): string {
  return page.kind === 'bundle' ? `${APP_ORIGIN}/index.html` : page.url;
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
 * Is `url` the app's own page? For the built UI: exactly its index document (any hash or query, e.g. hash
 * routes). For the dev server: its origin.
 */
export function isAppPageUrl(url: string, page: AppPage): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (page.kind === 'bundle') {
    // Compared part by part: WHATWG URL gives a non-special scheme the opaque origin "null".
    return (
      u.protocol === `${APP_SCHEME}:` &&
      u.host === APP_HOST &&
      !u.username &&
      !u.password &&
      (u.pathname === '/index.html' || u.pathname === '/')
    );
  }
  return u.origin === new URL(page.url).origin;
}

export interface AppFileAnswer {
  /** The file to send, inside the renderer folder (lexically; app-protocol.ts also checks its real path). */
  path: string;
  headers: Record<string, string>;
}

/**
 * What the app's scheme answers to a request for `url`: a file of the renderer folder with its type (and,
 * for the page itself, its CSP as a real header), or undefined (404) for anything else — another scheme or
 * host, a method other than GET, `..`, dotfiles, encoded separators.
 */
export function resolveAppRequest(
  url: string,
  method: string,
  page: Extract<AppPage, { kind: 'bundle' }>,
): AppFileAnswer | undefined {
  if (method !== 'GET') return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST || u.username || u.password) return undefined;
  const resolved = resolveStaticPath(page.dir, u.pathname);
  if (resolved.kind !== 'file') return undefined;
  const type = contentTypeFor(resolved.path);
  const headers: Record<string, string> = {
    'Content-Type': type,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  };
  if (type.startsWith('text/html')) headers['Content-Security-Policy'] = contentSecurityPolicy(page);
  return { path: resolved.path, headers };
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
  if (page.kind === 'bundle') {
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
