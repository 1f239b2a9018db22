/**
 * Codex CLI's login file, `$CODEX_HOME/auth.json` (docs/design.md "Codex sharing"), in exactly the shape
 * Codex reads: `{"auth_mode": "chatgpt", "OPENAI_API_KEY": null, "tokens": {"id_token", "access_token",
 * "refresh_token": "", "account_id"}, "last_refresh": RFC 3339}`. The refresh token is always the empty
 * string: Keybridge is the one refresher, and Codex re-reads this file when it gets a 401.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../vault/atomic-write';

export const AUTH_FILE = 'auth.json';

export interface CodexTokens {
  idToken: string;
  accessToken: string;
  accountId: string | null;
  /** Epoch ms: when these tokens were obtained (written as `last_refresh`). */
  obtainedAt: number;
}

export function authFilePath(codexHome: string): string {
  return join(codexHome, AUTH_FILE);
}

/** The file's text. Key order and indentation follow what Codex CLI itself writes. */
export function codexAuthJson(t: CodexTokens): string {
  const doc = {
    auth_mode: 'chatgpt',
    OPENAI_API_KEY: null,
    tokens: {
      id_token: t.idToken,
      access_token: t.accessToken,
      refresh_token: '',
      account_id: t.accountId,
    },
    last_refresh: new Date(t.obtainedAt).toISOString(),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The file's bytes and their SHA-256, or null when there is no file. */
export async function readAuthFile(path: string): Promise<{ bytes: Buffer; sha256: string } | null> {
  try {
    const bytes = await readFile(path);
    return { bytes, sha256: sha256Hex(bytes) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Writes atomically with mode 0600; creates CODEX_HOME (0700) when it does not exist yet. */
export async function writeAuthFile(path: string, data: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, data, 0o600);
}

export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}
