/**
 * The desktop cipher: Electron safeStorage (Keychain / DPAPI / a Linux keyring), through its async API —
 * the sync one is deprecated in Electron 45 and blocks the main thread while the keyring answers.
 * safeStorage encrypts strings, the vault hands Buffers: the bytes travel as base64 behind a short prefix,
 * which also tells a wrong key (or a foreign blob) from a good decryption.
 *
 * Only usable after `app` is ready. On Linux without a keyring (`basic_text`) the user is asked first
 * (storage-backend.ts), and may choose the core's key-file cipher or quit.
 */
import { app, safeStorage } from 'electron';
import type { StorageInfo } from '../../core/api/contract';
import { KeybridgeError } from '../../core/errors';
import { createFileKeyCipher } from '../../core/vault/file-key-cipher';
import type { Cipher } from '../../core/vault/types';
import { askBasicText } from './dialogs';
import type { SettingsStore } from './settings';
import { planCipher, type LinuxBackend } from './storage-backend';

const PREFIX = 'kb1:';

export function createSafeStorageCipher(info: StorageInfo): Cipher {
  if (!app.isReady()) throw new Error('safeStorage is only usable after the app is ready.');
  return {
    info,
    async encrypt(plain: Buffer): Promise<Buffer> {
      try {
        return await safeStorage.encryptStringAsync(PREFIX + plain.toString('base64'));
      } catch (e) {
        throw new KeybridgeError(
          'cipher_unavailable',
          `The system could not encrypt the tokens (${(e as Error).message}). Unlock your keychain or keyring and try again.`,
          { cause: e },
        );
      }
    },
    async decrypt(sealed: Buffer): Promise<Buffer> {
      let text: string;
      try {
        // `shouldReEncrypt` (a rotated key) needs no action here: the vault rewrites the file on every refresh.
        text = (await safeStorage.decryptStringAsync(sealed)).result;
      } catch (e) {
        throw new KeybridgeError(
          'vault_unreadable',
          `The saved sign-in could not be decrypted (${(e as Error).message}). Unlock your keychain or keyring, or sign in again.`,
          { cause: e },
        );
      }
      if (!text.startsWith(PREFIX)) {
        throw new KeybridgeError(
          'vault_unreadable',
          'The saved sign-in was not sealed by this app. Sign in again.',
        );
      }
      return Buffer.from(text.slice(PREFIX.length), 'base64');
    },
  };
}

/**
 * Picks the vault's cipher for this start: safeStorage when the OS backs it; on Linux with only
 * `basic_text`, what the user chose (asking once, remembered in settings); the key-file cipher when
 * safeStorage cannot encrypt. Resolves `null` when the user chose to quit.
 */
export async function chooseDesktopCipher(opts: {
  dataFolder: string;
  settings: SettingsStore;
  log: (line: string) => void;
}): Promise<Cipher | null> {
  const available = await safeStorage.isAsyncEncryptionAvailable().catch(() => false);
  // Asked after the async encryptor is initialised: before `ready` the answer is always "unknown".
  const backend: LinuxBackend | undefined =
    process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : undefined;
  let plan = planCipher({
    platform: process.platform,
    available,
    backend,
    basicText: opts.settings.get('basicText'),
  });

  if (plan.use === 'ask') {
    const answer = await askBasicText();
    if (answer === 'quit') return null;
    opts.settings.set('basicText', answer === 'accept' ? 'accepted' : 'declined');
    plan = planCipher({
      platform: process.platform,
      available,
      backend,
      basicText: opts.settings.get('basicText'),
    });
  }

  switch (plan.use) {
    case 'safe-storage':
    case 'basic-text':
      opts.log(`vault cipher: ${plan.info.kind}${backend ? ` (${backend})` : ''}`);
      return createSafeStorageCipher(plan.info);
    case 'file-key':
      opts.log(`vault cipher: file-key — ${plan.reason}`);
      return createFileKeyCipher(opts.dataFolder);
    case 'ask':
      // planCipher answers 'ask' only while the choice is 'unasked', and it was just recorded.
      throw new Error('unreachable: storage choice not recorded');
  }
}
