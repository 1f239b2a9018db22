import { describe, expect, it } from 'vitest';
import { extractSchemeUrls, UrlInbox, wantsNoTray } from './deep-links';

describe('extractSchemeUrls', () => {
  it('finds the redirect wherever the OS put it, not only at argv[1]', () => {
    const url = 'keybridge://oauth/callback?code=abc&state=xyz';
    // Windows cold start of a packaged app, development start (electron + app path), and a second instance
    // whose argv Chromium has extended with its own switches.
    expect(extractSchemeUrls(['C:\\Keybridge\\Keybridge.exe', url])).toEqual([url]);
    expect(extractSchemeUrls(['/usr/bin/electron', '/home/ada/keybridge', url])).toEqual([url]);
    expect(
      extractSchemeUrls([
        '/opt/Keybridge/keybridge',
        '--allow-file-access-from-files',
        '--original-process-start-time=1',
        url,
      ]),
    ).toEqual([url]);
  });

  it('ignores everything that is not a keybridge URL, and the same URL twice', () => {
    const url = 'KEYBRIDGE://oauth/callback?state=1';
    expect(
      extractSchemeUrls(['app', 'https://evil.example/keybridge://', '--flag=keybridge://x', url, url]),
    ).toEqual([url]);
    expect(extractSchemeUrls(['app', '--no-tray'])).toEqual([]);
  });

  it('drops absurdly long arguments instead of handing them on', () => {
    expect(extractSchemeUrls([`keybridge://oauth/callback?x=${'a'.repeat(9000)}`])).toEqual([]);
  });
});

describe('wantsNoTray', () => {
  it('reads the flag and the environment', () => {
    expect(wantsNoTray(['app', '--no-tray'])).toBe(true);
    expect(wantsNoTray(['app'], { KEYBRIDGE_NO_TRAY: '1' })).toBe(true);
    expect(wantsNoTray(['app', '--tray'])).toBe(false);
  });
});

describe('UrlInbox', () => {
  it('keeps URLs that came before the host and delivers them in order, then passes new ones straight on', () => {
    const inbox = new UrlInbox();
    inbox.push('keybridge://a');
    inbox.push('keybridge://b');
    inbox.push('keybridge://a');
    const seen: string[] = [];
    inbox.drainTo((u) => seen.push(u));
    expect(seen).toEqual(['keybridge://a', 'keybridge://b']);
    inbox.push('keybridge://c');
    expect(seen).toEqual(['keybridge://a', 'keybridge://b', 'keybridge://c']);
  });
});
