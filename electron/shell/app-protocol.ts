/**
 * The built UI's own scheme, `keybridge-app://ui/…` (Electron security checklist item 18: "avoid usage of the
 * file:// protocol and prefer usage of custom protocols"). It answers only with the files of the renderer
 * folder, each with its type, and the page with its CSP as a real header; everything else is a 404. What it
 * may answer is decided in app-page.ts (pure, unit-tested); this file only wires it to Electron.
 *
 * Not to be confused with `keybridge://`, the OAuth redirect scheme the OS hands to the app (deep-links.ts):
 * this one is private to the app's own session and no other program can open it.
 */
import { readFile, realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import { protocol } from 'electron';
import { APP_SCHEME, resolveAppRequest, type AppPage } from './app-page';

/**
 * Must run before the app is ready. `standard` gives the page a real origin (relative URLs, `'self'` in the
 * CSP), `secure` makes it a secure context; `corsEnabled` lets Chromium fetch the bundle's module scripts
 * (`<script type="module" crossorigin>`). No fetch API, no service workers, no CSP bypass.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, corsEnabled: true } },
  ]);
}

/** Serves the renderer folder on the app's scheme (after `ready`). */
export function handleAppScheme(
  page: Extract<AppPage, { kind: 'bundle' }>,
  log: (line: string) => void,
): void {
  const notFound = () =>
    new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain' } });
  protocol.handle(APP_SCHEME, async (request) => {
    const answer = resolveAppRequest(request.url, request.method, page);
    if (!answer) {
      log('security: the app scheme refused a request outside the UI files');
      return notFound();
    }
    // A symlink inside an unpacked folder (development) must not lead out of it. Inside app.asar there are
    // no links to follow, and should realpath not know the archive, the lexical check above stands.
    const real = await realpath(answer.path).catch(() => answer.path);
    const root = await realpath(page.dir).catch(() => page.dir);
    if (real !== root && !real.startsWith(root + sep)) return notFound();
    try {
      return new Response(await readFile(real), { status: 200, headers: answer.headers });
    } catch {
      return notFound();
    }
  });
}
