/**
 * Vaults as Keybridge wrote them before several accounts (vault format 1 holding one session). The fixture in
 * test/support/fixtures/vault-format-1 was written by that code's own `Vault.save` (file-key cipher, the
 * key beside it); `legacySession` is what it holds. `writeLegacyVault` writes the same format for other
 * sessions without the old code: the header, then the file-key cipher's sealed JSON of the bare session.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFileKeyCipher } from '../../core/vault/file-key-cipher';
import { writeFileAtomic } from '../../core/vault/atomic-write';

export const LEGACY_FIXTURE_DIR = fileURLToPath(new URL('./fixtures/vault-format-1', import.meta.url));

const jwt = (payload: object) =>
  [
    'eyJhbGciOiJub25lIn0',
    Buffer.from(JSON.stringify(payload)).toString('base64url'),
    'legacy-signature',
  ].join('.');

/** The one session of the committed fixture (account `acc-legacy`, grace@example.com, plan pro). */
export const legacySession = {
  version: 1 as const,
  accessToken: jwt({
    email: 'grace@example.com',
    'https://api.openai.com/auth': { chatgpt_plan_type: 'pro', chatgpt_account_id: 'acc-legacy' },
    kind: 'access',
  }),
  refreshToken: 'rt_legacy_refresh_token_0001',
  idToken: jwt({
    email: 'grace@example.com',
    'https://api.openai.com/auth': { chatgpt_plan_type: 'pro', chatgpt_account_id: 'acc-legacy' },
  }),
  expiresAt: 4_102_444_800_000,
  obtainedAt: 1_767_225_600_000,
};

/** Copies the committed format-1 vault (and its key) into `dir`. */
export async function copyLegacyFixture(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const name of ['vault.bin', 'vault.key'])
    await copyFile(join(LEGACY_FIXTURE_DIR, name), join(dir, name));
}

/** Writes `session` into `dir` in vault format 1 (the single-session layout), sealed with the file-key cipher. */
export async function writeLegacyVault(dir: string, session: object): Promise<void> {
  const cipher = await createFileKeyCipher(dir);
  const kind = Buffer.from(cipher.info.kind, 'utf8');
  const header = Buffer.concat([Buffer.from('KBVAULT', 'ascii'), Buffer.from([1, kind.length]), kind]);
  const sealed = await cipher.encrypt(Buffer.from(JSON.stringify(session), 'utf8'));
  await writeFileAtomic(join(dir, 'vault.bin'), Buffer.concat([header, sealed]), 0o600);
}
