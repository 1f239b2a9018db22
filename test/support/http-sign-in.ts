/**
 * Completes a sign-in at the test oidc-server (test/support/oidc-server.ts) with plain HTTP requests instead
 * of a browser: follows the authorization request through oidc-provider's dev login and consent forms with a
 * small cookie jar, then delivers the final redirect to the client (the host's loopback receiver, or returns
 * a `keybridge://` URL for the caller to hand to `open-url`).
 *
 * For benches and stress tests that need many signed-in hosts quickly; the browser path stays covered by
 * test/integration/spine.test.ts.
 */

export interface HttpSignInResult {
  /** The redirect to the client: `http://127.0.0.1:PORT/auth/callback?code=…` or `keybridge://…`. */
  redirect: string;
  /** Status of the loopback receiver's answer page (undefined for a scheme redirect). */
  callbackStatus?: number;
}

/** Follows `authorizeUrl` as user `login` (any password), consents, and delivers the code to the client. */
export async function signInOverHttp(
  authorizeUrl: string,
  login: string,
  opts: {
    timeoutMs?: number;
    /** Where the final redirect is delivered instead (e.g. `localhost` pinned to `[::1]`). */
    rewriteRedirect?: (redirect: string) => string;
  } = {},
): Promise<HttpSignInResult> {
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 15_000);
  const issuerOrigin = new URL(authorizeUrl).origin;
  const jar = new Map<string, string>();

  const request = async (url: string, init: { method?: string; form?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = {};
    if (jar.size > 0) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(url, { method: init.method ?? 'GET', headers, body, redirect: 'manual', signal });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(c) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  };

  let url = authorizeUrl;
  let method = 'GET';
  let form: Record<string, string> | undefined;
  for (let hop = 0; hop < 20; hop += 1) {
    const res = await request(url, { method, form });
    method = 'GET';
    form = undefined;
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      const next = new URL(res.headers.get('location')!, url).href;
      if (!next.startsWith(issuerOrigin)) return deliver(opts.rewriteRedirect?.(next) ?? next, signal);
      url = next;
      continue;
    }
    const html = await res.text();
    const prompt = /name="prompt" value="(login|consent)"/.exec(html)?.[1];
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (res.status !== 200 || !prompt || !action) {
      throw new Error(
        `signInOverHttp: unexpected page at ${url} (HTTP ${res.status}): ${html.slice(0, 300)}`,
      );
    }
    url = new URL(action.replaceAll('&amp;', '&'), url).href;
    method = 'POST';
    form = prompt === 'login' ? { prompt, login, password: 'any password' } : { prompt };
  }
  throw new Error('signInOverHttp: too many redirects');
}

async function deliver(redirect: string, signal: AbortSignal): Promise<HttpSignInResult> {
  if (!/^https?:/.test(redirect)) return { redirect };
  const res = await fetch(redirect, { signal });
  await res.text();
  return { redirect, callbackStatus: res.status };
}
