/**
 * CodexSharing across host restarts, with real files: the setting is remembered, the file is brought in
 * line with the session when the host starts (written when signed in, a leftover removed when not), and a
 * moved CODEX_HOME takes Keybridge's file along. The session here is a small stand-in announcing tokens the
 * way core/session does; the full path with a real host is test/integration/codex.test.ts.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { CredentialsListener, SessionCredentials } from '../session/session';
import { CodexSharing } from './sharing';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kb-codex-unit-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function session(initial: SessionCredentials | null) {
  let current = initial;
  const listeners = new Set<CredentialsListener>();
  return {
    currentCredentials: () => current,
    onCredentials(l: CredentialsListener) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    set(next: SessionCredentials | null, reason: Parameters<CredentialsListener>[1]) {
      current = next;
      for (const l of listeners) l(next, reason, { accountId: next?.accountId ?? 'acc-1', active: true });
    },
  };
}

const creds = (n: number): SessionCredentials => ({
  accessToken: `access-${n}`,
  idToken: `id-${n}`,
  expiresAt: Date.now() + 3_600_000,
  obtainedAt: Date.UTC(2025, 0, 1, 0, 0, n),
  accountId: 'acc-1',
  planType: 'plus',
});

async function started(codexHome: string, s: ReturnType<typeof session>) {
  const sharing = new CodexSharing({ dataDir: join(dir, 'data'), codexHome, session: s });
  await sharing.start();
  return sharing;
}

it('remembers that sharing is on and rewrites the file when the host starts again', async () => {
  const codexHome = join(dir, 'codex');
  const s = session(creds(1));
  const first = await started(codexHome, s);
  await first.enable();
  await first.close();
  await rm(join(codexHome, 'auth.json'));

  const second = await started(codexHome, s);
  const doc = JSON.parse(await readFile(join(codexHome, 'auth.json'), 'utf8'));
  expect(doc).toEqual({
    auth_mode: 'chatgpt',
    OPENAI_API_KEY: null,
    tokens: { id_token: 'id-1', access_token: 'access-1', refresh_token: '', account_id: 'acc-1' },
    last_refresh: '2025-01-01T00:00:01.000Z',
  });
  expect((await stat(join(codexHome, 'auth.json'))).mode & 0o777).toBe(0o600);
  expect((await stat(join(dir, 'data', 'codex.json'))).mode & 0o777).toBe(0o600);

  // A refresh rewrites it; the settings file never holds a token.
  s.set(creds(2), 'refreshed');
  await second.close();
  expect(JSON.parse(await readFile(join(codexHome, 'auth.json'), 'utf8')).tokens.access_token).toBe(
    'access-2',
  );
  expect(await readFile(join(dir, 'data', 'codex.json'), 'utf8')).not.toMatch(/access-|id-\d/);
});

it('removes a file of its own left behind by a host that stopped while signed in, once signed out', async () => {
  const codexHome = join(dir, 'codex');
  const first = await started(codexHome, session(creds(1)));
  await first.enable();
  await first.close();
  expect(existsSync(join(codexHome, 'auth.json'))).toBe(true);
  const second = await started(codexHome, session(null));
  expect(existsSync(join(codexHome, 'auth.json'))).toBe(false);
  expect(await second.status()).toMatchObject({ enabled: true, file: 'missing' });
});

it('follows CODEX_HOME when it moves between runs', async () => {
  const s = session(creds(1));
  const first = await started(join(dir, 'old'), s);
  await first.enable();
  await first.close();
  const second = await started(join(dir, 'new'), s);
  expect(existsSync(join(dir, 'old', 'auth.json'))).toBe(false);
  expect(existsSync(join(dir, 'new', 'auth.json'))).toBe(true);
  expect(await second.status()).toMatchObject({
    enabled: true,
    file: 'ours',
    path: join(dir, 'new', 'auth.json'),
  });
});
