/**
 * Which file of the built renderer (dist/renderer) a URL path names, and its content type: the lexical half
 * of serving the UI, shared by the desktop's `keybridge-app://` scheme (electron/shell/app-page.ts) and the
 * browser UI's HTTP server (headless/web/static-files.ts). No directory listings, no dotfiles, nothing
 * outside the folder (decoded `..`, backslashes and NUL bytes are refused); each server also checks the real
 * path, so a symlink inside the folder cannot lead out of it. Pure.
 */
import { extname, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export type Resolved = { kind: 'file'; path: string } | { kind: 'refused' };

/**
 * Maps a URL path to a file path inside `root`, or refuses it. Lexical checks only; `serveStatic`
 * also checks the real path, so a symlink inside the folder cannot point outside it.
 */
export function resolveStaticPath(root: string, pathname: string): Resolved {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { kind: 'refused' };
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\'))
    return { kind: 'refused' };
  const segments = decoded.split('/').filter((s) => s !== '');
  // Dot files and folders, and with them `.` and `..`.
  if (segments.some((s) => s.startsWith('.'))) return { kind: 'refused' };
  const relative = segments.length === 0 ? 'index.html' : segments.join('/');
  const base = resolve(root);
  const full = resolve(base, relative);
  if (full !== base && !full.startsWith(base + sep)) return { kind: 'refused' };
  return { kind: 'file', path: full };
}
