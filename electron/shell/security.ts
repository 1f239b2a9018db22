/**
 * The Electron security checklist, applied once for the whole app: no navigation away from our page, no
 * new windows, no webviews, no downloads, permissions refused (but clipboard writes from our page), and
 * a Content-Security-Policy on our page. Decisions come from app-page.ts (pure, tested). The item-by-item
 * review is docs/security-review.md.
 */
import { app, shell, type Session, type WebContents } from 'electron';
import { contentSecurityPolicy, isAppPageUrl, isPermissionAllowed, type AppPage } from './app-page';
import { isAllowedExternalUrl } from './external-links';

export function hardenSession(ses: Session, page: AppPage, log: (line: string) => void): void {
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const allowed = isPermissionAllowed(permission, details.requestingUrl, page);
    if (!allowed) log(`security: refused permission ${permission}`);
    callback(allowed);
  });
  ses.setPermissionCheckHandler((_wc, permission, _origin, details) =>
    isPermissionAllowed(permission, details.requestingUrl, page),
  );
  ses.setDevicePermissionHandler(() => false);
  ses.on('will-download', (event) => event.preventDefault());

  // For the dev server (http). The built page gets the same header from the app scheme itself
  // (app-protocol.ts), whether or not webRequest sees custom-scheme responses.
  const csp = contentSecurityPolicy(page);
  ses.webRequest.onHeadersReceived((details, callback) => {
    if (details.resourceType !== 'mainFrame' || !isAppPageUrl(details.url, page)) {
      callback({});
      return;
    }
    const headers = { ...(details.responseHeaders ?? {}) };
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === 'content-security-policy') delete headers[name];
    }
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [csp] } });
  });
}

/** Every web contents the app ever creates: no webviews, no window.open, no navigation off our page. */
export function guardAllWebContents(
  page: AppPage,
  signInUrl: () => string | undefined,
  log: (line: string) => void,
) {
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, page, signInUrl, log));
}

export function guardWebContents(
  contents: WebContents,
  page: AppPage,
  signInUrl: () => string | undefined,
  log: (line: string) => void,
): void {
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.on('will-navigate', (event) => {
    // Reloading our own page (the dev server's full reload) is the only navigation there is.
    if (isAppPageUrl(event.url, page)) return;
    event.preventDefault();
    log('security: blocked a navigation away from the app page');
  });
  contents.on('will-redirect', (event) => {
    event.preventDefault();
    log('security: blocked a redirect');
  });
  contents.setWindowOpenHandler(({ url }) => {
    // A link with target=_blank: opened in the browser when it is one we open anyway, never in the app.
    if (isAllowedExternalUrl(url, signInUrl())) void shell.openExternal(url);
    else log('security: refused to open a window');
    return { action: 'deny' };
  });
}
