/**
 * Which cipher the headless (plain Node) host uses. In order:
 *
 * 1. `KEYBRIDGE_CIPHER=keyring|file-key` forces one. A forced keyring that is not available is an error,
 *    never a silent fallback to the weaker file key.
 * 2. An existing vault keeps the cipher that sealed it (recorded in the vault header): a keyring that
 *    appears later does not strand a file-key vault, and a file key lying around does not strand a keyring
 *    vault. If the recorded keyring is gone, the file key is returned for new sign-ins and the Vault reports
 *    the old vault as unreadable (and keeps it).
 * 3. Otherwise (no vault, or one sealed by a cipher Node does not have, like the desktop app's safeStorage —
 *    the Vault reports that one) `prefer` (default 'keyring'): the OS keyring when it answers, else the file key.
 */
import { join } from 'node:path';
import { KeybridgeError, isKeybridgeError } from '../errors';
import { createFileKeyCipher } from './file-key-cipher';
import { createKeyringCipher, keyringAccountFor, type KeyringOptions } from './keyring-cipher';
import type { Cipher } from './types';
import { VAULT_FILE_NAME, readVaultCipherKind } from './vault';

export type NodeCipherChoice = 'keyring' | 'file-key';

export interface SelectCipherOptions {
  /** Used when nothing is forced and no vault exists yet. Default 'keyring'. */
  prefer?: NodeCipherChoice;
  /** Where KEYBRIDGE_CIPHER is read and the keyring helper's environment. Default process.env. */
  env?: Record<string, string | undefined>;
  /** The vault file name inside `dir`, to read which cipher sealed it. Default 'vault.bin'. */
  fileName?: string;
  /** Keyring overrides (service, account, timeout). The account defaults to one per data folder. */
  keyring?: Omit<KeyringOptions, 'env'>;
  /** Told why the keyring was passed over (no tokens in these lines). */
  log?: (line: string) => void;
}

/** Reads KEYBRIDGE_CIPHER; undefined when unset. */
export function forcedCipher(env: Record<string, string | undefined>): NodeCipherChoice | undefined {
  const raw = env.KEYBRIDGE_CIPHER?.trim().toLowerCase();
  if (!raw) return undefined;
  if (raw === 'keyring' || raw === 'file-key') return raw;
  throw new KeybridgeError(
    'config_invalid',
    `KEYBRIDGE_CIPHER is "${env.KEYBRIDGE_CIPHER}"; use "keyring" or "file-key", or unset it to let Keybridge choose.`,
  );
}

export async function selectNodeCipher(dir: string, opts: SelectCipherOptions = {}): Promise<Cipher> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => undefined);
  const keyringOptions: KeyringOptions = { account: keyringAccountFor(dir), ...opts.keyring, env };

  const forced = forcedCipher(env);
  if (forced === 'file-key') return createFileKeyCipher(dir);
  if (forced === 'keyring') {
    try {
      return await createKeyringCipher(keyringOptions);
    } catch (e) {
      if (!isKeybridgeError(e, 'cipher_unavailable')) throw e;
      throw new KeybridgeError(
        'cipher_unavailable',
        `KEYBRIDGE_CIPHER=keyring is set, but ${lowerFirst(e.message)}`,
        {
          cause: e,
        },
      );
    }
  }

  const recorded = await readVaultCipherKind(join(dir, opts.fileName ?? VAULT_FILE_NAME)).catch(() => null);
  if (recorded === 'file-key') return createFileKeyCipher(dir);
  if (recorded === 'os-keyring' || (opts.prefer ?? 'keyring') === 'keyring') {
    try {
      return await createKeyringCipher(keyringOptions);
    } catch (e) {
      if (!isKeybridgeError(e, 'cipher_unavailable')) throw e;
      log(
        recorded === 'os-keyring'
          ? `vault: it was sealed with a key in the OS keyring, which is not available now; new sign-ins use the key file (${e.message})`
          : `vault: using a key file because ${lowerFirst(e.message)}`,
      );
    }
  }
  return createFileKeyCipher(dir);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
