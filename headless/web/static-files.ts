/**
 * Serves the built renderer (dist/renderer): GET and HEAD of files only — no directory listings, no
 * dotfiles, nothing outside the folder (decoded `..`, backslashes, NUL bytes and symlinks that lead out
 * are all refused).
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve, sep } from 'node:path';
import { contentTypeFor, resolveStaticPath } from '../../core/static-path';

export interface StaticResult {
  status: number;
}

/** Answers one GET/HEAD for a static file. `headers` are added to every answer (security headers). */
export async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  root: string,
  pathname: string,
  headers: Readonly<Record<string, string>>,
): Promise<StaticResult> {
  const resolved = resolveStaticPath(root, pathname);
  if (resolved.kind === 'refused') return sendText(res, 400, 'Bad request.', headers);

  let realRoot: string;
  let realFile: string;
  try {
    realRoot = await realpath(root);
    realFile = await realpath(resolved.path);
  } catch {
    if (pathname === '/' || pathname === '/index.html') return sendNotBuilt(res, root, headers);
    return sendText(res, 404, 'Not found.', headers);
  }
  if (!realFile.startsWith(realRoot + sep)) return sendText(res, 400, 'Bad request.', headers);
  const info = await stat(realFile);
  // A folder is never listed (and there is no index.html lookup below the root).
  if (!info.isFile()) return sendText(res, 404, 'Not found.', headers);

  const isIndex = realFile === resolve(realRoot, 'index.html');
  res.writeHead(200, {
    ...headers,
    'Content-Type': contentTypeFor(realFile),
    'Content-Length': String(info.size),
    // index.html names the current hashed bundle: never cache it. Hashed assets never change.
    'Cache-Control': isIndex
      ? 'no-store'
      : pathname.startsWith('/assets/')
        ? 'public, max-age=31536000, immutable'
        : 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return { status: 200 };
  }
  await new Promise<void>((done) => {
    const stream = createReadStream(realFile);
    stream.on('error', () => {
      res.destroy();
      done();
    });
    stream.on('end', done);
    stream.pipe(res);
  });
  return { status: 200 };
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Readonly<Record<string, string>>,
  extra: Record<string, string> = {},
): StaticResult {
  res.writeHead(status, {
    ...headers,
    ...extra,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  res.end(text);
  return { status };
}

/** The host runs from a checkout whose renderer was never built: say how to build it. */
function sendNotBuilt(
  res: ServerResponse,
  root: string,
  headers: Readonly<Record<string, string>>,
): StaticResult {
  const html =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Keybridge</title></head><body>' +
    '<h1>The Keybridge UI is not built</h1>' +
    `<p>No index.html in ${escapeHtml(root)}. Run <code>npm run build:renderer</code>, then reload this page.</p>` +
    '</body></html>';
  res.writeHead(503, {
    ...headers,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(html)),
    'Cache-Control': 'no-store',
  });
  res.end(html);
  return { status: 503 };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
