/**
 * The one-time token `keybridge serve --ui` puts in the link it prints (`…/#token=…`). It is read once,
 * then removed from the address bar so it does not end up in history, bookmarks or a screenshot.
 */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,256}$/;

interface LocationLike {
  pathname: string;
  search: string;
  hash: string;
}
interface HistoryLike {
  state: unknown;
  replaceState(data: unknown, unused: string, url?: string | URL | null): void;
}

export function takeUrlToken(location: LocationLike, history: HistoryLike): string | null {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
  const query = new URLSearchParams(location.search.replace(/^\?/, ''));
  const raw = hash.get('token') ?? query.get('token');
  if (!hash.has('token') && !query.has('token')) return null;
  hash.delete('token');
  query.delete('token');
  const search = query.toString();
  const fragment = hash.toString();
  history.replaceState(
    history.state,
    '',
    `${location.pathname}${search ? `?${search}` : ''}${fragment ? `#${fragment}` : ''}`,
  );
  return raw !== null && TOKEN_SHAPE.test(raw) ? raw : null;
}
