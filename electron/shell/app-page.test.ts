import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appPageUrl,
  contentSecurityPolicy,
  devServerUrl,
  isAppPageUrl,
  isPermissionAllowed,
  type AppPage,
} from './app-page';
import { isAllowedExternalUrl } from './external-links';

const indexPath = join('/opt', 'Keybridge', 'resources', 'app.asar', 'dist', 'renderer', 'index.html');
const file: AppPage = { kind: 'file', indexPath };
const dev: AppPage = { kind: 'dev', url: 'http://localhost:5173/' };

describe('isAppPageUrl', () => {
  it('accepts only our index file, with any hash or query', () => {
    const url = appPageUrl(file);
    expect(url.startsWith('file:///')).toBe(true);
    expect(isAppPageUrl(url, file)).toBe(true);
    expect(isAppPageUrl(`${url}#/settings`, file)).toBe(true);
    expect(isAppPageUrl(url.replace('index.html', 'other.html'), file)).toBe(false);
    expect(isAppPageUrl('file:///etc/passwd', file)).toBe(false);
    expect(isAppPageUrl('https://example.com/dist/renderer/index.html', file)).toBe(false);
    expect(isAppPageUrl('not a url', file)).toBe(false);
  });

  it('accepts the dev server origin only', () => {
    expect(isAppPageUrl('http://localhost:5173/src/main.tsx', dev)).toBe(true);
    expect(isAppPageUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isAppPageUrl('http://127.0.0.1:5173/', dev)).toBe(false);
  });
});

describe('devServerUrl', () => {
  it('is used only unpackaged and on loopback', () => {
    expect(devServerUrl({ VITE_DEV_SERVER_URL: 'http://localhost:5173' }, false)).toBe(
      'http://localhost:5173/',
    );
    expect(devServerUrl({ VITE_DEV_SERVER_URL: 'http://localhost:5173' }, true)).toBeUndefined();
    expect(devServerUrl({ VITE_DEV_SERVER_URL: 'http://evil.example:5173' }, false)).toBeUndefined();
    expect(devServerUrl({ VITE_DEV_SERVER_URL: 'file:///tmp/x.html' }, false)).toBeUndefined();
    expect(devServerUrl({}, false)).toBeUndefined();
  });
});

describe('contentSecurityPolicy', () => {
  it('gives the built page no network and no inline script', () => {
    const csp = contentSecurityPolicy(file);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
  });

  it('lets the dev page reach its HMR socket', () => {
    expect(contentSecurityPolicy(dev)).toContain("connect-src 'self' ws://localhost:5173");
  });
});

describe('isPermissionAllowed', () => {
  it('allows only clipboard writes from our own page', () => {
    const url = appPageUrl(file);
    expect(isPermissionAllowed('clipboard-sanitized-write', url, file)).toBe(true);
    expect(isPermissionAllowed('clipboard-sanitized-write', 'https://example.com/', file)).toBe(false);
    expect(isPermissionAllowed('clipboard-read', url, file)).toBe(false);
    expect(isPermissionAllowed('notifications', url, file)).toBe(false);
    expect(isPermissionAllowed('media', url, file)).toBe(false);
  });
});

describe('isAllowedExternalUrl', () => {
  const signIn =
    'https://auth.openai.com/oauth/authorize?response_type=code&client_id=app_x&state=abc&code_challenge=xyz';

  it('opens the authorization endpoint of the sign-in in progress', () => {
    expect(isAllowedExternalUrl(signIn, signIn)).toBe(true);
    expect(isAllowedExternalUrl('https://auth.openai.com/oauth/authorize?state=other', signIn)).toBe(true);
    // A local test issuer over http on loopback is the sign-in URL itself, so it is allowed too.
    const local = 'http://127.0.0.1:4000/auth?client_id=x';
    expect(isAllowedExternalUrl(local, local)).toBe(true);
  });

  it('refuses other pages of the provider and everything without a sign-in', () => {
    expect(isAllowedExternalUrl('https://auth.openai.com/oauth/token', signIn)).toBe(false);
    expect(isAllowedExternalUrl(signIn, undefined)).toBe(false);
    expect(isAllowedExternalUrl('https://user:pw@auth.openai.com/oauth/authorize', signIn)).toBe(false);
  });

  it('opens the known help pages and nothing else', () => {
    expect(isAllowedExternalUrl('https://openai.com/chatgpt/pricing', undefined)).toBe(true);
    expect(isAllowedExternalUrl('https://openai.com/chatgpt/pricing/', undefined)).toBe(true);
    expect(isAllowedExternalUrl('https://help.openai.com/en/articles/11369540', undefined)).toBe(true);
    expect(isAllowedExternalUrl('https://openai.com/chatgpt/pricingevil', undefined)).toBe(false);
    expect(isAllowedExternalUrl('http://openai.com/chatgpt/pricing', undefined)).toBe(false);
    expect(isAllowedExternalUrl('https://openai.com.evil.example/chatgpt/pricing', undefined)).toBe(false);
    expect(isAllowedExternalUrl('file:///etc/passwd', undefined)).toBe(false);
    expect(isAllowedExternalUrl('javascript:alert(1)', undefined)).toBe(false);
    expect(isAllowedExternalUrl('smb://host/share', undefined)).toBe(false);
  });
});
