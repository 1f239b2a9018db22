/**
 * Which cipher protects the vault in the desktop app, and how honestly to describe it. Electron's
 * safeStorage uses the Keychain (macOS), DPAPI (Windows) or a keyring (Linux); on a Linux desktop without
 * one it falls back to `basic_text`, a key built into Chromium — encryption in name only, so the user is
 * asked first and may choose the key-file cipher instead. Pure.
 */
import type { StorageInfo } from '../../core/api/contract';
import type { BasicTextChoice } from './settings-schema';

/** `safeStorage.getSelectedStorageBackend()` (Linux). */
export type LinuxBackend = 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown';

export const BASIC_TEXT_INFO: StorageInfo = {
  kind: 'basic-text',
  protected: false,
  description:
    'No keyring was found, so tokens are encrypted with a key built into the app: any program running as you can read them.',
};

export function safeStorageInfo(platform: NodeJS.Platform, backend?: LinuxBackend): StorageInfo {
  if (platform === 'linux' && (backend === 'basic_text' || backend === 'unknown' || backend === undefined)) {
    return BASIC_TEXT_INFO;
  }
  const where =
    platform === 'darwin'
      ? 'a key in your macOS Keychain'
      : platform === 'win32'
        ? 'Windows DPAPI for your user account'
        : backend === 'gnome_libsecret'
          ? 'a key in your Secret Service keyring (GNOME Keyring / libsecret)'
          : `a key in KWallet (${backend})`;
  return {
    kind: 'safe-storage',
    protected: true,
    description: `Encrypted by Electron safeStorage with ${where}.`,
  };
}

export type CipherPlan =
  | { use: 'safe-storage'; info: StorageInfo }
  | { use: 'basic-text'; info: StorageInfo }
  | { use: 'file-key'; reason: string }
  | { use: 'ask' };

export function planCipher(opts: {
  platform: NodeJS.Platform;
  /** `await safeStorage.isAsyncEncryptionAvailable()`. */
  available: boolean;
  backend?: LinuxBackend;
  basicText: BasicTextChoice;
}): CipherPlan {
  if (!opts.available)
    return { use: 'file-key', reason: 'Electron safeStorage is not available on this system.' };
  const info = safeStorageInfo(opts.platform, opts.backend);
  if (info.protected) return { use: 'safe-storage', info };
  if (opts.basicText === 'accepted') return { use: 'basic-text', info };
  if (opts.basicText === 'declined')
    return { use: 'file-key', reason: 'You chose a key file over the built-in key.' };
  return { use: 'ask' };
}
