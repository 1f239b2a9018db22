import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appPageUrl,
  contentSecurityPolicy,
  devServerUrl,
  isAppPageUrl,
  isPermissionAllowed,
  resolveAppRequest,
  type AppPage,
} from './app-page';
import { isAllowedExternalUrl } from './external-links';

const dir = join('/opt', 'Keybridge', 'resources', 'app.asar', 'dist', 'renderer');
const bundle: AppPage = { kind: 'bundle', dir };
const dev: AppPage = { kind: 'dev', url: 'http://localhost:5173/' };

describe('isAppPageUrl', () => {
  it('accepts only the index document of the app scheme, with any hash or query', () => {
    const url = appPageUrl(bundle);
    expect(url).toBe('keybridge-app://ui/index.html');
    expect(isAppPageUrl(url, bundle)).toBe(true);
    expect(isAppPageUrl(`${url}#/settings`, bundle)).toBe(true);
    expect(isAppPageUrl('keybridge-app://ui/', bundle)).toBe(true);
    expect(isAppPageUrl(url.replace('index.html', 'other.html'), bundle)).toBe(false);
    expect(isAppPageUrl('keybridge-app://evil/index.html', bundle)).toBe(false);
    expect(isAppPageUrl('keybridge-app://x@ui/index.html', bundle)).toBe(false);
    expect(isAppPageUrl('keybridge://ui/index.html', bundle)).toBe(false);
    expect(isAppPageUrl(`file://${dir}/index.html`, bundle)).toBe(false);
    expect(isAppPageUrl('file:///etc/passwd', bundle)).toBe(false);
    expect(isAppPageUrl('https://example.com/dist/renderer/index.html', bundle)).toBe(false);
    expect(isAppPageUrl('not a url', bundle)).toBe(false);
  });

  it('accepts the dev server origin only', () => {
    expect(isAppPageUrl('http://localhost:5173/src/main.tsx', dev)).toBe(true);
    expect(isAppPageUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isAppPageUrl('http://127.0.0.1:5173/', dev)).toBe(false);
  });
});

describe('resolveAppRequest (what keybridge-app://ui/ answers with)', () => {
  let root: string;
  let page: Extract<AppPage, { kind: 'bundle' }>;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kb-app-scheme-'));
    page = { kind: 'bundle', dir: join(root, 'renderer') };
    await mkdir(join(page.dir, 'assets'), { recursive: true });
    await writeFile(join(page.dir, 'index.html'), '<!doctype html>');
    await writeFile(join(root, 'secret.txt'), 'outside');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('serves the page with its CSP as a header, and assets with their type', () => {
    const index = resolveAppRequest('keybridge-app://ui/index.html', 'GET', page);
    expect(index?.path).toBe(join(page.dir, 'index.html'));
    expect(index?.headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(index?.headers['Content-Security-Policy']).toBe(contentSecurityPolicy(page));
    expect(index?.headers['X-Content-Type-Options']).toBe('nosniff');
    expect(resolveAppRequest('keybridge-app://ui/', 'GET', page)?.path).toBe(join(page.dir, 'index.html'));
    const js = resolveAppRequest('keybridge-app://ui/assets/index-abc.js?v=1', 'GET', page);
    expect(js?.path).toBe(join(page.dir, 'assets', 'index-abc.js'));
    expect(js?.headers['Content-Type']).toBe('text/javascript; charset=utf-8');
    expect(js?.headers['Content-Security-Policy']).toBeUndefined();
  });

  it('answers nothing outside the renderer folder, another host or scheme, or a method but GET', () => {
    // `..` and `%2e%2e` are resolved by URL parsing itself (as Chromium does): they stay inside the folder.
    for (const url of ['keybridge-app://ui/../secret.txt', 'keybridge-app://ui/%2e%2e/secret.txt'])
      expect(resolveAppRequest(url, 'GET', page)?.path).toBe(join(page.dir, 'secret.txt'));
    for (const url of [
      'keybridge-app://ui/assets/..%2f..%2fsecret.txt',
      'keybridge-app://ui/..%5csecret.txt',
      'keybridge-app://ui/.env',
      'keybridge-app://ui/%00index.html',
      'keybridge-app://other/index.html',
      'keybridge-app://user@ui/index.html',
      `file://${page?.dir ?? ''}/index.html`,
      'not a url',
    ]) {
      expect(resolveAppRequest(url, 'GET', page), url).toBeUndefined();
    }
    expect(resolveAppRequest('keybridge-app://ui/index.html', 'POST', page)).toBeUndefined();
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
    const csp = contentSecurityPolicy(bundle);
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
    const url = appPageUrl(bundle);
    expect(isPermissionAllowed('clipboard-sanitized-write', url, bundle)).toBe(true);
    expect(isPermissionAllowed('clipboard-sanitized-write', 'https://example.com/', bundle)).toBe(false);
    expect(isPermissionAllowed('clipboard-sanitized-write', `file://${dir}/index.html`, bundle)).toBe(false);
    expect(isPermissionAllowed('clipboard-read', url, bundle)).toBe(false);
    expect(isPermissionAllowed('notifications', url, bundle)).toBe(false);
    expect(isPermissionAllowed('media', url, bundle)).toBe(false);
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
