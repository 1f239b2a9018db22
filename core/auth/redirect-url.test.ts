import { describe, expect, it } from 'vitest';
import { parseRedirectUrl } from './redirect-url';

const reason = (url: string) => {
  const r = parseRedirectUrl(url);
  if (r.kind !== 'invalid') throw new Error(`expected invalid, got ${JSON.stringify(r)}`);
  return r.reason;
};

describe('parseRedirectUrl: accepted redirects', () => {
  it('reads a code answer on the private-use scheme (RFC 8252 §7.1)', () => {
    expect(parseRedirectUrl('keybridge://oauth/callback?code=abc&state=s1')).toEqual({
      kind: 'code',
      code: 'abc',
      state: 's1',
    });
  });

  it('reads a code answer on localhost and 127.0.0.1 loopback, any port (RFC 8252 §7.3)', () => {
    expect(parseRedirectUrl('http://localhost:1455/auth/callback?code=c&state=s')).toEqual({
      kind: 'code',
      code: 'c',
      state: 's',
    });
    expect(parseRedirectUrl('http://127.0.0.1:1457/auth/callback?state=s&code=c')).toEqual({
      kind: 'code',
      code: 'c',
      state: 's',
    });
  });

  it('keeps the issuer (RFC 9207) when the server sends it, decoded', () => {
    expect(
      parseRedirectUrl(
        'http://localhost:1455/auth/callback?code=c&state=s&iss=https%3A%2F%2Fauth.openai.com',
      ),
    ).toEqual({ kind: 'code', code: 'c', state: 's', iss: 'https://auth.openai.com' });
  });

  it('decodes percent-encoded values and ignores unrelated parameters', () => {
    expect(parseRedirectUrl('keybridge://oauth/callback?code=a%2Bb%2F%3D&state=x%20y&scope=openid')).toEqual({
      kind: 'code',
      code: 'a+b/=',
      state: 'x y',
    });
  });

  it('tolerates surrounding whitespace from a paste', () => {
    expect(parseRedirectUrl('  keybridge://oauth/callback?code=c&state=s\n').kind).toBe('code');
  });

  it('reads an error answer with description and state (RFC 6749 §4.1.2.1)', () => {
    expect(
      parseRedirectUrl(
        'http://localhost:1455/auth/callback?error=access_denied&error_description=End-User+aborted&state=s',
      ),
    ).toEqual({ kind: 'error', error: 'access_denied', description: 'End-User aborted', state: 's' });
  });

  it('reads an error answer without state or description (the caller decides what it may do)', () => {
    expect(parseRedirectUrl('keybridge://oauth/callback?error=server_error')).toEqual({
      kind: 'error',
      error: 'server_error',
    });
  });
});

describe('parseRedirectUrl: rejected input', () => {
  it('rejects text that is not a URL, or nothing at all', () => {
    expect(reason('not a url')).toMatch(/not a URL/);
    expect(reason('')).toMatch(/empty/);
    expect(reason('   ')).toMatch(/empty/);
  });

  it('rejects other schemes', () => {
    for (const u of [
      'https://localhost:1455/auth/callback?code=c&state=s',
      'ftp://localhost/auth/callback?code=c&state=s',
      'javascript:alert(1)',
      'keybridges://oauth/callback?code=c&state=s',
    ]) {
      expect(reason(u), u).toMatch(/not a Keybridge sign-in redirect/);
    }
  });

  it('rejects other hosts, including look-alikes', () => {
    for (const u of [
      'http://example.com:1455/auth/callback?code=c&state=s',
      'http://localhost.example.com:1455/auth/callback?code=c&state=s',
      'http://127.0.0.2:1455/auth/callback?code=c&state=s',
      'http://[::1]:1455/auth/callback?code=c&state=s',
    ]) {
      expect(reason(u), u).toMatch(/localhost or 127\.0\.0\.1/);
    }
    expect(reason('keybridge://other/callback?code=c&state=s')).toMatch(/keybridge:\/\/oauth\/callback/);
  });

  it('rejects other paths', () => {
    expect(reason('http://localhost:1455/callback?code=c&state=s')).toMatch(/\/auth\/callback/);
    expect(reason('http://localhost:1455/auth/callback/?code=c&state=s')).toMatch(/\/auth\/callback/);
    expect(reason('http://localhost:1455/auth/callback/x?code=c&state=s')).toMatch(/\/auth\/callback/);
    expect(reason('keybridge://oauth/callbacks?code=c&state=s')).toMatch(/keybridge:\/\/oauth\/callback/);
    expect(reason('keybridge://oauth?code=c&state=s')).toMatch(/keybridge:\/\/oauth\/callback/);
  });

  it('rejects a loopback URL without a port', () => {
    expect(reason('http://localhost/auth/callback?code=c&state=s')).toMatch(/no port/);
  });

  it('rejects credentials in the URL', () => {
    expect(reason('http://user:pw@localhost:1455/auth/callback?code=c&state=s')).toMatch(
      /user name or password/,
    );
  });

  it('rejects a code answer without state, or with an empty state', () => {
    expect(reason('keybridge://oauth/callback?code=c')).toMatch(/no state/);
    expect(reason('keybridge://oauth/callback?code=c&state=')).toMatch(/no state/);
  });

  it('rejects an answer with both a code and an error', () => {
    expect(reason('keybridge://oauth/callback?code=c&error=access_denied&state=s')).toMatch(
      /both a code and an error/,
    );
  });

  it('rejects an answer with neither code nor error, and says so when the parameters sit in the fragment', () => {
    expect(reason('keybridge://oauth/callback?state=s')).toMatch(/no authorization code/);
    expect(reason('http://localhost:1455/auth/callback#code=c&state=s')).toMatch(/after a #/);
    expect(reason('keybridge://oauth/callback?code=&state=s')).toMatch(/no authorization code/);
    expect(reason('keybridge://oauth/callback?error=&state=s')).toMatch(/empty error/);
  });

  it('rejects repeated parameters (RFC 6749 §3.1)', () => {
    expect(reason('keybridge://oauth/callback?code=c&state=s&state=t')).toMatch(/"state"/);
    expect(reason('keybridge://oauth/callback?code=c&code=d&state=s')).toMatch(/"code"/);
    expect(reason('keybridge://oauth/callback?code=c&state=s&iss=a&iss=b')).toMatch(/"iss"/);
  });
});
