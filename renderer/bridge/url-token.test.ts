import { describe, expect, it } from 'vitest';
import { takeUrlToken } from './url-token';

function fakeHistory() {
  const calls: string[] = [];
  return {
    calls,
    state: null,
    replaceState: (_d: unknown, _u: string, url?: string | URL | null) => calls.push(String(url)),
  };
}

const TOKEN = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde';

describe('takeUrlToken', () => {
  it('reads the token from the fragment and removes it from the address bar', () => {
    const h = fakeHistory();
    expect(takeUrlToken({ pathname: '/', search: '', hash: `#token=${TOKEN}` }, h)).toBe(TOKEN);
    expect(h.calls).toEqual(['/']);
  });
  it('reads it from the query too, keeping other parameters', () => {
    const h = fakeHistory();
    expect(takeUrlToken({ pathname: '/', search: `?token=${TOKEN}&x=1`, hash: '#y=2' }, h)).toBe(TOKEN);
    expect(h.calls).toEqual(['/?x=1#y=2']);
  });
  it('leaves the address alone when there is no token', () => {
    const h = fakeHistory();
    expect(takeUrlToken({ pathname: '/', search: '', hash: '' }, h)).toBeNull();
    expect(h.calls).toEqual([]);
  });
  it('removes but refuses a value that is not token-shaped', () => {
    const h = fakeHistory();
    expect(takeUrlToken({ pathname: '/', search: '', hash: '#token=<script>' }, h)).toBeNull();
    expect(h.calls).toEqual(['/']);
  });
});
