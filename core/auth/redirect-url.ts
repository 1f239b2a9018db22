/**
 * Parses the URL an authorization server redirected the browser to (RFC 6749 §4.1.2 / §4.1.2.1), whichever
 * way it reached Keybridge: the loopback receiver (RFC 8252 §7.3), the private-use scheme (RFC 8252 §7.1)
 * or a URL the user pasted. Pure: no I/O, no knowledge of the pending attempt (state is checked later).
 */
export type ParsedRedirect =
  | { kind: 'code'; code: string; state: string; iss?: string }
  | { kind: 'error'; error: string; description?: string; state?: string }
  | { kind: 'invalid'; reason: string };

const SCHEME_PROTOCOL = 'keybridge:';
const SCHEME_HOST = 'oauth';
const SCHEME_PATH = '/callback';
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1']);
const LOOPBACK_PATH = '/auth/callback';

const invalid = (reason: string): ParsedRedirect => ({ kind: 'invalid', reason });

export function parseRedirectUrl(input: string): ParsedRedirect {
  const text = input.trim();
  if (text === '') return invalid('The redirect URL is empty.');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return invalid('That is not a URL. Paste the whole address from the browser’s address bar.');
  }

  if (url.username !== '' || url.password !== '')
    return invalid('The redirect URL must not contain a user name or password.');

  if (url.protocol === SCHEME_PROTOCOL) {
    if (url.host !== SCHEME_HOST || url.pathname !== SCHEME_PATH) {
      return invalid(`A keybridge: redirect must be keybridge://${SCHEME_HOST}${SCHEME_PATH}.`);
    }
  } else if (url.protocol === 'http:') {
    if (!LOOPBACK_HOSTS.has(url.hostname)) {
      return invalid('A browser redirect must go to localhost or 127.0.0.1; this one goes elsewhere.');
    }
    if (url.port === '') return invalid('The loopback redirect URL has no port.');
    if (url.pathname !== LOOPBACK_PATH)
      return invalid(`The loopback redirect path must be ${LOOPBACK_PATH}.`);
  } else {
    return invalid('This is not a Keybridge sign-in redirect (expected keybridge:// or http://localhost).');
  }

  const params = url.searchParams;
  // RFC 6749 §3.1: request and response parameters MUST NOT be included more than once.
  for (const name of ['code', 'state', 'error', 'error_description', 'iss']) {
    if (params.getAll(name).length > 1) return invalid(`The redirect URL repeats the "${name}" parameter.`);
  }
  const code = params.get('code');
  const state = params.get('state');
  const error = params.get('error');
  const iss = params.get('iss');

  if (code !== null && error !== null) return invalid('The redirect URL has both a code and an error.');

  if (error !== null) {
    if (error === '') return invalid('The redirect URL has an empty error.');
    const description = params.get('error_description');
    return {
      kind: 'error',
      error,
      ...(description ? { description } : {}),
      ...(state ? { state } : {}),
    };
  }

  if (code === null || code === '') {
    const hint = url.hash.length > 1 ? ' (its parameters are after a #, which Keybridge does not use)' : '';
    return invalid(`The redirect URL has no authorization code${hint}.`);
  }
  if (state === null || state === '')
    return invalid('The redirect URL has no state, so it cannot be tied to a sign-in.');
  return { kind: 'code', code, state, ...(iss ? { iss } : {}) };
}
